//! PURE drill state machine: (record, observation, now) → (next record, actions), plus what an
//! executed action's result means for the record (docs/architecture.md, "Drills").
//!
//! The caller persists the returned record BEFORE executing the returned actions (write-ahead), so
//! after a crash the status always says what may have been changed in AWS.

use chrono::{DateTime, Duration, Utc};

use super::{
    evidence::{AbortCause, Answer, Evidence, Observation, ReadError},
    failback,
    lock::lock_name,
    preflight,
    reasons::DrillReason,
};
use crate::api::{DrillPhase, DrillRecord, DrillTrigger, OriginalHealthCheck};

/// AWS side effects, executed by the runner after the record is persisted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Take the drill lock in AWS: a one-time schedule named after the health check that is also
    /// the fail-safe (it restores `Inverted` at `at` by itself, then deletes itself).
    AcquireLock { at: DateTime<Utc>, original: OriginalHealthCheck },
    /// Set `Inverted`, conditional on `version` (HealthCheckVersion).
    Invert { health_check_id: String, version: Option<i64> },
    /// Put `Inverted` back (only what the drill changed) and read it back.
    Restore { original: OriginalHealthCheck, injected_version: Option<i64> },
    /// Delete the lock/fail-safe schedule, if it is still ours.
    ReleaseLock,
}

/// What an executed action brought back.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionResult {
    Done,
    Inverted {
        version: Option<i64>,
    },
    /// Read back as restored; `note` says anything unusual (already restored, changed by others).
    Restored {
        note: Option<String>,
    },
    /// A last-moment guard kept the request from being sent.
    NotSent(String),
    /// The lock is held by someone else.
    Conflict {
        holder: Option<String>,
    },
    /// The conditional update was rejected: someone changed the check since it was read.
    VersionMismatch(String),
    Failed(ReadError),
}

/// Result of one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub record: DrillRecord,
    pub actions: Vec<Action>,
}

/// Grace after the deadline for DNS to answer with the primary again once the check is restored.
pub const FAILBACK_GRACE_SECONDS: i64 = 300;
/// A drill restores this long before its deadline, so that it is restored before the fail-safe fires.
pub const DEADLINE_MARGIN_SECONDS: i64 = 10;
pub use super::results::on_result;

/// After the first server fails over, how long to wait for every other server to agree.
pub const CONVERGENCE_WAIT_SECONDS: i64 = 30;
/// DNS may stay unreadable this long while injected before the drill aborts.
pub const DNS_BLIND_SECONDS: i64 = 2;

/// A new drill, in `Pending`.
pub fn start(
    name: &str,
    trigger: DrillTrigger,
    timeout_seconds: u32,
    objective_rto: u32,
    holder: &str,
    now: DateTime<Utc>,
) -> DrillRecord {
    DrillRecord {
        name: name.to_string(),
        trigger,
        phase: DrillPhase::Pending,
        reason: None,
        message: None,
        original: None,
        deadline: Some(now + Duration::seconds(i64::from(timeout_seconds))),
        failsafe_schedule: None,
        started_at: now,
        injected_at: None,
        first_checker_failed_at: None,
        first_unhealthy_at: None,
        dns_failed_over_at: None,
        restored_at: None,
        dns_failed_back_at: None,
        finished_at: None,
        measured_rto_seconds: None,
        failback_seconds: None,
        objective_rto_seconds: Some(objective_rto),
        passed: None,
        holder: Some(holder.to_string()),
        injected_version: None,
        restore_failures: None,
        servers: Vec::new(),
        all_servers_failed_over_at: None,
        all_servers_failed_back_at: None,
        post_failover_validation: None,
        preflight: Vec::new(),
        waterfall: Vec::new(),
    }
}

pub fn is_terminal(phase: DrillPhase) -> bool {
    matches!(phase, DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted)
}

/// Phases in which the health check may differ from `original` because of this drill.
#[cfg(test)]
pub fn may_be_injected(phase: DrillPhase) -> bool {
    matches!(phase, DrillPhase::AwaitingFailover | DrillPhase::Restoring)
}

/// Phases in which the drill may hold the AWS-side lock.
fn may_hold_lock(r: &DrillRecord) -> bool {
    r.failsafe_schedule.is_some()
}

pub(super) fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

pub(super) fn reason_of(r: &DrillRecord) -> Option<DrillReason> {
    r.reason.as_deref().and_then(DrillReason::parse)
}

/// Ends the drill; releases the lock if it may be held.
pub(super) fn finish(
    mut r: DrillRecord,
    phase: DrillPhase,
    reason: DrillReason,
    message: String,
    now: DateTime<Utc>,
) -> Step {
    r.phase = phase;
    r.reason = Some(reason.as_str().into());
    r.message = Some(message);
    r.finished_at = Some(now);
    let actions = if may_hold_lock(&r) { vec![Action::ReleaseLock] } else { Vec::new() };
    Step { record: r, actions }
}

/// Goes to `Restoring` remembering why (the first reason wins), keeping every timestamp.
pub(super) fn restore(mut r: DrillRecord, reason: Option<DrillReason>, message: Option<String>) -> Step {
    r.phase = DrillPhase::Restoring;
    if let Some(reason) = reason
        && r.reason.is_none()
    {
        r.reason = Some(reason.as_str().into());
        r.message = message;
    }
    Step { record: r, actions: Vec::new() }
}

pub(super) fn stay(r: DrillRecord) -> Step {
    Step { record: r, actions: Vec::new() }
}

/// What a process does with a drill it finds in status but did not start: restore first.
pub fn resume_after_restart(r: &DrillRecord, now: DateTime<Utc>) -> Step {
    let r = r.clone();
    match r.phase {
        DrillPhase::Pending | DrillPhase::Preflight | DrillPhase::Injecting => finish(
            r,
            DrillPhase::Aborted,
            DrillReason::OperatorRestarted,
            "The operator restarted before the drill changed the health check; nothing to restore.".into(),
            now,
        ),
        DrillPhase::AwaitingFailover | DrillPhase::Restoring | DrillPhase::AwaitingFailback => restore(
            r,
            Some(DrillReason::OperatorRestarted),
            Some("The operator restarted during the drill; the health check is restored from status.".into()),
        ),
        DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted => stay(r),
    }
}

/// One transition.
pub fn step(r: &DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    let r = r.clone();
    if is_terminal(r.phase) {
        return stay(r);
    }
    match r.phase {
        DrillPhase::Pending => {
            if let Some(cause) = obs.host.abort {
                return finish(
                    r,
                    DrillPhase::Aborted,
                    abort_reason(cause),
                    "The drill was stopped before it began.".into(),
                    now,
                );
            }
            let mut r = r;
            r.phase = DrillPhase::Preflight;
            stay(r)
        }
        DrillPhase::Preflight => preflight_step(r, obs, now),
        DrillPhase::Injecting => injecting_step(r, obs, now),
        DrillPhase::AwaitingFailover => super::in_flight::awaiting_failover(r, obs, now),
        DrillPhase::Restoring => restoring(r, now),
        DrillPhase::AwaitingFailback => failback::awaiting_failback(r, obs, now),
        DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted => stay(r),
    }
}

pub(super) fn abort_reason(cause: AbortCause) -> DrillReason {
    match cause {
        AbortCause::Deleted => DrillReason::ObjectDeleted,
        AbortCause::Interrupted => DrillReason::Interrupted,
        AbortCause::OperatorStopping => DrillReason::OperatorStopping,
    }
}

fn preflight_step(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    if let Some(cause) = obs.host.abort {
        return finish(
            r,
            DrillPhase::Aborted,
            abort_reason(cause),
            "The drill was stopped before it changed anything.".into(),
            now,
        );
    }
    let judged = preflight::judged(obs);
    r.preflight = judged.checks;
    let check = match judged.verdict {
        Ok(check) => check,
        Err((reason, message)) => return finish(r, DrillPhase::Failed, reason, message, now),
    };
    let original = OriginalHealthCheck {
        id: check.id,
        inverted: check.inverted,
        disabled: check.disabled,
        version: check.version,
    };
    r.phase = DrillPhase::Injecting;
    r.failsafe_schedule = Some(lock_name(&original.id));
    r.original = Some(original.clone());
    let at = r.deadline.unwrap_or(now);
    Step { record: r, actions: vec![Action::AcquireLock { at, original }] }
}

/// Checked again right before the injection: the world may have changed since preflight.
fn injecting_step(r: DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    if let Some((reason, message)) = host_stop(obs) {
        return finish(r, DrillPhase::Aborted, reason, format!("{message} Nothing was changed."), now);
    }
    let Some(original) = r.original.clone() else {
        return finish(
            r,
            DrillPhase::Failed,
            DrillReason::HealthCheckMissing,
            "The health check settings were not captured; nothing was changed.".into(),
            now,
        );
    };
    match obs.dns.as_ref() {
        Some(dns) if dns.all(Answer::Primary) => {}
        Some(dns) => {
            let msg = format!(
                "Right before the injection DNS no longer answered with the primary on every server ({}); nothing was changed.",
                dns.summary()
            );
            return finish(r, DrillPhase::Aborted, DrillReason::PrimaryUnhealthy, msg, now);
        }
        None => {
            return finish(
                r,
                DrillPhase::Aborted,
                DrillReason::DnsUnreadable,
                "DNS was not read right before the injection; nothing was changed.".into(),
                now,
            );
        }
    }
    match &obs.health_check {
        Some(Evidence::Read(Some(c))) if !c.inverted && !c.disabled && c.version == original.version => {}
        Some(Evidence::Read(_)) => {
            let msg = "The health check changed between preflight and injection (someone else is changing it); nothing was changed.";
            return finish(r, DrillPhase::Aborted, DrillReason::HealthCheckChangedByOthers, msg.into(), now);
        }
        Some(Evidence::Unreadable(e)) => {
            let msg =
                format!("The health check could not be read right before the injection ({e}); nothing was changed.");
            return finish(r, DrillPhase::Aborted, DrillReason::PreflightUnreadable, msg, now);
        }
        None => {
            let msg = "The health check was not read right before the injection; nothing was changed.";
            return finish(r, DrillPhase::Aborted, DrillReason::PreflightUnreadable, msg.into(), now);
        }
    }
    let mut r = r;
    r.phase = DrillPhase::AwaitingFailover;
    r.injected_at = Some(now);
    Step { record: r, actions: vec![Action::Invert { health_check_id: original.id, version: original.version }] }
}

/// Suspension, the stop switch and the caller's aborts, as a reason and message.
pub(super) fn host_stop(obs: &Observation) -> Option<(DrillReason, String)> {
    if let Some(cause) = obs.host.abort {
        return Some((abort_reason(cause), format!("The drill was stopped ({}).", abort_reason(cause))));
    }
    if obs.host.suspended {
        return Some((DrillReason::Suspended, "The RegionalFailover was suspended.".into()));
    }
    match &obs.host.drills_stopped {
        Some(Evidence::Read(why)) => {
            Some((DrillReason::DrillsStopped, format!("Drills were stopped cluster-wide: {why}.")))
        }
        Some(Evidence::Unreadable(e)) => {
            Some((DrillReason::DrillsStopped, format!("The drill stop switch could not be read ({e}).")))
        }
        None => None,
    }
}

fn restoring(mut r: DrillRecord, now: DateTime<Utc>) -> Step {
    let Some(original) = r.original.clone() else {
        return stay(r);
    };
    r.phase = DrillPhase::AwaitingFailback;
    // Each attempt: failback is measured from the restore that worked.
    r.restored_at = Some(now);
    let injected_version = r.injected_version;
    Step { record: r, actions: vec![Action::Restore { original, injected_version }] }
}

#[cfg(test)]
mod tests;
