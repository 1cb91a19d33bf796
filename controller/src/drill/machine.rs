//! PURE drill state machine (design §5): (record, observation, now) → (next record, actions).
//!
//! The runner persists the returned record to status BEFORE executing the returned actions
//! (write-ahead), so after a crash the status always says what may have been changed in AWS.

use chrono::{DateTime, Utc};

use crate::api::{DrillPhase, DrillRecord, DrillTrigger, OriginalHealthCheck};

/// Which region the authoritative servers answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsAnswer {
    Primary,
    Secondary,
    /// No answer, an error, or a target that is neither endpoint.
    Unknown,
}

/// Everything the preflight checks look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preflight {
    pub primary_healthy: bool,
    pub secondary_answers: bool,
    /// Regions whose replica is not ACTIVE.
    pub replicas_not_active: Vec<String>,
    pub drift_codes: Vec<String>,
    pub other_drill_running: bool,
    pub suspended: bool,
}

/// One look at the world, taken by the runner about once a second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The health check as it is now (`None` when it could not be read).
    pub health_check: Option<OriginalHealthCheck>,
    /// Route 53 reports the primary unhealthy.
    pub primary_unhealthy: bool,
    pub dns: DnsAnswer,
    /// Filled only while the record is in `Preflight`.
    pub preflight: Option<Preflight>,
    /// The object is being deleted or was suspended: restore and stop.
    pub abort: Option<AbortCause>,
}

/// Why a drill is stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortCause {
    Suspended,
    Deleted,
    OperatorRestarted,
    /// The `drill` command was interrupted (Ctrl-C, SIGTERM).
    Interrupted,
    /// The operator is shutting down or lost its lease: restore now rather than at the next start.
    OperatorStopping,
}

impl AbortCause {
    fn reason(self) -> &'static str {
        match self {
            AbortCause::Suspended => "Suspended",
            AbortCause::Deleted => "ObjectDeleted",
            AbortCause::OperatorRestarted => "OperatorRestarted",
            AbortCause::Interrupted => "Interrupted",
            AbortCause::OperatorStopping => "OperatorStopping",
        }
    }
}

/// AWS side effects, executed by the runner after the record is persisted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create the AWS-side one-time schedule that restores `original` at `at` by itself.
    CreateFailsafe {
        at: DateTime<Utc>,
        original: OriginalHealthCheck,
    },
    /// Set `Inverted` so the healthy primary reports unhealthy.
    Invert {
        health_check_id: String,
    },
    /// Put `Inverted`/`Disabled` back as they were.
    Restore {
        original: OriginalHealthCheck,
    },
    DeleteFailsafe,
}

/// Result of one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub record: DrillRecord,
    pub actions: Vec<Action>,
}

/// Grace after the deadline for DNS to return once the health check is restored.
pub const FAILBACK_GRACE_SECONDS: i64 = 300;

/// A new drill, in `Pending`.
pub fn start(
    name: &str,
    trigger: DrillTrigger,
    timeout_seconds: u32,
    objective_rto: u32,
    now: DateTime<Utc>,
) -> DrillRecord {
    DrillRecord {
        name: name.to_string(),
        trigger,
        phase: DrillPhase::Pending,
        reason: None,
        message: None,
        original: None,
        deadline: Some(now + chrono::Duration::seconds(i64::from(timeout_seconds))),
        failsafe_schedule: None,
        started_at: now,
        injected_at: None,
        first_unhealthy_at: None,
        dns_failed_over_at: None,
        restored_at: None,
        dns_failed_back_at: None,
        finished_at: None,
        measured_rto_seconds: None,
        failback_seconds: None,
        objective_rto_seconds: Some(objective_rto),
        passed: None,
    }
}

pub fn is_terminal(phase: DrillPhase) -> bool {
    matches!(phase, DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted)
}

/// Phases in which the health check may differ from `original`.
fn may_be_injected(phase: DrillPhase) -> bool {
    matches!(phase, DrillPhase::Injecting | DrillPhase::AwaitingFailover | DrillPhase::Restoring)
}

fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

fn finish(mut r: DrillRecord, phase: DrillPhase, reason: Option<&str>, message: String, now: DateTime<Utc>) -> Step {
    r.phase = phase;
    if reason.is_some() {
        r.reason = reason.map(str::to_string);
    }
    r.message = Some(message);
    r.finished_at = Some(now);
    let actions = if r.failsafe_schedule.is_some() { vec![Action::DeleteFailsafe] } else { Vec::new() };
    Step { record: r, actions }
}

/// Moves to `Restoring` (from any injected phase) remembering why, without losing timestamps.
fn to_restoring(mut r: DrillRecord, reason: Option<&str>, message: Option<String>) -> Step {
    r.phase = DrillPhase::Restoring;
    if let Some(reason) = reason {
        r.reason = Some(reason.into());
    }
    if message.is_some() {
        r.message = message;
    }
    Step { record: r, actions: Vec::new() }
}

/// What a restarted operator does with a drill it finds in status: restore before anything else.
pub fn resume_after_restart(r: &DrillRecord, now: DateTime<Utc>) -> Step {
    let mut resumed = r.clone();
    if is_terminal(r.phase) {
        return Step { record: resumed, actions: Vec::new() };
    }
    if may_be_injected(r.phase) || r.phase == DrillPhase::AwaitingFailback {
        let msg = "The operator restarted during the drill; the health check was restored from status.".to_string();
        if r.phase == DrillPhase::AwaitingFailback {
            // Already restored once; restoring again is harmless and covers a lost write.
            resumed.phase = DrillPhase::Restoring;
        }
        return to_restoring(resumed, Some(AbortCause::OperatorRestarted.reason()), Some(msg));
    }
    finish(
        resumed,
        DrillPhase::Aborted,
        Some(AbortCause::OperatorRestarted.reason()),
        "The operator restarted before the drill changed anything; nothing to restore.".into(),
        now,
    )
}

/// One transition.
pub fn step(r: &DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    let mut r = r.clone();
    if is_terminal(r.phase) {
        return Step { record: r, actions: Vec::new() };
    }
    if obs.primary_unhealthy && r.injected_at.is_some() && r.first_unhealthy_at.is_none() {
        r.first_unhealthy_at = Some(now);
    }
    let deadline = r.deadline.unwrap_or(r.started_at);
    if let Some(cause) = obs.abort {
        return match r.phase {
            DrillPhase::Pending | DrillPhase::Preflight => finish(
                r,
                DrillPhase::Aborted,
                Some(cause.reason()),
                "The drill was stopped before it changed anything.".into(),
                now,
            ),
            DrillPhase::Injecting | DrillPhase::AwaitingFailover => to_restoring(
                r,
                Some(cause.reason()),
                Some(format!("The drill was stopped ({}); restoring the health check.", cause.reason())),
            ),
            _ => {
                if r.reason.is_none() {
                    r.reason = Some(cause.reason().into());
                }
                advance(r, obs, now, deadline)
            }
        };
    }
    advance(r, obs, now, deadline)
}

fn advance(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>, deadline: DateTime<Utc>) -> Step {
    match r.phase {
        DrillPhase::Pending => {
            r.phase = DrillPhase::Preflight;
            Step { record: r, actions: Vec::new() }
        }
        DrillPhase::Preflight => preflight(r, obs, now),
        DrillPhase::Injecting => {
            let Some(original) = r.original.clone() else {
                return finish(
                    r,
                    DrillPhase::Failed,
                    Some("NoOriginalSettings"),
                    "The health check settings were not captured; nothing was changed.".into(),
                    now,
                );
            };
            r.phase = DrillPhase::AwaitingFailover;
            r.injected_at = Some(now);
            Step { record: r, actions: vec![Action::Invert { health_check_id: original.id }] }
        }
        DrillPhase::AwaitingFailover => {
            if obs.dns == DnsAnswer::Secondary {
                r.dns_failed_over_at = Some(now);
                r.measured_rto_seconds = r.injected_at.map(|t| seconds_between(t, now));
                to_restoring(r, None, None)
            } else if now >= deadline {
                let msg = "DNS did not answer with the secondary before the drill's timeout; restoring.".to_string();
                to_restoring(r, Some("FailoverTimeout"), Some(msg))
            } else {
                Step { record: r, actions: Vec::new() }
            }
        }
        DrillPhase::Restoring => {
            let Some(original) = r.original.clone() else {
                return finish(r, DrillPhase::Failed, Some("NoOriginalSettings"), "Nothing to restore.".into(), now);
            };
            r.phase = DrillPhase::AwaitingFailback;
            r.restored_at = Some(now);
            Step { record: r, actions: vec![Action::Restore { original }] }
        }
        DrillPhase::AwaitingFailback => awaiting_failback(r, obs, now, deadline),
        DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted => Step { record: r, actions: Vec::new() },
    }
}

fn preflight(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    let Some(p) = obs.preflight.as_ref() else {
        return Step { record: r, actions: Vec::new() };
    };
    let refusal = if p.suspended {
        Some(("Suspended", "The RegionalFailover is suspended; drills do not run.".to_string()))
    } else if p.other_drill_running {
        Some(("DrillAlreadyRunning", "Another drill is running for this failover pair.".to_string()))
    } else if !p.primary_healthy {
        Some((
            "PrimaryUnhealthy",
            "The primary is already unhealthy: this looks like a real incident, not a time for a drill.".to_string(),
        ))
    } else if !p.secondary_answers {
        Some((
            "SecondaryNotAnswering",
            "The secondary endpoint does not answer its health path: failing over would cause an outage.".to_string(),
        ))
    } else if !p.replicas_not_active.is_empty() {
        Some((
            "ReplicaNotActive",
            format!(
                "Replica(s) not ACTIVE in {}: the standby could serve stale or no data.",
                p.replicas_not_active.join(", ")
            ),
        ))
    } else if !p.drift_codes.is_empty() {
        Some((
            "DriftDetected",
            format!("Live AWS differs from the spec ({}): fix drift before drilling.", p.drift_codes.join(", ")),
        ))
    } else {
        None
    };
    if let Some((reason, message)) = refusal {
        return finish(r, DrillPhase::Failed, Some(reason), message, now);
    }
    let Some(original) = obs.health_check.clone() else {
        return finish(
            r,
            DrillPhase::Failed,
            Some("HealthCheckUnreadable"),
            "The health check could not be read; nothing was changed.".into(),
            now,
        );
    };
    if original.inverted || original.disabled {
        return finish(
            r,
            DrillPhase::Failed,
            Some("HealthCheckNotNormal"),
            "The health check is already inverted or disabled; refusing to drill.".into(),
            now,
        );
    }
    r.phase = DrillPhase::Injecting;
    r.original = Some(original.clone());
    let at = r.deadline.unwrap_or(now);
    Step { record: r, actions: vec![Action::CreateFailsafe { at, original }] }
}

fn awaiting_failback(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>, deadline: DateTime<Utc>) -> Step {
    if obs.dns == DnsAnswer::Primary {
        r.dns_failed_back_at = Some(now);
        r.failback_seconds = r.restored_at.map(|t| seconds_between(t, now));
        let abort_reason = r.reason.clone();
        return match abort_reason.as_deref() {
            Some("FailoverTimeout") => {
                finish(r, DrillPhase::Failed, None, "DNS never failed over within the timeout; the health check is restored and DNS answers with the primary again.".into(), now)
            }
            Some(reason) => {
                let msg = format!("Drill aborted ({reason}); the health check is restored and DNS answers with the primary again.");
                finish(r, DrillPhase::Aborted, None, msg, now)
            }
            None => {
                let objective = f64::from(r.objective_rto_seconds.unwrap_or(u32::MAX));
                let rto = r.measured_rto_seconds.unwrap_or(f64::INFINITY);
                let passed = rto <= objective;
                r.passed = Some(passed);
                if passed {
                    let msg = format!("DNS failed over in {rto:.1}s (objective {objective}s) and back in {:.1}s.", r.failback_seconds.unwrap_or_default());
                    finish(r, DrillPhase::Succeeded, Some("WithinObjective"), msg, now)
                } else {
                    let msg = format!("DNS failed over in {rto:.1}s, above the {objective}s objective.");
                    finish(r, DrillPhase::Failed, Some("RtoAboveObjective"), msg, now)
                }
            }
        };
    }
    if now >= deadline + chrono::Duration::seconds(FAILBACK_GRACE_SECONDS) {
        let msg =
            "The health check is restored but DNS still does not answer with the primary; check the primary endpoint."
                .into();
        return finish(r, DrillPhase::Failed, Some("FailbackTimeout"), msg, now);
    }
    Step { record: r, actions: Vec::new() }
}
