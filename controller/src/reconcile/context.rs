//! What every reconcile shares, and what the process remembers per object between reconciles
//! (docs/architecture.md, "One reconcile").

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use kube::{
    Client, ResourceExt,
    runtime::{
        events::{Recorder, Reporter},
        reflector::{ObjectRef, Store},
    },
};
use tokio::time::Instant;

use super::slots::Slots;

use crate::{
    api::RegionalFailover,
    aws::Aws,
    drill::{actions::FailsafeConfig, sense::Senses},
    metrics::{Metrics, Probes},
};

/// How the operator is configured beyond AWS: drills and the DNS watch.
#[derive(Clone, Debug)]
pub struct Settings {
    pub failsafe: FailsafeConfig,
    /// Who this process is, as written into drill locks ("operator POD (REGION)").
    pub identity: String,
    /// Namespace of the operator itself: where the drill stop switch lives.
    pub namespace: String,
    /// The chart's `drills.enabled`: `false` refuses every drill and stops running ones.
    pub drills_enabled: bool,
    /// How often each object's authoritative answer is checked between verifications.
    pub dns_watch: Duration,
    /// The same while something looks wrong (DNS not on the primary, a drill, an error).
    pub dns_watch_alert: Duration,
    /// Keep each object's runbook in a ConfigMap in `namespace`.
    pub runbooks: bool,
    /// The region of this operator's cluster (two-cluster mode): written as `status.observedFrom`,
    /// decides which drills run here (`runFrom`), and lets a lost other region read as such.
    pub cluster_region: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            failsafe: FailsafeConfig {
                group: crate::drill::actions::DEFAULT_FAILSAFE_GROUP.into(),
                ..FailsafeConfig::default()
            },
            identity: "regional-failover".into(),
            namespace: "default".into(),
            drills_enabled: true,
            dns_watch: Duration::from_secs(5),
            dns_watch_alert: Duration::from_secs(1),
            runbooks: false,
            cluster_region: None,
        }
    }
}

/// A drill this process is driving, with the reads it keeps between steps.
pub struct DrillMemory {
    /// `startedAt` of the record: another record means another drill.
    pub started: chrono::DateTime<chrono::Utc>,
    pub senses: Senses,
}

/// Per-object memory: gone with the process, so nothing in it may be needed for safety (status
/// holds that); it only saves work and keeps cadences.
#[derive(Default)]
pub struct ObjectMemory {
    /// The spec's validation verdict for one generation: validation serialises the object and
    /// runs the CRD's CEL rules, and a generation's spec never changes.
    pub verdict: Option<(i64, Option<String>)>,
    /// When the next full verification is due.
    pub verify_at: Option<Instant>,
    /// When the DNS sensor next looks at the authoritative answer (`sensor.rs`).
    pub dns_at: Option<Instant>,
    /// The sensor's look is in flight.
    pub looking: bool,
    /// What the sensor saw that the next reconcile judges.
    pub woken: Option<super::sensor::Woken>,
    pub drill: Option<DrillMemory>,
    /// The status as this process last wrote it: the base of the next write, since the watch
    /// cache may not have seen that write yet (a drill must never step from a stale record). Dropped
    /// once the cache shows the same status.
    /// Boxed: it is there only between a write and its watch event, and inline it took 1.9 KB of
    /// every object's memory all the time.
    pub written: Option<Box<crate::api::RegionalFailoverStatus>>,
    /// The resourceVersion that write returned: a watch event carrying it means the cache holds
    /// the write, and the copy above is dropped at once (a fleet's statuses are not held twice).
    pub written_version: Option<String>,
    /// Consecutive failed verifications, for backoff.
    pub failures: u32,
    /// The last region DNS answered with, and when: a different answer later is a flip.
    pub last_answer: Option<crate::status::witness::LastAnswer>,
    /// Hash of the runbook last written, and when writing it last failed.
    pub runbook: Option<(u64, Option<Instant>)>,
    /// Hash of what a user last changed in the object as the watch delivered it (`run.rs`,
    /// `user_change`): a watch event triggers a reconcile only when it differs.
    pub user_change: Option<u64>,
}

/// Shared by every reconcile.
pub struct Context {
    pub client: Client,
    pub aws: Aws,
    pub metrics: Metrics,
    pub probes: Arc<Probes>,
    pub recorder: Recorder,
    pub settings: Settings,
    /// Set while the controller stops (shutdown or lost lease): drills restore now.
    pub stopping: Arc<AtomicBool>,
    /// Boxed: an `ObjectMemory` was 2.3 KB inline, and a map of a thousand inline entries held
    /// two tables of megabytes while it grew (docs/architecture.md, "Memory").
    memory: Mutex<HashMap<String, Box<ObjectMemory>>>,
    /// The stop switch, read at most once a second.
    pub(super) stop_switch: tokio::sync::Mutex<Option<(Instant, crate::drill::evidence::Evidence<Option<String>>)>>,
    /// When the DNS watch last read a drill lock on a flip (see [`Context::spare_lock_read`]).
    lock_read_at: Mutex<Option<Instant>>,
    /// The controller's watch cache, once it runs: the newest copy of an object that waited for
    /// a slot.
    fleet: OnceLock<Store<RegionalFailover>>,
    /// Reconciles wait here for a slot, first come, first served (`slots.rs`).
    pub slots: Slots,
}

/// The DNS watch reads at most one drill lock per this interval, for the whole process.
const LOCK_READ_SPACING: Duration = Duration::from_secs(1);

impl Context {
    pub fn new(client: Client, aws: Aws, metrics: Metrics, probes: Arc<Probes>, settings: Settings) -> Context {
        let reporter = Reporter { controller: "regional-failover".into(), instance: Some(settings.identity.clone()) };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            aws,
            metrics,
            probes,
            settings,
            stopping: Arc::new(AtomicBool::new(false)),
            memory: Mutex::new(HashMap::new()),
            stop_switch: tokio::sync::Mutex::new(None),
            lock_read_at: Mutex::new(None),
            fleet: OnceLock::new(),
            slots: Slots::default(),
        }
    }

    /// The controller's watch cache (set once, when the controller starts).
    pub(super) fn watch_fleet(&self, store: Store<RegionalFailover>) {
        let _ = self.fleet.set(store);
    }

    /// The watch cache's newest copy of `rf`: `Some(None)` when it is gone from the cache, `None`
    /// before the controller runs (tests drive reconciles without a watch).
    pub(super) fn newest(&self, rf: &RegionalFailover) -> Option<Option<Arc<RegionalFailover>>> {
        self.fleet.get().map(|store| store.get(&ObjectRef::from_obj(rf)))
    }

    /// Whether the DNS watch may read a drill lock for a flip now, never waiting: one a second for
    /// the whole process. A drill flips one object; many objects flipping at once are a regional
    /// event, and reading each one's lock then would hold the reconcile slots on the Scheduler
    /// budget (2/s: 50 s at 100 objects) while every status waits. A flip judged without the
    /// lock is announced as before; verification reads the lock while the check stays changed.
    pub fn spare_lock_read(&self) -> bool {
        let mut last = self.lock_read_at.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|t| now.saturating_duration_since(t) < LOCK_READ_SPACING) {
            return false;
        }
        *last = Some(now);
        true
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Runs `f` on the object's memory (created on first use). Never held across an await.
    pub fn with_memory<T>(&self, key: &str, f: impl FnOnce(&mut ObjectMemory) -> T) -> T {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        f(memory.entry(key.to_string()).or_default())
    }

    /// Runs `f` on the memory of an object already remembered; `None` (and nothing created)
    /// otherwise: the DNS sensor must not bring a forgotten object back.
    pub fn with_known_memory<T>(&self, key: &str, f: impl FnOnce(&mut ObjectMemory) -> T) -> Option<T> {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.get_mut(key).map(|m| f(m))
    }

    /// Remembers the status this process just wrote (and the resourceVersion it got), as the base
    /// of the next write until the watch cache shows it.
    pub fn note_written(&self, key: &str, status: &crate::api::RegionalFailoverStatus, version: Option<String>) {
        // The watch may have delivered the write before its answer came back.
        let cached = key.split_once('/').and_then(|(namespace, name)| {
            let store = self.fleet.get()?;
            store.get(&ObjectRef::new(name).within(namespace))?.resource_version()
        });
        let settled = version.is_some() && cached == version;
        self.with_memory(key, |m| {
            m.written = (!settled).then(|| Box::new(status.clone()));
            m.written_version = version.filter(|_| !settled);
        });
    }

    /// A watch event arrived: once it carries the version of this process's last write, the cache
    /// holds that status and the copy in memory goes.
    pub fn settle_written(&self, rf: &RegionalFailover) {
        let version = rf.resource_version();
        self.with_known_memory(&key_of(rf), |m| {
            if m.written_version.is_some() && m.written_version == version {
                m.written = None;
                m.written_version = None;
            }
        });
    }

    /// A watch event about `rf`: whether it carries a change a user made since the last event
    /// (always so for an object seen for the first time), remembered with the object. Kept here
    /// rather than in kube-runtime's predicate cache, which held each object's name, namespace and
    /// UID once more (docs/architecture.md, "Memory").
    pub(super) fn user_changed(&self, rf: &RegionalFailover, hash: u64) -> bool {
        let changed = |m: &mut ObjectMemory| m.user_change.replace(hash) != Some(hash);
        if rf.metadata.deletion_timestamp.is_some() {
            // Its last reconcile forgets a deleted object: a late event must not bring it back.
            return self.with_known_memory(&key_of(rf), changed).unwrap_or(true);
        }
        self.with_memory(&key_of(rf), changed)
    }

    /// Forgets a deleted object.
    pub fn forget(&self, key: &str) {
        self.memory.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Objects with a drill this process drives.
    pub fn drilling(&self) -> Vec<String> {
        let memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.iter().filter(|(_, m)| m.drill.is_some()).map(|(k, _)| k.clone()).collect()
    }

    /// Objects remembered (tests check that deletions clean up).
    #[cfg(test)]
    pub fn remembered(&self) -> usize {
        self.memory.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// `namespace/name`: the key of the per-object memory and of the metrics' labels.
pub fn key_of(rf: &RegionalFailover) -> String {
    format!("{}/{}", rf.namespace().unwrap_or_default(), rf.name_any())
}
