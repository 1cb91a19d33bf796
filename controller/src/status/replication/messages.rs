//! The replication judgement in sentences: `ReplicationHealthy`, the RPO half of
//! `WithinObjective`, drill refusals and the conversion event (docs/architecture.md,
//! "Replication").

use super::{ACTIVE, LagVerdict, lag_verdict};
use crate::{
    api::{ConditionStatus, Objectives, ProbeFailure, ReplicaState, ReplicationSource, ReplicationStatus},
    aws::{AwsError, ErrorKind},
    status::{
        events::{EventType, Transition, truncate},
        reasons::{ConditionReason, EventReason},
    },
    verify,
};

/// "the last 5 min" / "the last 90 s".
pub fn window_text(seconds: u32) -> String {
    if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("the last {} min", seconds / 60)
    } else {
        format!("the last {seconds} s")
    }
}

/// Why a drill must not start now, if replication forbids it: the lag is above the objective or
/// cannot be known (fail closed).
pub fn behind_reason(v: &LagVerdict<'_>, rpo_seconds: u32) -> Option<String> {
    match v {
        LagVerdict::Behind { from, to, seconds, source, window_seconds } => Some(format!(
            "Replication from {from} to {to} lags {seconds:.1} s ({}), above the {rpo_seconds} s recovery point \
             objective: failing over now would lose recent writes.",
            evidence(*source, *window_seconds)
        )),
        LagVerdict::Missing { from, to, window_seconds } => Some(format!(
            "ReplicationLatency metrics missing while the table takes writes ({from} → {to}, {}): replication may be \
             held, so the lag is unknown and a failover could lose more than the {rpo_seconds} s objective.",
            window_text(*window_seconds)
        )),
        LagVerdict::Unreadable(e) => Some(format!(
            "The table's replication latency could not be read ({}), so the lag is unknown.",
            crate::status::sentences::aws_error(e)
        )),
        LagVerdict::NotMeasured | LagVerdict::Idle { .. } | LagVerdict::Within { .. } => None,
    }
}

/// Where a figure comes from, for messages.
pub fn evidence(source: ReplicationSource, window_seconds: Option<u32>) -> String {
    match (source, window_seconds) {
        (ReplicationSource::CloudWatch, Some(w)) => {
            format!("largest ReplicationLatency over {}, CloudWatch", window_text(w))
        }
        (ReplicationSource::CloudWatch, None) => "ReplicationLatency, CloudWatch".into(),
        (ReplicationSource::Probe, _) => "replication probe".into(),
    }
}

/// "19 h 58 min".
pub fn hours_minutes(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{} h {} min", minutes / 60, minutes % 60)
}

/// What a failed replication probe call means, with the error's sentence (`sentences::aws_error`:
/// for a denial, the action, the resource and the fix).
pub fn probe_failure_message(e: &AwsError) -> String {
    let why = crate::status::sentences::aws_error(e);
    let region = e.region.as_deref().unwrap_or("its region");
    match e.operation {
        "PutItem" => {
            format!("The replication probe could not write its canary item in {region}, so it measures no lag: {why}")
        }
        "GetItem" => format!(
            "The replication probe could not read its canary item back in {region}, so it measures no lag there: {why}"
        ),
        "DeleteItem" => format!(
            "The replication probe could not delete its canary item in {region} (the item's TTL removes it): {why}"
        ),
        _ => format!("The replication probe failed: {why}"),
    }
}

/// `ReplicationHealthy` (after the spec and AWS reads were found usable): replicas missing or not
/// ACTIVE fail; then the lag verdict decides; a failed probe call is shown in any case (see
/// [`with_probe_failure`]).
pub fn condition(
    r: &ReplicationStatus,
    primary_region: &str,
    objectives: &Objectives,
    metrics_error: Option<&AwsError>,
) -> (ConditionStatus, ConditionReason, String) {
    with_probe_failure(judged(r, primary_region, objectives, metrics_error), r.probe_failure.as_ref())
}

/// A denied probe call turns an otherwise True verdict into Unknown with reason `AccessDenied`, its
/// sentence first: the role lacks what the enabled probe needs, and that must not pass as healthy.
/// Any other failure (or a denial next to a worse verdict) is added to the message.
fn with_probe_failure(
    (status, reason, message): (ConditionStatus, ConditionReason, String),
    failure: Option<&ProbeFailure>,
) -> (ConditionStatus, ConditionReason, String) {
    let Some(f) = failure else { return (status, reason, message) };
    if status == ConditionStatus::True && f.error == ErrorKind::AccessDenied.label() {
        return (ConditionStatus::Unknown, ConditionReason::AccessDenied, format!("{} {message}", f.message));
    }
    (status, reason, format!("{message} {}", f.message))
}

fn judged(
    r: &ReplicationStatus,
    primary_region: &str,
    objectives: &Objectives,
    metrics_error: Option<&AwsError>,
) -> (ConditionStatus, ConditionReason, String) {
    use ConditionStatus::{False, True, Unknown};
    if r.replicas.is_empty() {
        return (
            False,
            ConditionReason::NoReplicas,
            "The table has no replicas: the secondary region has no copy of the data.".into(),
        );
    }
    let bad: Vec<String> = r.replicas.iter().filter(|x| x.status != ACTIVE).map(replica_problem).collect();
    if !bad.is_empty() {
        return (
            False,
            ConditionReason::ReplicaNotActive,
            format!(
                "Not every replica is ACTIVE: {}. A failover there could serve missing or stale data; see status.drift.",
                bad.join("; ")
            ),
        );
    }
    let rpo = objectives.rpo_seconds;
    let n = r.replicas.len();
    match lag_verdict(primary_region, r, rpo, metrics_error) {
        LagVerdict::Behind { from, to, seconds, source, window_seconds } => (
            False,
            ConditionReason::LagAboveObjective,
            format!(
                "Replication from {from} to {to} lags {seconds:.1} s ({}), above the {rpo} s recovery point objective: \
                 a failover now would lose recent writes. Check write throttling in {to} and the ReplicationLatency metric.",
                evidence(source, window_seconds)
            ),
        ),
        LagVerdict::Missing { from, to, window_seconds } => (
            Unknown,
            ConditionReason::ReplicationMetricsMissing,
            format!(
                "ReplicationLatency metrics missing while the table takes writes: DynamoDB published no ReplicationLatency \
                 from {from} to {to} for the writes of {}, so replication may be held (a replica not ACTIVE, a region \
                 out of reach) and the lag is unknown; it may already exceed the {rpo} s objective.",
                window_text(window_seconds)
            ),
        ),
        LagVerdict::Unreadable(e) => {
            let reason = if e.kind == ErrorKind::AccessDenied {
                ConditionReason::AccessDenied
            } else {
                ConditionReason::AwsUnreachable
            };
            let why = crate::status::sentences::aws_error(e);
            (Unknown, reason, format!("ReplicationLatency could not be read, so the replication lag is unknown: {why}"))
        }
        LagVerdict::Idle { window_seconds } => (
            True,
            ConditionReason::ReplicasActive,
            format!(
                "All {n} replicas are ACTIVE; the table took no writes in {} (CloudWatch), so nothing waits to replicate.",
                window_text(window_seconds)
            ),
        ),
        LagVerdict::Within { seconds, source, window_seconds } => (
            True,
            ConditionReason::ReplicasActive,
            format!(
                "All {n} replicas are ACTIVE; replication lag at most {seconds:.1} s ({}), within the {rpo} s objective.",
                evidence(source, window_seconds)
            ),
        ),
        LagVerdict::NotMeasured => (
            True,
            ConditionReason::ReplicasActive,
            format!("All {n} replicas are ACTIVE; the replication lag is not measured yet."),
        ),
    }
}

/// "us-west-2 (REPLICATION_NOT_AUTHORIZED; converted ... in 19 h 58 min, at ...)".
fn replica_problem(x: &ReplicaState) -> String {
    match (x.conversion_at, x.conversion_seconds_left) {
        (Some(at), Some(left)) => format!(
            "{} ({}; unless fixed, DynamoDB turns it into a standalone single-Region table in {}, at {})",
            x.region,
            x.status,
            hours_minutes(left),
            at.to_rfc3339()
        ),
        _ => format!("{} ({})", x.region, x.status),
    }
}

/// The RPO half of `WithinObjective`: `Err` with the sentence when the measured lag is above the
/// objective, else what is known. An unknown lag does not fail it (ReplicationHealthy says so).
pub fn rpo_part(
    r: Option<&ReplicationStatus>,
    primary_region: &str,
    objectives: &Objectives,
    metrics_error: Option<&AwsError>,
) -> Result<String, String> {
    let rpo = objectives.rpo_seconds;
    let Some(r) = r else { return Ok("RPO: replication has not been read yet.".into()) };
    match lag_verdict(primary_region, r, rpo, metrics_error) {
        LagVerdict::Behind { from, to, seconds, source, window_seconds } => Err(format!(
            "RPO: replication from {from} to {to} lags {seconds:.1} s ({}), above the {rpo} s objective.",
            evidence(source, window_seconds)
        )),
        LagVerdict::Within { seconds, source, window_seconds } => Ok(format!(
            "RPO: replication lag at most {seconds:.1} s ({}) is within the {rpo} s objective.",
            evidence(source, window_seconds)
        )),
        LagVerdict::Idle { window_seconds } => {
            Ok(format!("RPO: no writes in {}, so nothing waits to replicate.", window_text(window_seconds)))
        }
        LagVerdict::Missing { .. } | LagVerdict::Unreadable(_) | LagVerdict::NotMeasured => {
            Ok(format!("RPO ({rpo} s): the replication lag is unknown (see ReplicationHealthy)."))
        }
    }
}

/// A Warning event for each replica that entered a state DynamoDB converts, once per state.
pub fn conversion_events(
    previous: Option<&ReplicationStatus>,
    next: &ReplicationStatus,
    table: &str,
) -> Vec<Transition> {
    next.replicas
        .iter()
        .filter(|r| r.conversion_at.is_some())
        .filter(|r| {
            let before = previous.and_then(|p| p.replicas.iter().find(|b| b.region == r.region));
            before.is_none_or(|b| b.status != r.status || b.conversion_at.is_none())
        })
        .map(|r| {
            let at = r.conversion_at.map(|t| t.to_rfc3339()).unwrap_or_default();
            let left = hours_minutes(r.conversion_seconds_left.unwrap_or_default());
            Transition {
                type_: EventType::Warning,
                reason: EventReason::ReplicaConversionPending,
                action: "Verify",
                note: truncate(&format!(
                    "The replica of {table} in {} is {}: unless fixed, DynamoDB removes it from the global table at {at} \
                     (in {left}) and it stays behind as a standalone single-Region table, so the standby silently \
                     stops being one. {}",
                    r.region,
                    r.status,
                    verify::replica_state_fix(&r.status)
                )),
            }
        })
        .collect()
}
