//! Drives one drill to its end: observe → [`machine::step`] → persist the record (write-ahead)
//! → execute the step's AWS actions, about once a second. Shared by the controller (which
//! persists to status) and the `drill` command (which keeps the record in memory).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::{
    machine::{self, Action, Step},
    sense::{HostFacts, Senses},
    trigger,
};
use crate::{
    api::{DrillPhase, DrillRecord, OriginalHealthCheck, RegionalFailoverSpec},
    aws::{Aws, FailsafeSchedule},
};

/// Two steps a second; the AWS reads inside a step are rate-limited on their own.
const TICK: Duration = Duration::from_millis(500);
/// While waiting for DNS to change, four: the authoritative servers cost no API call, and this
/// tick bounds how late a change is noticed (the measured RTO's error).
const DNS_TICK: Duration = Duration::from_millis(250);

/// Where the AWS-side fail-safe schedule goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailsafeConfig {
    /// Role EventBridge Scheduler assumes to call `UpdateHealthCheck`; `None`: no fail-safe.
    pub role_arn: Option<String>,
    pub group: String,
    /// Region of the schedule group; `None`: the object's primary region.
    pub region: Option<String>,
}

pub const DEFAULT_FAILSAFE_GROUP: &str = "regional-failover-drills";

/// Who the drill runs for.
pub struct DrillEnv<'a> {
    pub aws: &'a Aws,
    pub spec: &'a RegionalFailoverSpec,
    pub failsafe: &'a FailsafeConfig,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl DrillEnv<'_> {
    fn failsafe_region(&self) -> String {
        self.failsafe.region.clone().unwrap_or_else(|| self.spec.primary.region.clone())
    }
}

/// What the runner needs from its caller: a durable place for the record and the outside facts.
pub trait DrillHost {
    /// Stores the record; the runner executes a step's actions only after this succeeded.
    fn persist(&mut self, record: &DrillRecord) -> impl std::future::Future<Output = Result<(), String>> + Send;
    /// Suspension, deletion, other drills: looked at before each step in `phase`.
    fn facts(&mut self, phase: DrillPhase) -> impl std::future::Future<Output = HostFacts> + Send;
}

/// Runs `record` until it is terminal and returns the final record (already persisted, unless
/// persisting kept failing).
pub async fn drive(env: &DrillEnv<'_>, host: &mut impl DrillHost, mut record: DrillRecord) -> DrillRecord {
    let mut senses = Senses::default();
    let mut first = true;
    while !machine::is_terminal(record.phase) {
        if !first {
            let awaiting_dns = matches!(record.phase, DrillPhase::AwaitingFailover | DrillPhase::AwaitingFailback);
            tokio::time::sleep(if awaiting_dns { DNS_TICK } else { TICK }).await;
        }
        first = false;
        let facts = host.facts(record.phase).await;
        let needs_world = record.phase != DrillPhase::Pending;
        let obs = if needs_world {
            // Boxed: the AWS SDK futures are large, and a reconcile runs on a worker thread's stack.
            Box::pin(senses.observe(env.spec, env.aws, record.phase, facts, Utc::now())).await
        } else {
            empty_observation(facts)
        };
        let at = if needs_world { senses.answered_at.unwrap_or_else(Utc::now) } else { Utc::now() };
        let step = machine::step(&record, &obs, at);
        record = Box::pin(apply(env, host, &record, step)).await;
    }
    record
}

/// Restores first after a restart: the record found in status may say the health check is
/// inverted. Then the drill is driven to its end (waiting for DNS to return).
pub async fn resume(env: &DrillEnv<'_>, host: &mut impl DrillHost, found: &DrillRecord) -> DrillRecord {
    let step = machine::resume_after_restart(found, Utc::now());
    info!(drill = %found.name, phase = ?found.phase, "resuming a drill left by a previous process");
    let record = apply(env, host, found, step).await;
    drive(env, host, record).await
}

/// Persists the step's record, then executes its actions; returns the record to continue from.
async fn apply(env: &DrillEnv<'_>, host: &mut impl DrillHost, before: &DrillRecord, mut step: Step) -> DrillRecord {
    let creates_failsafe = step.actions.iter().any(|a| matches!(a, Action::CreateFailsafe { .. }));
    if creates_failsafe {
        match &env.failsafe.role_arn {
            Some(_) => {
                let name = trigger::failsafe_schedule_name(env.namespace, env.name, &step.record.name, Utc::now());
                step.record.failsafe_schedule = Some(name);
            }
            None => {
                step.record.message = Some(
                    "No AWS-side fail-safe: no fail-safe role is configured; only this process restores the health check."
                        .into(),
                );
            }
        }
    }
    if machine::is_terminal(step.record.phase)
        && !machine::is_terminal(before.phase)
        && step.record.injected_at.is_some()
        && step.record.failsafe_schedule.is_none()
    {
        let note = " No AWS-side fail-safe was armed: no fail-safe role is configured.";
        step.record.message = Some(step.record.message.take().unwrap_or_default() + note);
    }
    if step.actions.is_empty() && step.record == *before {
        // Nothing new to write ahead of.
        return step.record;
    }
    if let Err(e) = host.persist(&step.record).await {
        warn!(error = %e, phase = ?step.record.phase, "drill record not persisted; its AWS changes wait");
        // Restoring is safe without a record; injecting is not.
        for action in step.actions.iter().filter(|a| matches!(a, Action::Restore { .. })) {
            let _ = execute(env, &step.record, action).await;
        }
        return before.clone();
    }
    let mut record = step.record;
    for action in &step.actions {
        if let Err(e) = execute(env, &record, action).await {
            warn!(error = %e, action = ?action, "drill action failed");
            record = after_failure(record, action, &e);
            if let Err(e) = host.persist(&record).await {
                warn!(error = %e, "drill record not persisted after a failed action");
            }
            break;
        }
    }
    record
}

async fn execute(env: &DrillEnv<'_>, record: &DrillRecord, action: &Action) -> Result<(), String> {
    match action {
        Action::CreateFailsafe { at, original } => {
            let (Some(role), Some(name)) = (&env.failsafe.role_arn, &record.failsafe_schedule) else {
                return Ok(());
            };
            let schedule = failsafe(env, name, role, *at, original);
            env.aws.create_failsafe_schedule(&env.failsafe_region(), &schedule).await.map_err(|e| e.to_string())?;
            info!(schedule = %name, at = %at, "drill fail-safe scheduled");
            Ok(())
        }
        Action::Invert { health_check_id } => {
            info!(health_check = %health_check_id, "drill: inverting the primary health check");
            env.aws.update_health_check_inverted(health_check_id, true, false).await.map_err(|e| e.to_string())
        }
        Action::Restore { original } => {
            info!(health_check = %original.id, "drill: restoring the primary health check");
            env.aws
                .update_health_check_inverted(&original.id, original.inverted, original.disabled)
                .await
                .map_err(|e| e.to_string())
        }
        Action::DeleteFailsafe => {
            let Some(name) = &record.failsafe_schedule else { return Ok(()) };
            env.aws.delete_schedule(&env.failsafe_region(), name, &env.failsafe.group).await.map_err(|e| e.to_string())
        }
    }
}

fn failsafe(
    env: &DrillEnv<'_>,
    name: &str,
    role: &str,
    at: DateTime<Utc>,
    original: &OriginalHealthCheck,
) -> FailsafeSchedule {
    FailsafeSchedule {
        name: name.to_string(),
        group: env.failsafe.group.clone(),
        at,
        role_arn: role.to_string(),
        health_check_id: original.id.clone(),
        inverted: original.inverted,
        disabled: original.disabled,
    }
}

/// What a failed action means for the record. Nothing here injects: every path leads to a
/// restore or to an end where nothing was changed.
fn after_failure(mut r: DrillRecord, action: &Action, error: &str) -> DrillRecord {
    match action {
        Action::CreateFailsafe { .. } => {
            r.phase = DrillPhase::Failed;
            r.reason = Some("FailsafeNotCreated".into());
            r.message = Some(format!("The AWS-side fail-safe could not be created, so nothing was changed: {error}"));
            r.failsafe_schedule = None;
            r.finished_at = Some(Utc::now());
        }
        Action::Invert { .. } => {
            // The health check may or may not be inverted: restore to be sure.
            r.phase = DrillPhase::Restoring;
            r.reason = Some("InjectFailed".into());
            r.message = Some(format!("The health check could not be inverted: {error}"));
        }
        Action::Restore { .. } => {
            // Try again next step.
            r.phase = DrillPhase::Restoring;
            r.restored_at = None;
        }
        Action::DeleteFailsafe => {
            let note = format!(" The fail-safe schedule could not be deleted ({error}); it fires harmlessly.");
            r.message = Some(r.message.unwrap_or_default() + &note);
        }
    }
    r
}

fn empty_observation(facts: HostFacts) -> machine::Observation {
    machine::Observation {
        health_check: None,
        primary_unhealthy: false,
        dns: machine::DnsAnswer::Unknown,
        preflight: None,
        abort: facts.abort,
    }
}

/// A host that keeps the record in memory (the `drill` command).
#[derive(Default)]
pub struct MemoryHost {
    pub records: Vec<DrillRecord>,
}

impl DrillHost for MemoryHost {
    async fn persist(&mut self, record: &DrillRecord) -> Result<(), String> {
        self.records.push(record.clone());
        Ok(())
    }

    async fn facts(&mut self, _phase: DrillPhase) -> HostFacts {
        HostFacts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::DrillTrigger;

    fn record() -> DrillRecord {
        let mut r = machine::start("weekly", DrillTrigger::Cli, 60, 90, Utc::now());
        r.original = Some(OriginalHealthCheck { id: "hc".into(), inverted: false, disabled: false });
        r
    }

    #[test]
    fn failed_invert_leads_to_restoring() {
        let r = after_failure(record(), &Action::Invert { health_check_id: "hc".into() }, "throttled");
        assert_eq!(r.phase, DrillPhase::Restoring);
        assert_eq!(r.reason.as_deref(), Some("InjectFailed"));
    }

    #[test]
    fn failed_failsafe_ends_before_any_change() {
        let action = Action::CreateFailsafe { at: Utc::now(), original: record().original.expect("set") };
        let r = after_failure(record(), &action, "denied");
        assert_eq!(r.phase, DrillPhase::Failed);
        assert!(machine::is_terminal(r.phase));
    }

    #[test]
    fn failed_restore_is_retried() {
        let original = record().original.expect("set");
        let mut r = record();
        r.phase = DrillPhase::AwaitingFailback;
        r.restored_at = Some(Utc::now());
        let r = after_failure(r, &Action::Restore { original }, "throttled");
        assert_eq!(r.phase, DrillPhase::Restoring);
        assert!(r.restored_at.is_none());
    }
}
