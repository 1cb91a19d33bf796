//! PURE: the Kubernetes events one drill step deserves, from the record before and after it.

use super::{
    events::{EventType, Transition, truncate},
    reasons::EventReason,
};
use crate::api::{DrillPhase, DrillRecord};

fn event(type_: EventType, reason: EventReason, note: String) -> Transition {
    Transition { type_, reason, action: "Drill", note: truncate(&note) }
}

/// Started, aborted (the moment the drill decides to restore early), a restore that did not
/// verify, and the end.
pub fn drill_events(before: Option<&DrillRecord>, after: &DrillRecord) -> Vec<Transition> {
    let mut out = Vec::new();
    let name = &after.name;
    if before.is_none() {
        let by = after.holder.as_deref().map(|h| format!(" by {h}")).unwrap_or_default();
        out.push(event(
            EventType::Normal,
            EventReason::DrillStarted,
            format!("Drill {name} started ({:?}){by}.", after.trigger),
        ));
    }
    let was = |f: fn(&DrillRecord) -> bool| before.is_some_and(f);
    let terminal =
        |r: &DrillRecord| matches!(r.phase, DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted);
    let message = after.message.clone().unwrap_or_default();
    let reason = after.reason.clone().unwrap_or_default();
    let aborting = |r: &DrillRecord| r.reason.is_some() && r.phase == DrillPhase::Restoring;
    if aborting(after) && !was(aborting) && !was(|r| r.phase == DrillPhase::AwaitingFailback) {
        out.push(event(
            EventType::Warning,
            EventReason::DrillAborted,
            format!("Drill {name} is aborting ({reason}): {message}"),
        ));
    }
    let failures = |r: &DrillRecord| r.restore_failures.unwrap_or(0);
    if failures(after) > before.map_or(0, failures) {
        out.push(event(
            EventType::Warning,
            EventReason::DrillRestoreFailed,
            format!(
                "Drill {name}: restoring the health check did not verify (attempt {}): {message} It is retried with \
                 backoff; the AWS-side fail-safe restores it at the drill's deadline.",
                failures(after)
            ),
        ));
    }
    if terminal(after) && !was(terminal) {
        let rto = after.measured_rto_seconds.map(|s| format!(" Measured RTO {s:.1}s.")).unwrap_or_default();
        out.push(match (after.phase, after.passed) {
            (DrillPhase::Succeeded, Some(true)) => {
                event(EventType::Normal, EventReason::DrillSucceeded, format!("Drill {name}: {message}"))
            }
            (DrillPhase::Succeeded, _) | (DrillPhase::Failed, _) => event(
                EventType::Warning,
                EventReason::DrillFailed,
                format!("Drill {name} {:?} ({reason}): {message}{rto}", after.phase),
            ),
            _ => event(
                EventType::Warning,
                EventReason::DrillAborted,
                format!("Drill {name} aborted ({reason}): {message}"),
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests;
