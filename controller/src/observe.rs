//! I/O edge of one verification cycle: read AWS and the authoritative DNS servers into plain
//! data (`status::Observed`). Judging it is `verify`/`status`'s job.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{
    api::{RegionalFailover, RegionalFailoverSpec, RegionalFailoverStatus, validate},
    aws::Aws,
    dns,
    status::{LagProbe, Observed},
    verify::ZoneObserved,
};

/// How long a probe item is given to appear in every replica before it counts as unseen.
const PROBE_WAIT: Duration = Duration::from_secs(10);
const PROBE_POLL: Duration = Duration::from_millis(100);

/// Why the spec cannot be used, as one sentence; `None` when it is valid.
///
/// The API server enforces the CEL rules only from 1.25, so they are evaluated here too, and
/// cron schedules (which CEL cannot parse) are parsed with the same crate the scheduler uses.
pub fn spec_error(rf: &RegionalFailover) -> Option<String> {
    let mut problems = match serde_json::to_value(rf)
        .map_err(|e| e.to_string())
        .and_then(|v| validate::cel_violations(&v).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => vec![e],
    };
    for drill in &rf.spec.drills {
        if let Some(schedule) = &drill.schedule
            && let Err(e) = crate::drill::schedule::parse(schedule)
        {
            problems
                .push(format!("spec.drills[{}].schedule {schedule:?} is not a valid cron expression: {e}", drill.name));
        }
    }
    if problems.is_empty() { None } else { Some(format!("The spec is invalid: {}.", problems.join("; "))) }
}

/// Reads everything one status needs.
pub async fn observe(
    spec: &RegionalFailoverSpec,
    previous: &RegionalFailoverStatus,
    aws: &Aws,
    now: DateTime<Utc>,
) -> Observed {
    let snapshot = aws.snapshot(spec, true).await.map_err(|e| format!("{e}."));
    let dns_answer = match &snapshot {
        Ok(s) => Some(authoritative_answer(spec, s.zone.as_ref()).await),
        Err(_) => None,
    };
    let probe = &spec.table.replication_probe;
    let due = previous
        .replication
        .as_ref()
        .and_then(|r| r.probed_at)
        .is_none_or(|at| now - at >= chrono::Duration::seconds(i64::from(probe.interval_seconds)));
    let lag_probe = if probe.enabled && due && snapshot.is_ok() { probe_lag(spec, aws, now).await } else { None };
    Observed { spec_error: None, snapshot: Some(snapshot), dns_answer, lag_probe }
}

/// The authoritative servers' answer for the record: `spec.dns.nameservers`, else the zone's
/// delegation set.
pub async fn authoritative_answer(
    spec: &RegionalFailoverSpec,
    zone: Option<&ZoneObserved>,
) -> Result<Vec<String>, String> {
    let entries = if spec.dns.nameservers.is_empty() {
        zone.map(|z| z.name_servers.clone()).unwrap_or_default()
    } else {
        spec.dns.nameservers.clone()
    };
    let servers = dns::resolve_servers(&entries).await.map_err(|e| e.to_string())?;
    let answer = dns::query(&servers, &spec.dns.record_name, spec.dns.record_type).await.map_err(|e| e.to_string())?;
    Ok(answer.values)
}

/// Writes a canary item in the primary and times its arrival in each replica region.
async fn probe_lag(spec: &RegionalFailoverSpec, aws: &Aws, now: DateTime<Utc>) -> Option<LagProbe> {
    let t = &spec.table;
    let id = format!("{}", now.timestamp_millis());
    let written = aws
        .put_probe(
            &spec.primary.region,
            &t.name,
            &t.replication_probe.key_attribute,
            &id,
            now,
            Duration::from_secs(3600),
        )
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "replication probe write failed");
        return None;
    }
    let started = tokio::time::Instant::now();
    let mut lags: Vec<(String, Option<f64>)> = t.replica_regions.iter().map(|r| (r.clone(), None)).collect();
    while started.elapsed() < PROBE_WAIT && lags.iter().any(|(_, l)| l.is_none()) {
        for (region, lag) in lags.iter_mut().filter(|(_, l)| l.is_none()) {
            if let Ok(Some(_)) = aws.get_probe(region, &t.name, &t.replication_probe.key_attribute, &id).await {
                *lag = Some(started.elapsed().as_secs_f64());
            }
        }
        tokio::time::sleep(PROBE_POLL).await;
    }
    if let Err(e) = aws.delete_probe(&spec.primary.region, &t.name, &t.replication_probe.key_attribute, &id).await {
        tracing::warn!(error = %e, "replication probe cleanup failed; the item's TTL removes it");
    }
    Some(LagProbe { lags, probed_at: now })
}
