//! PURE: what an executed action's result means for the drill record.

use chrono::{DateTime, Utc};

use super::{
    machine::{Action, ActionResult, Step, finish, restore, stay},
    reasons::DrillReason,
};
use crate::api::{DrillPhase, DrillRecord};

/// What an executed action's result means. Nothing here injects: every failure leads to a
/// restore or to an end where nothing was changed.
pub fn on_result(mut r: DrillRecord, action: &Action, result: ActionResult, now: DateTime<Utc>) -> Step {
    match (action, result) {
        (Action::AcquireLock { .. }, ActionResult::Done) => stay(r),
        (Action::AcquireLock { .. }, ActionResult::Conflict { holder }) => {
            r.failsafe_schedule = None;
            let who = holder.unwrap_or_else(|| "an unknown holder".into());
            let msg =
                format!("Another drill of this health check holds the AWS-side lock: {who}. Nothing was changed.");
            finish(r, DrillPhase::Failed, DrillReason::DrillAlreadyRunning, msg, now)
        }
        (Action::AcquireLock { .. }, other) => {
            r.failsafe_schedule = None;
            let msg = format!(
                "The AWS-side lock and fail-safe could not be created ({}), so nothing was changed.",
                describe(&other)
            );
            finish(r, DrillPhase::Failed, DrillReason::FailsafeNotCreated, msg, now)
        }
        (Action::Invert { .. }, ActionResult::Inverted { version }) => {
            r.injected_version = version;
            stay(r)
        }
        (Action::Invert { .. }, ActionResult::NotSent(why)) => {
            let msg = format!("The injection was not sent: {why}. Nothing was changed.");
            r.injected_at = None;
            finish(r, DrillPhase::Aborted, DrillReason::PrimaryUnhealthy, msg, now)
        }
        (Action::Invert { .. }, ActionResult::VersionMismatch(e)) => {
            let msg = format!(
                "Route 53 refused the injection because someone else changed the health check ({e}); nothing was changed."
            );
            r.injected_at = None;
            finish(r, DrillPhase::Aborted, DrillReason::HealthCheckChangedByOthers, msg, now)
        }
        (Action::Invert { .. }, other) => {
            // It may or may not have been applied: restore to be sure.
            let msg = format!("The health check could not be inverted ({}).", describe(&other));
            restore(r, Some(DrillReason::InjectFailed), Some(msg))
        }
        (Action::Restore { .. }, ActionResult::Restored { note }) => {
            if let Some(note) = note {
                r.message = Some(match r.message.take() {
                    Some(m) => format!("{m} {note}"),
                    None => note,
                });
            }
            stay(r)
        }
        (Action::Restore { .. }, other) => {
            // Not verified: retry (the runner backs off and warns).
            r.phase = DrillPhase::Restoring;
            r.restore_failures = Some(r.restore_failures.unwrap_or(0) + 1);
            r.message = Some(format!("The restore did not verify ({}); retrying.", describe(&other)));
            stay(r)
        }
        (Action::ReleaseLock, ActionResult::Done) => stay(r),
        (Action::ReleaseLock, other) => {
            let note = format!(
                " The AWS-side lock could not be released ({}); it expires when its fail-safe fires at the deadline.",
                describe(&other)
            );
            r.message = Some(r.message.unwrap_or_default() + &note);
            stay(r)
        }
    }
}

fn describe(result: &ActionResult) -> String {
    match result {
        ActionResult::Done | ActionResult::Inverted { .. } | ActionResult::Restored { .. } => "done".into(),
        ActionResult::NotSent(e) | ActionResult::VersionMismatch(e) => e.clone(),
        ActionResult::Failed(e) => e.to_string(),
        ActionResult::Conflict { holder } => format!("held by {}", holder.as_deref().unwrap_or("someone else")),
    }
}
