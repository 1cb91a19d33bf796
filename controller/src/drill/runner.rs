//! One drill step, shared by the operator (one step per reconcile) and the `drill` command (a
//! loop): observe → [`machine::step`] → persist the record (write-ahead) → execute the actions,
//! feeding each result back to the machine (docs/architecture.md, "Drills: one step").

use std::time::Duration;

use chrono::Utc;
use tracing::{error, warn};

use super::{
    actions::{self, DrillEnv},
    evidence::{Evidence, HostFacts, Observation, ReadError},
    machine::{self, Action, ActionResult, Step},
    sense::Senses,
    waterfall,
};
use crate::{
    api::{DrillPhase, DrillRecord},
    verify,
};

/// What the runner needs from its caller: a durable place for the record.
pub trait DrillHost {
    /// Stores the record; the runner executes a step's AWS changes only after this succeeded.
    fn persist(&mut self, record: &DrillRecord) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// What one step did.
#[derive(Debug)]
pub struct StepOutcome {
    /// The record as persisted (or, if persisting failed, as before the step).
    pub record: DrillRecord,
    /// An AWS denial met in this step, as the sentence to show (the CLI exits 2 on it).
    pub denied: Option<String>,
    /// Persisting failed: the step's changes to AWS were not made (restores excepted).
    pub persist_failed: Option<String>,
}

/// How soon the next step is due.
pub fn next_step_in(record: &DrillRecord) -> Duration {
    match record.phase {
        DrillPhase::Pending => Duration::ZERO,
        // Each step asks the servers for a while itself when a flip is expected (its resolution
        // bounds the measured RTO's error); otherwise every 250 ms.
        DrillPhase::AwaitingFailover | DrillPhase::AwaitingFailback
            if super::sense::expecting_flip(record, Utc::now()) =>
        {
            Duration::from_millis(10)
        }
        DrillPhase::AwaitingFailover | DrillPhase::AwaitingFailback => Duration::from_millis(250),
        // A restore that did not verify is retried with backoff: 1, 2, 4 … 30 s.
        DrillPhase::Restoring => match record.restore_failures.unwrap_or(0) {
            0 => Duration::ZERO,
            n => Duration::from_secs(1u64 << (n - 1).min(5)).min(Duration::from_secs(30)),
        },
        _ => Duration::from_millis(500),
    }
}

/// Takes one step of `record`.
pub async fn advance(
    env: &DrillEnv<'_>,
    senses: &mut Senses,
    host: &mut impl DrillHost,
    record: &DrillRecord,
    facts: HostFacts,
) -> StepOutcome {
    let now = Utc::now();
    // Boxed: the AWS SDK futures are large, and a reconcile runs on a worker thread's stack.
    let obs = Box::pin(senses.observe(env.spec, env.aws, record, facts, now)).await;
    let at = obs.dns.as_ref().map_or(now, |d| d.answered_at.max(now));
    let step = machine::step(record, &obs, at);
    let mut outcome = Box::pin(apply(env, senses, host, record, step)).await;
    outcome.denied = outcome.denied.or_else(|| denied_in(&obs));
    outcome
}

/// Restores first: `record` was left by another process (or before a restart).
pub async fn resume(
    env: &DrillEnv<'_>,
    senses: &mut Senses,
    host: &mut impl DrillHost,
    record: &DrillRecord,
) -> StepOutcome {
    let step = machine::resume_after_restart(record, Utc::now());
    Box::pin(apply(env, senses, host, record, step)).await
}

/// Persists the step's record, then executes its actions and whatever their results lead to.
async fn apply(
    env: &DrillEnv<'_>,
    senses: &mut Senses,
    host: &mut impl DrillHost,
    before: &DrillRecord,
    mut step: Step,
) -> StepOutcome {
    let mut outcome = StepOutcome { record: before.clone(), denied: None, persist_failed: None };
    with_waterfall(env, &mut step.record);
    if step.actions.is_empty() && step.record == *before {
        return outcome;
    }
    if let Err(e) = host.persist(&step.record).await {
        error!(error = %e, phase = ?step.record.phase, "drill record not persisted; its AWS changes wait");
        // Restoring is safe without a record; injecting is not.
        for action in step.actions.iter().filter(|a| matches!(a, Action::Restore { .. })) {
            let result = actions::execute(env, senses, &step.record, action).await;
            warn!(result = ?result, "drill restored the health check although its record could not be written");
        }
        outcome.persist_failed = Some(e);
        return outcome;
    }
    let mut record = step.record;
    let mut queue: std::collections::VecDeque<Action> = step.actions.into();
    let mut persisted = record.clone();
    while let Some(action) = queue.pop_front() {
        let result = actions::execute(env, senses, &record, &action).await;
        if let ActionResult::Failed(e) = &result
            && let Some(denied) = e.access_denied()
        {
            outcome.denied = Some(crate::status::sentences::access_denied(denied));
        }
        let next = machine::on_result(record, &action, result, Utc::now());
        record = next.record;
        with_waterfall(env, &mut record);
        if !next.actions.is_empty() {
            // Follow-ups (releasing the lock) are cleanups: the record that asks for them first.
            persist_or_warn(host, &record).await;
            persisted = record.clone();
            queue.extend(next.actions);
        }
    }
    if record != persisted {
        persist_or_warn(host, &record).await;
    }
    outcome.record = record;
    outcome
}

async fn persist_or_warn(host: &mut impl DrillHost, record: &DrillRecord) {
    if let Err(e) = host.persist(record).await {
        warn!(error = %e, phase = ?record.phase, "drill record not persisted after its actions; the next step writes it");
    }
}

/// A drill that just ended gets its RTO waterfall, predicted from the spec's own settings.
fn with_waterfall(env: &DrillEnv<'_>, record: &mut DrillRecord) {
    if machine::is_terminal(record.phase) && record.waterfall.is_empty() {
        record.waterfall = waterfall::build(record, &verify::predicted_stages(env.spec, None));
    }
}

/// The first AWS denial among the step's reads.
fn denied_in(obs: &Observation) -> Option<String> {
    fn of<T>(e: &Option<Evidence<T>>) -> Option<&ReadError> {
        match e {
            Some(Evidence::Unreadable(r)) => Some(r),
            _ => None,
        }
    }
    [of(&obs.health_check), of(&obs.checkers), of(&obs.settings)]
        .into_iter()
        .flatten()
        .find_map(ReadError::access_denied)
        .map(crate::status::sentences::access_denied)
}
