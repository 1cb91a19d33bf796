//! One reconcile, as a pipeline of named steps (docs/architecture.md, "One reconcile"):
//!
//! validate → drill (one step) → observe (when due) → assemble → apply status → publish
//!
//! Between verifications the DNS sensor (`sensor.rs`) looks at each object's answer outside the
//! slots and wakes a reconcile only when there is something to judge.
//!
//! `validate` and `assemble` are pure; `drill`, `observe` and `apply status` do the I/O; nothing
//! waits longer than one drill step plus its AWS calls. Before the first step a reconcile waits
//! for a slot, first come, first served (`slots.rs`); a running drill's steps go ahead.

pub mod context;
pub mod drills;
mod errors;
mod first_list;
pub mod publish;
mod run;
pub mod runbook;
mod sensor;
mod slots;
pub mod status_write;
mod watch;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use kube::{Api, Resource, ResourceExt, runtime::controller::Action};
use tokio::time::Instant;
use tracing::{debug, instrument, warn};

pub use context::{Context, Settings};
pub use errors::ReconcileError;
pub use run::{check_access, run};
pub use status_write::{DRILL_FINALIZER, FIELD_MANAGER};

use crate::{
    api::{RegionalFailover, RegionalFailoverStatus, validate},
    aws::freshness,
    observe,
    status::{self, Assembled, AwsRead, Observed},
};
use context::key_of;
use slots::Lane;

/// What a reconcile found due besides the drill step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Due {
    /// A full verification: every AWS read, the whole status.
    Verify,
    /// What the DNS sensor saw (free), to follow a failover within seconds.
    DnsWatch,
    Nothing,
}

#[instrument(skip(rf, ctx), fields(namespace = rf.namespace().unwrap_or_default(), name = rf.name_any()))]
pub(crate) async fn reconcile(rf: Arc<RegionalFailover>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let key = key_of(&rf);
    let lane = if drill_running(&rf, &ctx, &key) { Lane::Drill } else { Lane::Verification };
    let queued = std::time::Instant::now();
    let _slot = ctx.slots.take(lane).await;
    ctx.metrics.slot_wait.observe(queued.elapsed().as_secs_f64());
    // The copy kube-runtime handed over may be older than the wait for the slot.
    let rf = match ctx.newest(&rf) {
        None => rf,
        Some(Some(newest)) => newest,
        Some(None) => {
            // Gone from the watch while it waited (deleted, its finalizer removed by hand).
            ctx.forget(&key);
            ctx.metrics.forget(&publish::labels(&rf));
            return Ok(Action::await_change());
        }
    };
    if ctx.is_stopping() && lane == Lane::Verification {
        // A stopping operator verifies nothing more; drills still get their restoring step.
        return Ok(Action::await_change());
    }
    // Boxed: a reconcile waiting for a slot holds only this pointer, not the whole pipeline's
    // state, so a thousand waiting reconciles cost little memory.
    Box::pin(timed_pipeline(rf, ctx.clone())).await
}

/// A drill of the object is running (this process drives it, or status records one): its steps
/// go ahead of waiting verifications.
fn drill_running(rf: &RegionalFailover, ctx: &Context, key: &str) -> bool {
    let in_status = rf.status.as_ref().and_then(|s| s.drill.as_ref()).is_some_and(|d| d.current.is_some());
    in_status || ctx.with_known_memory(key, |m| m.drill.is_some()).unwrap_or(false)
}

async fn timed_pipeline(rf: Arc<RegionalFailover>, ctx: Arc<Context>) -> Result<Action, ReconcileError> {
    let timer = ctx.metrics.reconcile_timer();
    let result = pipeline(&rf, &ctx).await;
    timer.finish(match &result {
        Ok((_, Some(label))) => label,
        Ok((_, None)) => "ok",
        Err(e) => e.metric_label(),
    });
    result.map(|(action, _)| action)
}

/// The steps; returns the next wake-up and, when a verification could not read AWS, the error
/// kind for the metrics (the status already says what happened).
async fn pipeline(rf: &RegionalFailover, ctx: &Context) -> Result<(Action, Option<&'static str>), ReconcileError> {
    let key = key_of(rf);
    let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), &rf.namespace().unwrap_or_default());
    let written = written_status(rf, ctx, &key);

    let spec_error = validate_step(rf, ctx, &key);
    let drill = drills::step(rf, ctx, &api, &key, written, spec_error.is_none()).await?;
    if drill.wrote {
        ctx.note_written(&key, &drill.status, drill.version.clone());
    }
    publish::events(rf, ctx, &drill.events).await;
    if rf.meta().deletion_timestamp.is_some() {
        return finalize(rf, ctx, &key, drill.next_in).await;
    }

    let invalid = spec_error.is_some();
    let due = due(rf, ctx, &key, &drill.status, invalid);
    let (assembled, failed, sighting) = match due {
        Due::Verify => {
            let (a, failed) = verify_step(rf, ctx, &key, &drill.status, spec_error).await;
            (Some(a), failed, Some(Vec::new()))
        }
        Due::DnsWatch => {
            // Boxed: the nested DNS futures otherwise overflow the compiler's layout depth.
            let (a, servers) = Box::pin(watch::dns_watch_step(rf, ctx, &key, &drill.status)).await;
            (a, None, Some(servers))
        }
        Due::Nothing => (None, None, None),
    };
    // A flip seen by either step is judged, announced and (outside drills) recorded in one place.
    let assembled = match sighting {
        Some(servers) => watch::witness_step(rf, ctx, &key, &drill.status, assembled, &servers).await,
        None => assembled,
    };
    if let Some(a) = &assembled {
        apply_status_step(rf, ctx, &api, &key, &a.status).await?;
        publish::events(rf, ctx, &a.events).await;
    }
    let current = assembled.as_ref().map_or(&drill.status, |a| &a.status);
    publish::metrics(rf, ctx, current);
    if ctx.settings.runbooks && (assembled.is_some() || drill.wrote) {
        runbook::publish(rf, ctx, &key, current).await;
    }
    if invalid && drill.next_in.is_none() {
        // An invalid spec cannot get better by retrying: wait for the user to change it.
        return Ok((Action::await_change(), None));
    }
    Ok((Action::requeue(next_wakeup(rf, ctx, &key, drill.next_in)), failed))
}

/// The status as this process last wrote it, or the cached one. The copy in memory is kept only
/// until the watch cache shows that write (its resourceVersion, or the same status), so a large
/// fleet does not hold every status twice.
fn written_status(rf: &RegionalFailover, ctx: &Context, key: &str) -> RegionalFailoverStatus {
    ctx.settle_written(rf);
    ctx.with_memory(key, |m| match m.written.take() {
        Some(w) if rf.status.as_ref() != Some(&*w) => {
            m.written = Some(w.clone());
            *w
        }
        Some(w) => {
            m.written_version = None;
            *w
        }
        None => rf.status.clone().unwrap_or_default(),
    })
}

/// 1. The one spec validation, once per generation.
fn validate_step(rf: &RegionalFailover, ctx: &Context, key: &str) -> Option<String> {
    let generation = rf.meta().generation.unwrap_or_default();
    if let Some(verdict) = ctx.with_memory(key, |m| m.verdict.clone()).filter(|(g, _)| *g == generation) {
        return verdict.1;
    }
    let verdict = validate::spec_error(rf);
    ctx.with_memory(key, |m| m.verdict = Some((generation, verdict.clone())));
    verdict
}

/// What is due now: a verification when its interval passed or the spec changed, else the DNS
/// watch when the sensor woke this reconcile.
fn due(rf: &RegionalFailover, ctx: &Context, key: &str, status: &RegionalFailoverStatus, invalid: bool) -> Due {
    let (verify_at, woken) = ctx.with_memory(key, |m| (m.verify_at, m.woken.is_some()));
    let changed = status.observed_generation != rf.meta().generation;
    if changed || verify_at.is_none_or(|t| t <= Instant::now()) {
        return Due::Verify;
    }
    if !invalid && woken {
        return Due::DnsWatch;
    }
    Due::Nothing
}

/// 3–4. Observe AWS and DNS, and assemble the whole status (pure).
async fn verify_step(
    rf: &RegionalFailover,
    ctx: &Context,
    key: &str,
    status: &RegionalFailoverStatus,
    spec_error: Option<String>,
) -> (Assembled, Option<&'static str>) {
    let now = Utc::now();
    let reading = std::time::Instant::now();
    let observed = match spec_error {
        Some(e) => Observed { spec_error: Some(e), ..Observed::default() },
        None => {
            let vantage = observe::Vantage {
                region: ctx.settings.cluster_region.as_deref(),
                failsafe: Some(&ctx.settings.failsafe),
            };
            Box::pin(observe::observe_from(&rf.spec, status, &ctx.aws, now, &vantage)).await
        }
    };
    let waited_on_aws = reading.elapsed();
    let local = std::time::Instant::now();
    let mut assembled = status::assemble(&rf.spec, rf.meta().generation, status, &observed, now);
    assembled.status.observed_from.clone_from(&ctx.settings.cluster_region);
    ctx.metrics.reconcile_local_duration.observe(local.elapsed().as_secs_f64());
    debug!(aws_ms = waited_on_aws.as_secs_f64() * 1e3, "verified");
    let failed = match &observed.aws {
        AwsRead::Failed(e) => Some(e.kind.label()),
        _ => None,
    };
    let interval = freshness(&rf.spec);
    let next = ctx.with_memory(key, |m| {
        m.failures = if failed.is_some() { m.failures.saturating_add(1) } else { 0 };
        // AWS trouble is retried sooner than a full interval, but backs off: 5 s doubling to 5 min.
        let wait = if failed.is_some() { backoff(m.failures).min(interval) } else { interval };
        m.verify_at = Some(Instant::now() + wait);
        // The verification read DNS itself: whatever the sensor saw before is judged already.
        m.woken = None;
        m.dns_at = Some(Instant::now() + watch::interval(rf, ctx, &assembled.status));
        m.verify_at
    });
    debug!(next_verify_in = ?next.map(|t| t.saturating_duration_since(Instant::now())), "verification scheduled");
    (assembled, failed)
}

/// 5. One server-side apply of the whole status.
async fn apply_status_step(
    rf: &RegionalFailover,
    ctx: &Context,
    api: &Api<RegionalFailover>,
    key: &str,
    status: &RegionalFailoverStatus,
) -> Result<(), ReconcileError> {
    let writing = std::time::Instant::now();
    let version = status_write::apply(api, &rf.name_any(), status).await?;
    ctx.metrics.status_write_duration.observe(writing.elapsed().as_secs_f64());
    ctx.note_written(key, status, version);
    ctx.probes.api_contact();
    Ok(())
}

/// A deleted object leaves once no drill of it may have changed the health check.
async fn finalize(
    rf: &RegionalFailover,
    ctx: &Context,
    key: &str,
    drill_next: Option<Duration>,
) -> Result<(Action, Option<&'static str>), ReconcileError> {
    if let Some(next) = drill_next {
        return Ok((Action::requeue(next), None));
    }
    let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), &rf.namespace().unwrap_or_default());
    status_write::set_finalizer(&api, &rf.name_any(), false).await?;
    if ctx.settings.runbooks {
        runbook::remove(rf, ctx).await;
    }
    ctx.forget(key);
    ctx.metrics.forget(&publish::labels(rf));
    Ok((Action::await_change(), None))
}

/// The soonest of: the drill's next step, the next verification, a cron drill. The DNS watch
/// is not among them: the sensor wakes the reconcile when it sees something.
fn next_wakeup(rf: &RegionalFailover, ctx: &Context, key: &str, drill_next: Option<Duration>) -> Duration {
    let now = Instant::now();
    let verify_at = ctx.with_memory(key, |m| m.verify_at);
    let until = |t: Option<Instant>| t.map(|t| t.saturating_duration_since(now));
    let cron = crate::drill::trigger::next_fire_in(&rf.spec, Utc::now()).map(|d| d + Duration::from_millis(500));
    [drill_next, until(verify_at), cron].into_iter().flatten().min().unwrap_or(Duration::from_secs(60))
}

/// 5 s doubling to 5 min: transient AWS or API trouble is retried without hammering either.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(300))
}

/// A reconcile that failed (the Kubernetes API refused a write): retry with backoff.
pub(crate) fn error_policy(rf: Arc<RegionalFailover>, error: &ReconcileError, ctx: Arc<Context>) -> Action {
    let key = key_of(&rf);
    let n = ctx.with_memory(&key, |m| {
        m.failures = m.failures.saturating_add(1);
        m.failures
    });
    let delay = backoff(n);
    warn!(error = %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

#[cfg(test)]
mod tests;
