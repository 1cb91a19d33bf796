//! Controller wiring (design §10): validate → observe → build → apply status → events.
//! `validate` and `build` never touch a client; AWS and DNS are read in `observe`.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use futures::StreamExt;
use kube::{
    Api, Client, Resource, ResourceExt,
    api::ListParams,
    runtime::{
        Controller, WatchStreamExt,
        controller::{self, Action},
        events::{Event, EventType as KubeEventType, Recorder, Reporter},
        reflector, watcher,
    },
};
use tracing::{info, instrument, warn};

use crate::{
    Error,
    api::{DrillPhase, DrillRecord, RegionalFailover, RegionalFailoverStatus},
    aws::Aws,
    drill::{
        kube_host::{self, KubeHost},
        machine,
        runner::{self, DrillEnv, FailsafeConfig},
        trigger::{self, Request},
    },
    metrics::{Metrics, ObjectLabels, Probes},
    observe,
    status::{self, EventType, Observed, Transition},
};

/// Field manager of every status write.
pub const FIELD_MANAGER: &str = kube_host::FIELD_MANAGER;

/// Shared by every reconcile.
pub struct Context {
    pub client: Client,
    pub aws: Aws,
    pub metrics: Metrics,
    pub probes: Arc<Probes>,
    pub recorder: Recorder,
    /// Where drills put their AWS-side fail-safe.
    pub failsafe: FailsafeConfig,
    /// Set while the controller stops (shutdown or lost lease): running drills restore and end.
    stopping: Arc<AtomicBool>,
    /// Consecutive failures per object, for backoff.
    failures: Mutex<HashMap<String, u32>>,
    /// Spec verdicts by object UID and generation: validation serialises the object and runs the
    /// CRD's CEL rules (about 1 ms), and a generation's spec never changes.
    spec_verdicts: Mutex<HashMap<String, (i64, Option<String>)>>,
}

impl Context {
    pub fn new(client: Client, aws: Aws, metrics: Metrics, probes: Arc<Probes>, identity: &str) -> Context {
        let reporter = Reporter { controller: "regional-failover".into(), instance: Some(identity.to_string()) };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            aws,
            metrics,
            probes,
            failsafe: FailsafeConfig { group: runner::DEFAULT_FAILSAFE_GROUP.into(), ..FailsafeConfig::default() },
            stopping: Arc::new(AtomicBool::new(false)),
            failures: Mutex::new(HashMap::new()),
            spec_verdicts: Mutex::new(HashMap::new()),
        }
    }

    /// [`observe::spec_error`], computed once per generation of each object.
    fn spec_error(&self, rf: &RegionalFailover) -> Option<String> {
        let (Some(uid), Some(generation)) = (rf.meta().uid.clone(), rf.meta().generation) else {
            return observe::spec_error(rf);
        };
        let mut verdicts = self.spec_verdicts.lock().unwrap_or_else(|p| p.into_inner());
        match verdicts.get(&uid) {
            Some((seen, verdict)) if *seen == generation => verdict.clone(),
            _ => {
                let verdict = observe::spec_error(rf);
                verdicts.insert(uid, (generation, verdict.clone()));
                verdict
            }
        }
    }

    fn forget_spec(&self, rf: &RegionalFailover) {
        if let Some(uid) = &rf.meta().uid {
            self.spec_verdicts.lock().unwrap_or_else(|p| p.into_inner()).remove(uid);
        }
    }

    pub fn with_failsafe(mut self, failsafe: FailsafeConfig) -> Context {
        self.failsafe = failsafe;
        self
    }
}

fn labels(rf: &RegionalFailover) -> ObjectLabels {
    ObjectLabels { namespace: rf.namespace().unwrap_or_default(), name: rf.name_any() }
}

#[instrument(skip(rf, ctx), fields(namespace = rf.namespace().unwrap_or_default(), name = rf.name_any()))]
async fn reconcile(rf: Arc<RegionalFailover>, ctx: Arc<Context>) -> Result<Action, Error> {
    let timer = ctx.metrics.reconcile_duration.clone();
    let started = std::time::Instant::now();
    let result = reconcile_inner(&rf, &ctx).await;
    timer.observe(started.elapsed().as_secs_f64());
    ctx.metrics.count_reconcile(result.as_ref().map(|_| "ok").unwrap_or_else(|e| e.metric_label()));
    result
}

async fn reconcile_inner(rf: &RegionalFailover, ctx: &Context) -> Result<Action, Error> {
    let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), &rf.namespace().unwrap_or_default());
    let mut previous = rf.status.clone().unwrap_or_default();
    // A drill still running at the start of a reconcile was left by a previous process (a
    // reconcile never overlaps another of the same object): restore before anything else.
    if let Some(found) = trigger::unfinished(previous.drill.as_ref()).cloned() {
        previous = Box::pin(run_drill(rf, ctx, &api, previous, Start::Resume(found))).await?;
    }
    if rf.meta().deletion_timestamp.is_some() {
        kube_host::set_finalizer(&api, &rf.name_any(), false).await?;
        ctx.forget_spec(rf);
        return Ok(Action::await_change());
    }
    let started = std::time::Instant::now();
    let spec_error = ctx.spec_error(rf);
    let drilling = std::time::Instant::now();
    if spec_error.is_none() {
        previous = Box::pin(requested_drill(rf, ctx, &api, previous)).await?;
    }
    let drilled = drilling.elapsed();
    let now = Utc::now();
    let reading = std::time::Instant::now();
    let observed = match &spec_error {
        Some(e) => Observed { spec_error: Some(e.clone()), ..Observed::default() },
        None => observe::observe(&rf.spec, &previous, &ctx.aws, now).await,
    };
    let waited_on_aws = reading.elapsed();
    let assembled = status::assemble(&rf.spec, rf.meta().generation, &previous, &observed, now);
    apply_status(rf, ctx, &assembled.status).await?;
    ctx.probes.api_contact();
    publish(rf, ctx, &assembled.events).await;
    record_metrics(rf, ctx, &assembled.status);
    // What the controller itself costs per object: everything but the AWS and DNS reads.
    let local = started.elapsed().saturating_sub(waited_on_aws).saturating_sub(drilled);
    ctx.metrics.reconcile_local_duration.observe(local.as_secs_f64());
    tracing::debug!(local_ms = local.as_secs_f64() * 1e3, aws_ms = waited_on_aws.as_secs_f64() * 1e3, "verified");

    let key = format!("{}/{}", rf.namespace().unwrap_or_default(), rf.name_any());
    if spec_error.is_some() {
        // An invalid spec cannot get better by retrying: wait for the user to change it.
        return Ok(Action::await_change());
    }
    if let Some(Err(e)) = &observed.snapshot {
        return Err(Error::Aws(e.clone()));
    }
    ctx.failures.lock().map(|mut f| f.remove(&key)).ok();
    let verify_in = Duration::from_secs(u64::from(rf.spec.verify_interval_seconds));
    let next_drill_in = trigger::next_fire_in(&rf.spec, Utc::now()).map(|d| d + Duration::from_millis(500));
    Ok(Action::requeue(next_drill_in.map_or(verify_in, |d| d.min(verify_in))))
}

enum Start {
    New(DrillRecord),
    Resume(DrillRecord),
}

/// Starts the drill an annotation or a schedule asks for, if any; returns the status to go on with.
async fn requested_drill(
    rf: &RegionalFailover,
    ctx: &Context,
    api: &Api<RegionalFailover>,
    mut previous: RegionalFailoverStatus,
) -> Result<RegionalFailoverStatus, Error> {
    let now = Utc::now();
    let mut drill = previous.drill.clone().unwrap_or_default();
    let annotation = rf.annotations().get(trigger::RUN_DRILL_ANNOTATION).map(String::as_str);
    let request = trigger::decide(&rf.spec, annotation, &mut drill, now);
    if previous.drill.is_some() || drill != Default::default() {
        previous.drill = Some(drill);
    }
    match request {
        None => Ok(previous),
        Some(Request::UnknownDrill(value)) => {
            let note = format!(
                "The {} annotation asks for drill {value:?}, which spec.drills does not declare.",
                trigger::RUN_DRILL_ANNOTATION
            );
            publish(rf, ctx, &[drill_event(EventType::Warning, "UnknownDrill", note)]).await;
            Ok(previous)
        }
        Some(Request::Run { drill, trigger }) => {
            let record =
                machine::start(&drill.name, trigger, drill.timeout_seconds, rf.spec.objectives.rto_seconds, now);
            run_drill(rf, ctx, api, previous, Start::New(record)).await
        }
    }
}

/// Runs (or resumes) one drill to its end inside this reconcile, with events and metrics.
async fn run_drill(
    rf: &RegionalFailover,
    ctx: &Context,
    api: &Api<RegionalFailover>,
    previous: RegionalFailoverStatus,
    start: Start,
) -> Result<RegionalFailoverStatus, Error> {
    let name = rf.name_any();
    let namespace = rf.namespace().unwrap_or_default();
    let mut host = KubeHost::new(api.clone(), name.clone(), previous, rf.spec.suspend, ctx.stopping.clone());
    let env = DrillEnv { aws: &ctx.aws, spec: &rf.spec, failsafe: &ctx.failsafe, namespace: &namespace, name: &name };
    let record = match start {
        Start::New(record) => {
            // Deleting the object must wait for the restore; the finalizer goes on before any change.
            kube_host::set_finalizer(api, &name, true).await?;
            host.other_drill_running = other_drill_running(rf, api).await;
            let note = format!("Drill {} started ({:?}).", record.name, record.trigger);
            publish(rf, ctx, &[drill_event(EventType::Normal, "DrillStarted", note)]).await;
            info!(drill = %record.name, trigger = ?record.trigger, "drill started");
            Box::pin(runner::drive(&env, &mut host, record)).await
        }
        Start::Resume(found) => Box::pin(runner::resume(&env, &mut host, &found)).await,
    };
    finish_drill(rf, ctx, &record).await;
    if machine::is_terminal(record.phase)
        && let Err(e) = kube_host::set_finalizer(api, &name, false).await
    {
        warn!(error = %e, "drill finalizer not removed; the next reconcile retries");
    }
    Ok(host.status)
}

async fn finish_drill(rf: &RegionalFailover, ctx: &Context, record: &DrillRecord) {
    let l = labels(rf);
    let outcome = match record.phase {
        DrillPhase::Succeeded => "succeeded",
        DrillPhase::Aborted => "aborted",
        _ => "failed",
    };
    ctx.metrics.count_drill(&l, outcome);
    if let Some(rto) = record.measured_rto_seconds {
        ctx.metrics.last_rto_ms.get_or_create(&l).set((rto * 1000.0) as i64);
    }
    let message = record.message.clone().unwrap_or_default();
    let reason = record.reason.clone().unwrap_or_else(|| format!("{:?}", record.phase));
    let event = if record.phase == DrillPhase::Succeeded {
        drill_event(EventType::Normal, "DrillSucceeded", format!("Drill {}: {message}", record.name))
    } else {
        drill_event(
            EventType::Warning,
            "DrillFailed",
            format!("Drill {} {:?} ({reason}): {message}", record.name, record.phase),
        )
    };
    info!(drill = %record.name, phase = ?record.phase, reason, rto = ?record.measured_rto_seconds, "drill finished");
    publish(rf, ctx, &[event]).await;
}

fn drill_event(type_: EventType, reason: &'static str, mut note: String) -> Transition {
    if note.len() > status::MAX_NOTE_BYTES {
        let mut cut = status::MAX_NOTE_BYTES;
        while !note.is_char_boundary(cut) {
            cut -= 1;
        }
        note.truncate(cut);
    }
    Transition { type_, reason, action: "Drill", note }
}

/// Another object in the namespace drilling the same health check right now.
async fn other_drill_running(rf: &RegionalFailover, api: &Api<RegionalFailover>) -> bool {
    let Ok(list) = api.list(&ListParams::default()).await else { return false };
    list.items.iter().any(|other| {
        other.name_any() != rf.name_any()
            && other.spec.health_check.id == rf.spec.health_check.id
            && trigger::unfinished(other.status.as_ref().and_then(|s| s.drill.as_ref())).is_some()
    })
}

async fn apply_status(rf: &RegionalFailover, ctx: &Context, status: &RegionalFailoverStatus) -> Result<(), Error> {
    let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), &rf.namespace().unwrap_or_default());
    kube_host::write_status(&api, &rf.name_any(), status).await?;
    Ok(())
}

async fn publish(rf: &RegionalFailover, ctx: &Context, events: &[status::Transition]) {
    let reference = rf.object_ref(&());
    for t in events {
        let ev = Event {
            type_: match t.type_ {
                EventType::Normal => KubeEventType::Normal,
                EventType::Warning => KubeEventType::Warning,
            },
            reason: t.reason.to_string(),
            note: Some(t.note.clone()),
            action: t.action.to_string(),
            secondary: None,
        };
        if let Err(e) = ctx.recorder.publish(&ev, &reference).await {
            warn!(error = %e, reason = t.reason, "event not published");
        }
    }
}

fn record_metrics(rf: &RegionalFailover, ctx: &Context, s: &RegionalFailoverStatus) {
    let l = labels(rf);
    ctx.metrics.findings.get_or_create(&l).set(s.drift.len() as i64);
    let health = match s.health.as_ref().map(|h| h.status) {
        Some(crate::api::HealthState::Healthy) => 1,
        Some(crate::api::HealthState::Unhealthy) => 0,
        _ => -1,
    };
    ctx.metrics.primary_healthy.get_or_create(&l).set(health);
    if let Some(lag) = s.replication.as_ref().and_then(|r| r.lag_seconds) {
        ctx.metrics.replication_lag_ms.get_or_create(&l).set((lag * 1000.0) as i64);
    }
    if let Some(p) = s.predicted_rto_seconds {
        ctx.metrics.predicted_rto_seconds.get_or_create(&l).set(i64::from(p));
    }
}

fn error_policy(rf: Arc<RegionalFailover>, error: &Error, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", rf.namespace().unwrap_or_default(), rf.name_any());
    let n = ctx
        .failures
        .lock()
        .map(|mut f| {
            let n = f.entry(key).or_insert(0);
            *n = n.saturating_add(1);
            *n
        })
        .unwrap_or(1);
    let delay = backoff(n);
    warn!(error = %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// 5 s doubling to 5 min: transient AWS or API trouble is retried without hammering either.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(300))
}

/// Proves the watch can be established (CRD installed, RBAC granted) and marks the process ready.
/// A standby replica is ready too: readiness must not depend on holding the lease, or a rolling
/// update would wait forever for the new pod.
pub async fn check_access(api: &Api<RegionalFailover>, probes: &Probes) -> Result<(), Error> {
    api.list(&ListParams::default().limit(1)).await?;
    probes.api_contact();
    probes.set_watch_ready(true);
    Ok(())
}

/// Reconciles in flight at once: bounds API server connections and memory however many objects
/// there are (a reconcile is mostly waiting on AWS reads shared through the caches).
const MAX_CONCURRENT_RECONCILES: u16 = 8;

/// Drops what the controller never reads from the cached copies: managed fields (several KiB per
/// object once status is written by server-side apply) and kubectl's last-applied copy.
fn slim(rf: &mut RegionalFailover) {
    rf.managed_fields_mut().clear();
    rf.annotations_mut().remove("kubectl.kubernetes.io/last-applied-configuration");
}

/// What a user (not the controller's own status writes) changed: spec, annotations, deletion.
fn user_change(rf: &RegionalFailover) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    rf.meta().generation.hash(&mut hasher);
    rf.meta().annotations.hash(&mut hasher);
    rf.meta().deletion_timestamp.as_ref().map(|t| t.0.to_string()).hash(&mut hasher);
    Some(hasher.finish())
}

/// Runs the controller until `shutdown` resolves.
pub async fn run(
    ctx: Arc<Context>,
    api: Api<RegionalFailover>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    info!("controller started");
    ctx.stopping.store(false, Ordering::SeqCst);
    let stopping = ctx.stopping.clone();
    // Graceful shutdown waits for running reconciles: a drill in one must restore and end now.
    let shutdown = async move {
        shutdown.await;
        stopping.store(true, Ordering::SeqCst);
    };
    let (reader, writer) = reflector::store();
    // Every status write changes the object (timestamps); reacting to those events would verify
    // each object again at once, forever. Only what a user changes triggers: spec (generation),
    // annotations (drill requests) and deletion. Cycles come from the requeue after each verify.
    let trigger = watcher(api, watcher::Config::default().any_semantic())
        .default_backoff()
        .modify(slim)
        .reflect(writer)
        .applied_objects()
        .predicate_filter(user_change, Default::default());
    Controller::for_stream(trigger, reader)
        .with_config(controller::Config::default().concurrency(MAX_CONCURRENT_RECONCILES))
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx.clone())
        .for_each(|res| {
            let ctx = ctx.clone();
            async move {
                ctx.probes.api_contact();
                if let Err(e) = res {
                    tracing::debug!(error = %e, "reconcile loop error");
                }
            }
        })
        .await;
    info!("controller stopped");
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(4), Duration::from_secs(40));
        assert_eq!(backoff(30), Duration::from_secs(300));
    }
}
