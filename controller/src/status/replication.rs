//! PURE: the replication half of the status (docs/architecture.md, "Replication"): DynamoDB's own
//! `ReplicationLatency` judged against `objectives.rpoSeconds`, "no datapoints because nothing was
//! written" told apart from "written, but nothing arrived", and the countdown of the replica
//! states after which DynamoDB removes a replica from the global table.

use chrono::{DateTime, Duration, Utc};

use super::{
    events::{EventType, Transition, truncate},
    reasons::{ConditionReason, EventReason},
};
use crate::{
    api::{
        ConditionStatus, LatencyWindow, Objectives, RegionalFailoverSpec, ReplicaState, ReplicationSource,
        ReplicationStatus,
    },
    aws::{AwsError, ErrorKind},
    verify::{self, AwsSnapshot, CONVERTING_STATES, ReplicationMetrics},
};

/// How long DynamoDB waits before converting.
pub const CONVERSION_HOURS: i64 = 20;
/// Writes in a period at least this many periods after the newest `ReplicationLatency` datapoint
/// mean the latency of the newer writes is missing: with one-minute periods and DynamoDB's usual
/// sub-second lag, a write and its sample share a period or neighbour each other.
const STALE_PERIODS: i64 = 2;
const ACTIVE: &str = "ACTIVE";

/// `ReplicationLatency` towards `receiver` in one source region's read, as status shows it.
pub fn latency_window(m: &ReplicationMetrics, receiver: &str) -> LatencyWindow {
    let points = m.latency.iter().find(|(r, _)| r.eq_ignore_ascii_case(receiver)).map_or(&[][..], |(_, p)| p);
    let average = (!points.is_empty()).then(|| points.iter().map(|p| p.average_ms).sum::<f64>() / points.len() as f64);
    let maximum = points.iter().map(|p| p.maximum_ms).reduce(f64::max);
    let period = Duration::seconds(i64::from(m.period_seconds.max(1)));
    let missing_while_writing = match (m.writes.last(), points.last()) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(&write), Some(newest)) => write - newest.at >= period * i32::try_from(STALE_PERIODS).unwrap_or(2),
    };
    LatencyWindow { average, maximum, window_seconds: m.window_seconds, missing_while_writing }
}

/// The window `source` → `receiver` from this cycle's reads, if that pair was read.
fn direction(metrics: &[ReplicationMetrics], source: &str, receiver: &str) -> Option<LatencyWindow> {
    metrics.iter().find(|m| m.source_region.eq_ignore_ascii_case(source)).map(|m| latency_window(m, receiver))
}

/// The CloudWatch read's error, when CloudWatch could not be read this cycle.
pub fn metrics_error(snapshot: &AwsSnapshot) -> Option<&AwsError> {
    match &snapshot.replication_metrics {
        Some(Err(e)) => Some(e),
        _ => None,
    }
}

/// `status.replication` from this cycle's snapshot: replica states with the time first seen and
/// the conversion countdown, CloudWatch's latency per direction (kept from `previous` when
/// CloudWatch was not read), the consistency mode. The probe's figures are added by the caller.
pub fn replication_status(
    spec: &RegionalFailoverSpec,
    snapshot: &AwsSnapshot,
    previous: Option<&ReplicationStatus>,
    now: DateTime<Utc>,
) -> ReplicationStatus {
    let mut next = previous.cloned().unwrap_or_default();
    let primary = snapshot.primary_table.as_ref();
    next.replicas = verify::replica_states(spec, primary, &snapshot.replica_tables);
    next.multi_region_consistency = primary
        .filter(|p| p.global_table_version.is_some())
        .map(|p| p.multi_region_consistency.clone().unwrap_or_else(|| "EVENTUAL".into()));
    next.witness_regions = primary.map(|p| p.witnesses.iter().map(|(r, _)| r.clone()).collect()).unwrap_or_default();
    let strong = next.multi_region_consistency.as_deref() == Some("STRONG");
    let metrics = match &snapshot.replication_metrics {
        Some(Ok(m)) => Some(m.as_slice()),
        _ => None,
    };
    let from = spec.primary.region.as_str();
    for replica in &mut next.replicas {
        let before = previous.and_then(|p| p.replicas.iter().find(|r| r.region == replica.region));
        if replica.status != ACTIVE {
            let seen = before.filter(|b| b.status == replica.status).and_then(|b| b.first_seen_at).unwrap_or(now);
            replica.first_seen_at = Some(seen);
            let since = primary.and_then(|p| {
                p.replica_inaccessible_since.iter().find(|(r, _)| r.eq_ignore_ascii_case(&replica.region)).map(|x| x.1)
            });
            if let Some((at, left)) = conversion(&replica.status, strong, since, seen, now) {
                replica.conversion_at = Some(at);
                replica.conversion_seconds_left = Some(left);
            }
        }
        match metrics {
            Some(m) => {
                replica.latency_ms = direction(m, from, &replica.region);
                replica.latency_to_primary_ms = direction(m, &replica.region, from);
            }
            None => {
                replica.latency_ms = before.and_then(|b| b.latency_ms.clone());
                replica.latency_to_primary_ms = before.and_then(|b| b.latency_to_primary_ms.clone());
            }
        }
        replica.source = has_latency(replica).then_some(ReplicationSource::CloudWatch);
    }
    if metrics.is_some() {
        next.latency_read_at = Some(now);
        next.lag_seconds = cloudwatch_lag_seconds(&next);
    }
    next
}

fn has_latency(r: &ReplicaState) -> bool {
    [&r.latency_ms, &r.latency_to_primary_ms].into_iter().flatten().any(|w| w.maximum.is_some())
}

/// The largest `ReplicationLatency` in the window, either direction, in seconds.
pub fn cloudwatch_lag_seconds(r: &ReplicationStatus) -> Option<f64> {
    r.replicas
        .iter()
        .flat_map(|x| [&x.latency_ms, &x.latency_to_primary_ms])
        .flatten()
        .filter_map(|w| w.maximum)
        .reduce(f64::max)
        .map(|ms| ms / 1000.0)
}

/// When a replica in `status` is converted and the seconds left until then, if it will be: 20
/// hours after DynamoDB's `ReplicaInaccessibleDateTime`, or after the operator first saw the state
/// when DynamoDB gives no time (later than the truth, so the countdown may be optimistic).
pub fn conversion(
    status: &str,
    strong: bool,
    inaccessible_since: Option<DateTime<Utc>>,
    first_seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, i64)> {
    if strong || !CONVERTING_STATES.contains(&status) {
        return None;
    }
    let at = inaccessible_since.unwrap_or(first_seen) + Duration::hours(CONVERSION_HOURS);
    Some((at, (at - now).num_seconds().max(0)))
}

/// How far behind replication is, as far as this cycle can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum LagVerdict<'a> {
    /// Nothing measures the lag (no CloudWatch read, no probe).
    NotMeasured,
    /// CloudWatch could not be read this cycle.
    Unreadable(&'a AwsError),
    /// The largest lag in the window is above the objective.
    Behind { from: String, to: String, seconds: f64, source: ReplicationSource, window_seconds: Option<u32> },
    /// Writes happen, but their `ReplicationLatency` does not arrive.
    Missing { from: String, to: String, window_seconds: u32 },
    /// CloudWatch was read and nothing was written in the window: nothing waits to replicate.
    Idle { window_seconds: u32 },
    /// Measured, within the objective.
    Within { seconds: f64, source: ReplicationSource, window_seconds: Option<u32> },
}

/// Judges the replication figures of `r` against `rpo_seconds` (only a lag above the objective
/// fails; a lag that cannot be known is its own verdict, which drills refuse on).
pub fn lag_verdict<'a>(
    primary_region: &str,
    r: &ReplicationStatus,
    rpo_seconds: u32,
    metrics_error: Option<&'a AwsError>,
) -> LagVerdict<'a> {
    if let Some(e) = metrics_error {
        return LagVerdict::Unreadable(e);
    }
    let rpo = f64::from(rpo_seconds);
    // (from, to, window) of every direction CloudWatch reported on.
    let windows: Vec<(&str, &str, &LatencyWindow)> = r
        .replicas
        .iter()
        .flat_map(|x| {
            let out = x.latency_ms.as_ref().map(|w| (primary_region, x.region.as_str(), w));
            let back = x.latency_to_primary_ms.as_ref().map(|w| (x.region.as_str(), primary_region, w));
            [out, back]
        })
        .flatten()
        .collect();
    let worst = windows
        .iter()
        .filter_map(|(f, t, w)| Some((*f, *t, w.maximum? / 1000.0, w.window_seconds)))
        .reduce(|a, b| if b.2 > a.2 { b } else { a });
    if let Some((from, to, seconds, window)) = worst.filter(|w| w.2 > rpo) {
        let (from, to, window_seconds) = (from.to_string(), to.to_string(), Some(window));
        return LagVerdict::Behind { from, to, seconds, source: ReplicationSource::CloudWatch, window_seconds };
    }
    let probed = r
        .replicas
        .iter()
        .filter_map(|x| Some((x.region.as_str(), x.lag_seconds?)))
        .chain(r.lag_seconds.map(|l| ("every replica", l)))
        .reduce(|a, b| if b.1 > a.1 { b } else { a });
    if let Some((to, seconds)) = probed.filter(|p| p.1 > rpo) {
        let (from, to) = (primary_region.to_string(), to.to_string());
        return LagVerdict::Behind { from, to, seconds, source: ReplicationSource::Probe, window_seconds: None };
    }
    if let Some((from, to, w)) = windows.iter().find(|(_, _, w)| w.missing_while_writing) {
        return LagVerdict::Missing { from: from.to_string(), to: to.to_string(), window_seconds: w.window_seconds };
    }
    match (worst, probed) {
        (Some((_, _, seconds, window)), _) => {
            LagVerdict::Within { seconds, source: ReplicationSource::CloudWatch, window_seconds: Some(window) }
        }
        (None, Some((_, seconds))) => {
            LagVerdict::Within { seconds, source: ReplicationSource::Probe, window_seconds: None }
        }
        (None, None) if r.latency_read_at.is_some() => {
            LagVerdict::Idle { window_seconds: windows.first().map_or(0, |w| w.2.window_seconds) }
        }
        (None, None) => LagVerdict::NotMeasured,
    }
}

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
            super::sentences::aws_error(e)
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

/// `ReplicationHealthy` (after the spec and AWS reads were found usable): replicas missing or not
/// ACTIVE fail; then the lag verdict decides.
pub fn condition(
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
            let why = super::sentences::aws_error(e);
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

#[cfg(test)]
mod tests;
