//! PURE: one cycle's observations → the whole status to write, and the events to emit.

use chrono::{DateTime, Utc};

use super::{StatusInput, Transition, conditions, reasons::ConditionType, replication, transitions};
use crate::{
    api::{
        Condition, HealthSource, HealthState, HealthStatus, RegionalFailoverSpec, RegionalFailoverStatus,
        ReplicationSource, ReplicationStatus,
    },
    aws::AwsError,
    verify::{self, AwsSnapshot, HealthCheckObserved, VerifyContext},
};

/// A completed replication probe: lag per replica region (`None` = not seen within the wait).
#[derive(Clone, Debug, PartialEq)]
pub struct LagProbe {
    pub lags: Vec<(String, Option<f64>)>,
    pub probed_at: DateTime<Utc>,
}

/// What this cycle learned from AWS.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum AwsRead {
    /// Not read (the spec is invalid).
    #[default]
    NotRead,
    Read(Box<AwsSnapshot>),
    /// The error stays typed: a denial and an outage read differently in the conditions.
    Failed(AwsError),
    /// The other region does not answer from this operator's region: what could be read.
    Partial(Box<super::vantage::RemoteLoss>),
}

/// What the adapters brought back this cycle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// Why the spec cannot be used (validation); nothing else was read.
    pub spec_error: Option<String>,
    pub aws: AwsRead,
    /// Values the authoritative servers answered for the record.
    pub dns_answer: Option<Result<Vec<String>, String>>,
    pub lag_probe: Option<LagProbe>,
    /// The replication probe's failed call this cycle (its write: then no `lag_probe`; a replica's
    /// read-back; its cleanup), a denial before any other failure.
    pub probe_error: Option<AwsError>,
    /// The AWS-side drill lock of another process, read because the check was found changed.
    pub foreign_lock: Option<ForeignLock>,
}

/// Another process's drill lock (the fail-safe schedule) on this object's health check.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignLock {
    pub lock: String,
    pub holder: String,
    pub restores_at: Option<DateTime<Utc>>,
}

/// The status to apply and the events its transitions deserve.
#[derive(Clone, Debug, PartialEq)]
pub struct Assembled {
    pub status: RegionalFailoverStatus,
    pub events: Vec<Transition>,
}

/// Builds the next status from the previous one: fields that could not be observed this cycle
/// keep their last value (and their age is visible in `observedAt`/`probedAt`), while the
/// conditions say Unknown.
pub fn assemble(
    spec: &RegionalFailoverSpec,
    generation: Option<i64>,
    previous: &RegionalFailoverStatus,
    observed: &Observed,
    now: DateTime<Utc>,
) -> Assembled {
    let mut next = previous.clone();
    next.observed_generation = generation;
    // The real settings of whatever drives the PRIMARY's health come with a snapshot; a cycle
    // without one keeps the last prediction (the spec's settings before the first read).
    let snapshot = match (&observed.spec_error, &observed.aws) {
        (None, AwsRead::Read(s)) => Some(s.as_ref()),
        _ => None,
    };
    let predicted = match (snapshot, previous.predicted_rto_seconds) {
        (None, Some(last)) => last,
        _ => verify::predicted_rto_seconds(spec, snapshot),
    };
    next.predicted_rto_seconds = Some(predicted);
    next.predicted_failback_seconds = match (snapshot, previous.predicted_failback_seconds) {
        (None, Some(last)) => Some(last),
        _ => Some(verify::predicted_failback_seconds(spec, snapshot)),
    };
    // Another process's drill explains a changed check as much as our own does.
    let foreign = observed.foreign_lock.as_ref();
    let drill_in_progress = drill_in_progress(previous) || foreign.is_some();
    let mut check: Option<&HealthCheckObserved> = None;
    let mut metrics_error = None;

    let aws_error = match (&observed.spec_error, &observed.aws) {
        (Some(_), _) | (None, AwsRead::NotRead) => None,
        (None, AwsRead::Read(snapshot)) => {
            let ctx = VerifyContext { drill_in_progress };
            check = snapshot.health_check.as_ref();
            next.drift = verify::verify(spec, snapshot, &ctx);
            if !snapshot.checker_observations.is_empty() {
                let raw = verify::health_from_observations(&snapshot.checker_observations, now);
                next.health = Some(effective(raw, check));
            } else if snapshot.health_check.is_none() {
                next.health = Some(HealthStatus {
                    status: HealthState::Unknown,
                    checkers_healthy: 0,
                    checkers_reporting: 0,
                    observed_at: now,
                    source: HealthSource::Checkers,
                    checkers_observed_at: None,
                });
            } else if let Some(Ok(values)) = &observed.dns_answer
                && let Some(active) = verify::active_region(values, spec)
            {
                next.health = Some(health_from_dns(active == spec.primary.region, previous.health.as_ref(), now));
            }
            let mut replication = replication::replication_status(spec, snapshot, previous.replication.as_ref(), now);
            apply_probe(&mut replication, observed.lag_probe.as_ref());
            let (enabled, completed) = (spec.table.replication_probe.enabled, observed.lag_probe.is_some());
            replication::record_probe(&mut replication, enabled, completed, observed.probe_error.as_ref(), now);
            metrics_error = replication::metrics_error(snapshot);
            next.replication = Some(replication);
            next.last_verified_at = Some(now);
            next.unreachable.clear();
            next.foreign_drill = foreign.map(|f| super::foreign::record(f, previous.foreign_drill.as_ref(), now));
            None
        }
        (None, AwsRead::Failed(e)) => Some(e),
        (None, AwsRead::Partial(loss)) => {
            next.unreachable = super::vantage::findings(loss);
            if let Some(Ok(values)) = &observed.dns_answer
                && let Some(active) = verify::active_region(values, spec)
            {
                next.health = Some(health_from_dns(active == spec.primary.region, previous.health.as_ref(), now));
            }
            if let (Some(t), Some(r)) = (&loss.local_table, next.replication.as_mut())
                && let Some(replica) = r.replicas.iter_mut().find(|x| x.region == t.region)
            {
                replica.status = t.status.clone();
            }
            None
        }
    };
    match &observed.dns_answer {
        Some(Ok(values)) => next.active_region = verify::active_region(values, spec),
        Some(Err(_)) => next.active_region = None,
        None => {}
    }

    let last_drill = conditions::proving_drill(previous.drill.as_deref());
    let input = StatusInput {
        spec_error: observed.spec_error.as_deref(),
        aws_error,
        findings: &next.drift,
        health: next.health.as_ref(),
        replication: next.replication.as_ref(),
        objectives: &spec.objectives,
        predicted_rto_seconds: predicted,
        last_drill,
        drill_in_progress,
        check_inverted: check.is_some_and(|c| c.inverted),
        check_disabled: check.is_some_and(|c| c.disabled),
        metrics_error,
        primary_region: &spec.primary.region,
        remote_loss: match (&observed.spec_error, &observed.aws) {
            (None, AwsRead::Partial(loss)) => Some(loss.as_ref()),
            _ => None,
        },
    };
    next.conditions = conditions(&input, &previous.conditions, now, generation);
    if let Some(s) = snapshot {
        note_in_sync(&mut next.conditions, &verify::failover_notes(spec, s));
    }
    super::foreign::explain(&mut next.conditions, next.foreign_drill.as_ref());
    let mut events = transitions(&previous.conditions, &next.conditions);
    events.extend(super::foreign::events(previous.foreign_drill.as_ref(), next.foreign_drill.as_ref(), now));
    if let Some(r) = &next.replication {
        events.extend(replication::conversion_events(previous.replication.as_ref(), r, &spec.table.name));
    }
    Assembled { status: next, events }
}

/// Choices the spec leaves open are no drift, but a person reading InSync should know them
/// (docs/architecture.md, "Failover path"): appended to a True InSync message.
fn note_in_sync(conditions: &mut [Condition], notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    if let Some(c) = conditions
        .iter_mut()
        .find(|c| c.type_ == ConditionType::InSync.as_str() && c.status == crate::api::ConditionStatus::True)
    {
        c.message = format!("{} {}", c.message, notes.join(" "));
    }
}

/// Between verifications: the authoritative answer alone moves `activeRegion`, the health verdict
/// and `PrimaryHealthy` (and so `Ready`) within seconds of a real failover, without any AWS call.
/// Every other condition stays as the last verification left it. `None` when nothing changed.
pub fn assemble_dns_watch(
    spec: &RegionalFailoverSpec,
    previous: &RegionalFailoverStatus,
    answer: &[String],
    now: DateTime<Utc>,
) -> Option<Assembled> {
    let active = verify::active_region(answer, spec);
    if active.is_none() || active == previous.active_region {
        // No verdict, or nothing new: the next verification judges a silent or odd answer.
        return None;
    }
    let mut next = previous.clone();
    next.active_region = active.clone();
    let primary = active.as_deref() == Some(spec.primary.region.as_str());
    next.health = Some(health_from_dns(primary, previous.health.as_ref(), now));
    let replaced = previous.conditions.iter().find(|c| c.type_ == ConditionType::PrimaryHealthy.as_str());
    if replaced.is_none_or(|c| c.reason != super::ConditionReason::InvalidSpec.as_str()) {
        let input = StatusInput {
            spec_error: None,
            aws_error: None,
            findings: &previous.drift,
            health: next.health.as_ref(),
            replication: previous.replication.as_ref(),
            objectives: &spec.objectives,
            predicted_rto_seconds: previous
                .predicted_rto_seconds
                .unwrap_or_else(|| verify::predicted_rto_seconds(spec, None)),
            last_drill: conditions::proving_drill(previous.drill.as_deref()),
            drill_in_progress: drill_in_progress(previous),
            check_inverted: false,
            check_disabled: false,
            metrics_error: None,
            primary_region: &spec.primary.region,
            remote_loss: None,
        };
        let fresh = conditions(&input, &previous.conditions, now, previous.observed_generation);
        next.conditions = merge_primary_health(&previous.conditions, &fresh);
    }
    let events = transitions(&previous.conditions, &next.conditions);
    Some(Assembled { status: next, events })
}

/// The previous conditions with `PrimaryHealthy` and `Ready` taken from `fresh`; `Ready` only when
/// no other condition of the previous set holds it back.
fn merge_primary_health(previous: &[Condition], fresh: &[Condition]) -> Vec<Condition> {
    let pick = |t: ConditionType| -> Option<Condition> {
        let from = if matches!(t, ConditionType::PrimaryHealthy) { fresh } else { previous };
        from.iter().find(|c| c.type_ == t.as_str()).cloned()
    };
    let mut out: Vec<Condition> = ConditionType::ALL.iter().filter_map(|&t| pick(t)).collect();
    let others_fine = previous
        .iter()
        .filter(|c| c.type_ != ConditionType::Ready.as_str() && c.type_ != ConditionType::PrimaryHealthy.as_str())
        .all(|c| c.status == crate::api::ConditionStatus::True || c.type_ == ConditionType::DrillSucceeded.as_str());
    let fresh_ready = fresh.iter().find(|c| c.type_ == ConditionType::Ready.as_str());
    let primary_false = fresh
        .iter()
        .any(|c| c.type_ == ConditionType::PrimaryHealthy.as_str() && c.status == crate::api::ConditionStatus::False);
    if let (Some(ready), true) = (fresh_ready, others_fine || primary_false)
        && let Some(slot) = out.iter_mut().find(|c| c.type_ == ConditionType::Ready.as_str())
    {
        *slot = ready.clone();
    }
    out
}

fn drill_in_progress(status: &RegionalFailoverStatus) -> bool {
    status.drill.as_ref().is_some_and(|d| d.current.is_some())
}

/// What routing uses: the checkers' verdict after `Inverted` and `Disabled` (the one definition of
/// "primary healthy", shared with drills; docs/architecture.md, "Health").
pub fn effective(mut raw: HealthStatus, check: Option<&HealthCheckObserved>) -> HealthStatus {
    raw.status =
        verify::effective_health(raw.status, check.is_some_and(|c| c.inverted), check.is_some_and(|c| c.disabled));
    raw
}

/// Route 53 answers with a failover pair's primary while its health check passes and with the
/// secondary when it fails, so the authoritative answer is a verdict that costs no API call
/// (when both records are unhealthy Route 53 answers with the primary; the secondary usually has
/// no health check). The checker counts stay as last read.
fn health_from_dns(primary_answered: bool, previous: Option<&HealthStatus>, now: DateTime<Utc>) -> HealthStatus {
    HealthStatus {
        status: if primary_answered { HealthState::Healthy } else { HealthState::Unhealthy },
        checkers_healthy: previous.map_or(0, |h| h.checkers_healthy),
        checkers_reporting: previous.map_or(0, |h| h.checkers_reporting),
        observed_at: now,
        source: HealthSource::Dns,
        checkers_observed_at: previous.and_then(|h| h.checkers_observed_at),
    }
}

/// The canary's figures next to CloudWatch's: per replica, and the largest of both in `lagSeconds`.
fn apply_probe(replication: &mut ReplicationStatus, probe: Option<&LagProbe>) {
    let Some(probe) = probe else { return };
    for replica in &mut replication.replicas {
        replica.lag_seconds = probe.lags.iter().find(|(r, _)| *r == replica.region).and_then(|(_, l)| *l);
        if replica.source.is_none() && replica.lag_seconds.is_some() {
            replica.source = Some(ReplicationSource::Probe);
        }
    }
    // The pair is only as fresh as its slowest replica; a replica never seen counts as unknown.
    let probed =
        probe.lags.iter().map(|(_, l)| *l).collect::<Option<Vec<f64>>>().and_then(|l| l.into_iter().reduce(f64::max));
    replication.lag_seconds = match (probed, replication::cloudwatch_lag_seconds(replication)) {
        (Some(p), Some(c)) => Some(p.max(c)),
        (p, c) => p.or(c),
    };
    replication.probed_at = Some(probe.probed_at);
}

#[cfg(test)]
mod tests;
