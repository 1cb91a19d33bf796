//! The drill step of a reconcile (docs/architecture.md, "One reconcile: the drill step"): advance
//! the running drill by one step, resume one left by another process (restoring first), or start
//! the one an annotation or a schedule asks for. A reconcile never waits for a drill to finish.

use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::{Api, Resource, ResourceExt};
use tokio::time::Instant;
use tracing::{info, warn};

use super::{
    context::{Context, DrillMemory},
    status_write,
};
use crate::{
    api::{DrillPhase, DrillRecord, RegionalFailover, RegionalFailoverStatus},
    drill::{
        actions::DrillEnv,
        evidence::{AbortCause, Evidence, HostFacts, ReadError},
        lock, machine,
        runner::{self, DrillHost},
        sense::Senses,
        trigger::{self, Request},
    },
    status::{self, EventReason, EventType, Transition},
};

/// Name of the ConfigMap in the operator's namespace whose existence stops every drill.
pub const STOP_SWITCH: &str = "regional-failover-stop-drills";
const STOP_SWITCH_EVERY: Duration = Duration::from_secs(1);

/// What the drill step leaves for the rest of the reconcile.
pub struct DrillStep {
    /// The status as last written (or as found, when the step wrote nothing).
    pub status: RegionalFailoverStatus,
    /// A drill is running: its next step is due in this long.
    pub next_in: Option<Duration>,
    pub events: Vec<Transition>,
    /// The resourceVersion of the step's last status write.
    pub version: Option<String>,
    /// The step wrote the status.
    pub wrote: bool,
}

/// The controller's [`DrillHost`]: every record goes into the status by server-side apply.
struct KubeHost<'a> {
    api: &'a Api<RegionalFailover>,
    name: String,
    status: RegionalFailoverStatus,
    version: Option<String>,
    wrote: bool,
}

impl DrillHost for KubeHost<'_> {
    async fn persist(&mut self, record: &DrillRecord) -> Result<(), String> {
        let mut next = self.status.clone();
        let drill = next.drill.get_or_insert_with(Default::default);
        if machine::is_terminal(record.phase) {
            trigger::archive(drill, record.clone());
        } else {
            drill.current = Some(record.clone());
        }
        if next == self.status {
            // Nothing new since the status this step started from: the write-ahead rule holds.
            return Ok(());
        }
        match status_write::apply(self.api, &self.name, &next).await {
            Ok(version) => self.version = version,
            // The object is gone (its finalizer removed by hand): nowhere to write, and the drill
            // must still be able to restore and end.
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(e.to_string()),
        }
        self.status = next;
        self.wrote = true;
        Ok(())
    }
}

/// Advances, resumes or starts a drill of `rf`, starting from `status` (the status as this process
/// last wrote it).
pub async fn step(
    rf: &RegionalFailover,
    ctx: &Context,
    api: &Api<RegionalFailover>,
    key: &str,
    status: RegionalFailoverStatus,
    spec_valid: bool,
) -> Result<DrillStep, kube::Error> {
    let env = DrillEnv { aws: &ctx.aws, spec: &rf.spec, failsafe: &ctx.settings.failsafe };
    let mut host = KubeHost { api, name: rf.name_any(), status, version: None, wrote: false };
    let mut events = Vec::new();
    let current = trigger::unfinished(host.status.drill.as_deref()).cloned();
    let (record, mut memory) = match current {
        Some(record) => {
            let ours = ctx.with_memory(key, |m| m.drill.take()).filter(|d| d.started == record.started_at);
            match ours {
                Some(memory) => (record, memory),
                None => {
                    // Left by a previous process or leader: restore before anything else.
                    info!(drill = %record.name, phase = ?record.phase, "resuming a drill left by another process");
                    let mut memory = DrillMemory { started: record.started_at, senses: Senses::default() };
                    let outcome = runner::resume(&env, &mut memory.senses, &mut host, &record).await;
                    events.extend(status::drill_events(Some(&record), &outcome.record));
                    (outcome.record, memory)
                }
            }
        }
        None => {
            let started = if spec_valid && rf.meta().deletion_timestamp.is_none() {
                start_requested(rf, ctx, &mut host, &mut events).await?
            } else {
                None
            };
            match started {
                Some(record) => {
                    let memory = DrillMemory { started: record.started_at, senses: Senses::default() };
                    (record, memory)
                }
                None => {
                    let (status, version, wrote) = (host.status, host.version, host.wrote);
                    return Ok(DrillStep { status, version, next_in: None, events, wrote });
                }
            }
        }
    };
    // Before anything changes the switch is read fresh; while a drill flies, once a second.
    let fresh = matches!(record.phase, DrillPhase::Pending | DrillPhase::Preflight | DrillPhase::Injecting);
    let mut facts = facts(rf, ctx, fresh).await;
    facts.unreachable = unreachable_sentence(&host.status.unreachable);
    let before = record.clone();
    let outcome = if machine::is_terminal(record.phase) {
        runner::StepOutcome { record, denied: None, persist_failed: None }
    } else {
        runner::advance(&env, &mut memory.senses, &mut host, &record, facts).await
    };
    events.extend(status::drill_events(Some(&before), &outcome.record));
    if let Some(e) = &outcome.persist_failed {
        warn!(error = %e, "drill step not persisted; retried at the next step");
    }
    let next_in = if machine::is_terminal(outcome.record.phase) {
        finished(rf, ctx, api, &outcome.record).await;
        None
    } else {
        ctx.with_memory(key, |m| m.drill = Some(memory));
        Some(runner::next_step_in(&outcome.record))
    };
    Ok(DrillStep { status: host.status, version: host.version, next_in, events, wrote: host.wrote })
}

/// Starts the drill an annotation or a schedule asks for; the bookkeeping (which annotation value
/// and which scheduled time were handled) is written with the drill's first record.
async fn start_requested(
    rf: &RegionalFailover,
    ctx: &Context,
    host: &mut KubeHost<'_>,
    events: &mut Vec<Transition>,
) -> Result<Option<DrillRecord>, kube::Error> {
    let now = Utc::now();
    let mut drill = host.status.drill.clone().unwrap_or_default();
    let annotation = rf.annotations().get(trigger::RUN_DRILL_ANNOTATION).map(String::as_str);
    let request = trigger::decide(&rf.spec, annotation, &mut drill, now, ctx.settings.cluster_region.as_deref());
    if host.status.drill.is_some() || drill != Default::default() {
        host.status.drill = Some(drill);
    }
    match request {
        None => Ok(None),
        Some(Request::UnknownDrill(value)) => {
            let note = format!(
                "The {} annotation asks for drill {value:?}, which spec.drills does not declare.",
                trigger::RUN_DRILL_ANNOTATION
            );
            events.push(Transition {
                type_: EventType::Warning,
                reason: EventReason::UnknownDrill,
                action: "Drill",
                note,
            });
            Ok(None)
        }
        Some(Request::OtherCluster { drill, runs_from }) => {
            let here = ctx.settings.cluster_region.as_deref().unwrap_or("?");
            let note = format!(
                "Drill {drill} runs from the cluster in {runs_from} (spec.drills[].runFrom); this operator runs in \
                 {here}, so it leaves the request to that cluster's operator."
            );
            events.push(Transition {
                type_: EventType::Normal,
                reason: EventReason::DrillRunsElsewhere,
                action: "Drill",
                note,
            });
            Ok(None)
        }
        Some(Request::Run { drill, trigger }) => {
            // Deleting the object must wait for the restore: the finalizer goes on before any change.
            status_write::set_finalizer(host.api, &host.name, true).await?;
            let holder = holder(rf, ctx, &drill.name, now);
            let record = machine::start(
                &drill.name,
                trigger,
                drill.timeout_seconds,
                rf.spec.objectives.rto_seconds,
                &holder,
                now,
            );
            events.extend(status::drill_events(None, &record));
            info!(drill = %record.name, trigger = ?record.trigger, "drill started");
            Ok(Some(record))
        }
    }
}

fn holder(rf: &RegionalFailover, ctx: &Context, drill: &str, at: DateTime<Utc>) -> String {
    lock::holder(&ctx.settings.identity, &rf.namespace().unwrap_or_default(), &rf.name_any(), drill, at)
}

/// Ends the bookkeeping of a finished drill: metrics and the finalizer.
async fn finished(rf: &RegionalFailover, ctx: &Context, api: &Api<RegionalFailover>, record: &DrillRecord) {
    ctx.metrics.record_drill(&super::publish::labels(rf), record);
    info!(drill = %record.name, phase = ?record.phase, reason = ?record.reason, rto = ?record.measured_rto_seconds, "drill finished");
    if let Err(e) = status_write::set_finalizer(api, &rf.name_any(), false).await {
        warn!(error = %e, "drill finalizer not removed; the next reconcile retries");
    }
}

/// Suspension, deletion, shutdown and the stop switch, as the machine sees them.
async fn facts(rf: &RegionalFailover, ctx: &Context, fresh: bool) -> HostFacts {
    let abort = if rf.meta().deletion_timestamp.is_some() {
        Some(AbortCause::Deleted)
    } else if ctx.is_stopping() {
        Some(AbortCause::OperatorStopping)
    } else {
        None
    };
    HostFacts {
        suspended: rf.spec.suspend,
        drills_stopped: stop_switch(ctx, fresh).await,
        failsafe_configured: ctx.settings.failsafe.role_arn.is_some(),
        abort,
        unreachable: None,
    }
}

/// The services the last verification could not reach, in one sentence (`None`: all answered).
fn unreachable_sentence(findings: &[crate::api::Finding]) -> Option<String> {
    (!findings.is_empty()).then(|| findings.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" "))
}

/// `Some(reason)` while drills are stopped cluster-wide: by the chart (`drills.enabled: false`) or by
/// the ConfigMap [`STOP_SWITCH`] in the operator's namespace. A switch that cannot be read counts as
/// on (fail closed).
async fn stop_switch(ctx: &Context, fresh: bool) -> Option<Evidence<String>> {
    if !ctx.settings.drills_enabled {
        return Some(Evidence::Read(
            "drills are disabled by the operator's configuration (drills.enabled=false)".into(),
        ));
    }
    let mut cached = ctx.stop_switch.lock().await;
    let recent = !fresh && cached.as_ref().is_some_and(|(at, _)| at.elapsed() < STOP_SWITCH_EVERY);
    if !recent {
        let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.settings.namespace);
        let read = match api.get_opt(STOP_SWITCH).await {
            Ok(Some(cm)) => {
                let why = cm.data.as_ref().and_then(|d| d.get("reason")).cloned().unwrap_or_default();
                let who = format!("the ConfigMap {}/{STOP_SWITCH} exists", ctx.settings.namespace);
                Evidence::Read(Some(if why.is_empty() { who } else { format!("{who} ({why})") }))
            }
            Ok(None) => Evidence::Read(None),
            Err(e) => Evidence::Unreadable(ReadError::Other(format!("cannot read the stop switch {STOP_SWITCH}: {e}"))),
        };
        *cached = Some((Instant::now(), read));
    }
    match cached.as_ref().map(|(_, e)| e) {
        Some(Evidence::Read(Some(why))) => Some(Evidence::Read(why.clone())),
        Some(Evidence::Read(None)) | None => None,
        Some(Evidence::Unreadable(e)) => Some(Evidence::Unreadable(e.clone())),
    }
}

/// Restores every drill this process drives before it stops leading or exits, and waits (at most
/// `limit` in all) for DNS to come back so the drill can end; one still waiting is finished by the
/// next operator, which resumes it from status.
pub async fn drain(ctx: &Context, limit: Duration) {
    let deadline = Instant::now() + limit;
    for key in ctx.drilling() {
        let Some((namespace, name)) = key.split_once('/') else { continue };
        let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), namespace);
        while Instant::now() < deadline {
            let rf = match api.get_opt(name).await {
                Ok(Some(rf)) => rf,
                Ok(None) => break,
                Err(e) => {
                    warn!(error = %e, key, "drain: cannot read the object; its drill is left to the fail-safe");
                    break;
                }
            };
            let base = ctx
                .with_memory(&key, |m| m.written.as_deref().cloned())
                .unwrap_or_else(|| rf.status.clone().unwrap_or_default());
            match step(&rf, ctx, &api, &key, base, true).await {
                Ok(done) => {
                    if done.wrote {
                        ctx.note_written(&key, &done.status, done.version.clone());
                    }
                    match done.next_in {
                        Some(next) => tokio::time::sleep(next).await,
                        None => break,
                    }
                }
                Err(e) => {
                    warn!(error = %e, key, "drain: drill step failed");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        ctx.with_memory(&key, |m| m.drill = None);
    }
}
