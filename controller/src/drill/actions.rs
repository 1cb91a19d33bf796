//! I/O: executes the machine's actions against AWS and reports what happened as plain data
//! (docs/architecture.md, "Drills: changing AWS safely").
//!
//! Every change to the health check is conditional on the `HealthCheckVersion` the drill read, and
//! touches `Inverted` only, so a person's concurrent change is detected and never overwritten.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::{
    evidence::{Answer, ReadError},
    lock::lock_name,
    machine::{Action, ActionResult},
    sense::Senses,
};
use crate::{
    api::{DrillRecord, OriginalHealthCheck, RegionalFailoverSpec},
    aws::{Aws, AwsError, ErrorKind, FailsafeSchedule},
    status::sentences,
};

/// Where the AWS-side fail-safe (and lock) schedules go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailsafeConfig {
    /// Role EventBridge Scheduler assumes to call `UpdateHealthCheck`; `None`: drills refuse.
    pub role_arn: Option<String>,
    pub group: String,
    /// Region of the schedule group; `None`: the object's primary region.
    pub region: Option<String>,
}

pub const DEFAULT_FAILSAFE_GROUP: &str = "regional-failover-drills";

/// What a drill acts on.
pub struct DrillEnv<'a> {
    pub aws: &'a Aws,
    pub spec: &'a RegionalFailoverSpec,
    pub failsafe: &'a FailsafeConfig,
}

impl DrillEnv<'_> {
    fn failsafe_region(&self) -> String {
        self.failsafe.region.clone().unwrap_or_else(|| self.spec.primary.region.clone())
    }
}

/// Executes one action.
pub async fn execute(env: &DrillEnv<'_>, senses: &mut Senses, record: &DrillRecord, action: &Action) -> ActionResult {
    let result = match action {
        Action::AcquireLock { at, original } => acquire(env, record, *at, original).await,
        Action::Invert { health_check_id, version } => invert(env, senses, health_check_id, *version).await,
        Action::Restore { original, injected_version } => restore(env, original, *injected_version).await,
        Action::ReleaseLock => release(env, record).await,
    };
    match &result {
        ActionResult::Done | ActionResult::Inverted { .. } | ActionResult::Restored { .. } => {
            info!(action = ?action, result = ?result, "drill action done");
        }
        _ => warn!(action = ?action, result = ?result, "drill action did not succeed"),
    }
    result
}

fn failed(e: &AwsError) -> ActionResult {
    ActionResult::Failed(ReadError::Aws(e.clone()))
}

fn failed_with(why: &str) -> ActionResult {
    ActionResult::Failed(ReadError::Other(why.into()))
}

async fn acquire(
    env: &DrillEnv<'_>,
    record: &DrillRecord,
    at: DateTime<Utc>,
    original: &OriginalHealthCheck,
) -> ActionResult {
    let Some(role) = &env.failsafe.role_arn else {
        return failed_with("no fail-safe role is configured");
    };
    let schedule = FailsafeSchedule {
        name: lock_name(&original.id),
        group: env.failsafe.group.clone(),
        description: record.holder.clone().unwrap_or_default(),
        at,
        role_arn: role.clone(),
        health_check_id: original.id.clone(),
        inverted: original.inverted,
    };
    let region = env.failsafe_region();
    match env.aws.create_failsafe_schedule(&region, &schedule).await {
        Ok(_) => ActionResult::Done,
        Err(e) if e.kind == ErrorKind::Conflict => {
            let holder = match env.aws.get_schedule(&region, &schedule.name, &schedule.group).await {
                Ok(Some(s)) => s.description,
                Ok(None) => Some("a drill that has just ended (try again)".into()),
                Err(e) => Some(format!("unknown ({})", sentences::aws_error(&e))),
            };
            ActionResult::Conflict { holder }
        }
        Err(e) => failed(&e),
    }
}

/// The last guard: DNS must still answer with the primary on every server the moment before the
/// request is sent (a real outage that started since preflight must never be inverted).
async fn invert(env: &DrillEnv<'_>, senses: &mut Senses, id: &str, version: Option<i64>) -> ActionResult {
    let dns = senses.dns(env.spec, env.aws).await;
    if !dns.all(Answer::Primary) {
        return ActionResult::NotSent(format!("DNS no longer answers with the primary everywhere ({})", dns.summary()));
    }
    invert_outcome(env.aws.update_health_check_inverted(id, true, version).await)
}

/// What the injecting request's result means. A version mismatch is someone else's change only
/// when it answered the first attempt: after a retry, the attempt the client gave up on (a
/// timeout, a 5xx) may itself have been applied and moved the version, so whether the check is
/// inverted is unknown and the drill must restore (read, and undo only its own change).
pub(super) fn invert_outcome(result: Result<Option<i64>, AwsError>) -> ActionResult {
    match result {
        Ok(version) => ActionResult::Inverted { version },
        Err(e) if e.kind == ErrorKind::Conflict && e.attempts <= 1 => {
            ActionResult::VersionMismatch(sentences::aws_error(&e))
        }
        Err(e) => failed(&e),
    }
}

/// The drill's Invert was conditional on the version preflight read: while the check still has
/// that version, an Invert of this drill that has not arrived yet (an attempt the client gave up
/// on, or the request of a process that died) would still be applied after the drill ended.
pub(super) fn needs_fence(original: &OriginalHealthCheck, seen: Option<i64>) -> bool {
    original.version.is_some() && seen == original.version
}

/// Puts `Inverted` back unless it already is, conditional on the version read just before, then
/// reads it back: a restore counts only when AWS says so.
async fn restore(env: &DrillEnv<'_>, original: &OriginalHealthCheck, injected: Option<i64>) -> ActionResult {
    let aws = env.aws;
    let now = match aws.get_health_check(&original.id).await {
        Ok(Some(hc)) => hc,
        Ok(None) => return ActionResult::Restored { note: Some("The health check no longer exists.".into()) },
        Err(e) => return failed(&e),
    };
    let foreign = match (injected.or(original.version.map(|v| v + 1)), now.version) {
        (Some(expected), Some(seen)) if seen != expected => Some(format!(
            "Someone else changed the health check during the drill (version {seen}, the drill's was {expected}); only \
             Inverted, the drill's own change, was restored."
        )),
        _ => None,
    };
    if now.inverted == original.inverted {
        // Fence: a conditional write of the same value moves the version on, so Route 53 rejects
        // any Invert of this drill that is still on its way.
        if needs_fence(original, now.version)
            && let Err(e) = aws.update_health_check_inverted(&original.id, original.inverted, now.version).await
        {
            return failed(&e);
        }
        let note = "The health check was not inverted any more (restored by its fail-safe or a person, or the \
                    injection never took effect); the drill did not change it.";
        return ActionResult::Restored { note: Some(foreign.map_or(note.to_string(), |f| format!("{note} {f}"))) };
    }
    match aws.update_health_check_inverted(&original.id, original.inverted, now.version).await {
        Ok(_) => {}
        Err(e) => return failed(&e),
    }
    match aws.get_health_check(&original.id).await {
        Ok(Some(hc)) if hc.inverted == original.inverted => ActionResult::Restored { note: foreign },
        Ok(Some(_)) => failed_with("read back after the restore, the health check is still inverted"),
        Ok(None) => ActionResult::Restored { note: Some("The health check no longer exists.".into()) },
        Err(e) => failed(&e),
    }
}

/// Deletes the lock only while it is still ours: a lock that expired and was taken by another
/// drill must not be released by this one.
async fn release(env: &DrillEnv<'_>, record: &DrillRecord) -> ActionResult {
    let Some(name) = &record.failsafe_schedule else { return ActionResult::Done };
    let region = env.failsafe_region();
    let group = &env.failsafe.group;
    match env.aws.get_schedule(&region, name, group).await {
        Ok(Some(s)) if s.description == record.holder => match env.aws.delete_schedule(&region, name, group).await {
            Ok(()) => ActionResult::Done,
            Err(e) => failed(&e),
        },
        Ok(_) => ActionResult::Done,
        Err(e) => failed(&e),
    }
}

#[cfg(test)]
mod tests;
