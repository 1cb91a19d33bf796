//! PURE: the replication half of the status (docs/architecture.md, "Replication"): DynamoDB's own
//! `ReplicationLatency` judged against `objectives.rpoSeconds`, "no datapoints because nothing was
//! written" told apart from "written, but nothing arrived", and the countdown of the replica
//! states after which DynamoDB removes a replica from the global table.

use chrono::{DateTime, Duration, Utc};

use crate::{
    api::{LatencyWindow, ProbeFailure, RegionalFailoverSpec, ReplicaState, ReplicationSource, ReplicationStatus},
    aws::AwsError,
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

/// Keeps the replication probe's last failure in `r` (a denial must stay visible between probes,
/// which run less often than verification): a failed call this cycle replaces it, a probe that
/// completed without one clears it, and so does turning the probe off.
pub fn record_probe(
    r: &mut ReplicationStatus,
    enabled: bool,
    completed: bool,
    failed: Option<&AwsError>,
    now: DateTime<Utc>,
) {
    r.probe_failure = match failed {
        _ if !enabled => None,
        Some(e) => Some(probe_failure(e, now)),
        None if completed => None,
        None => r.probe_failure.take(),
    };
}

/// The status record of a failed probe call, with its sentence.
pub fn probe_failure(e: &AwsError, at: DateTime<Utc>) -> ProbeFailure {
    ProbeFailure {
        action: format!("{}:{}", e.service.label(), e.operation),
        error: e.kind.label().to_string(),
        message: probe_failure_message(e),
        at,
    }
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

mod messages;
pub use messages::{
    behind_reason, condition, conversion_events, evidence, hours_minutes, probe_failure_message, rpo_part, window_text,
};

#[cfg(test)]
mod tests;
