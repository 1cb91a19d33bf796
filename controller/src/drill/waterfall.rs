//! PURE: the RTO waterfall of a finished drill: each stage of the failover (from the injection) and
//! of the failback (from the restore), measured next to what the spec's settings predict for a
//! real outage (docs/architecture.md, "The RTO waterfall").
//!
//! A drill inverts the check, so Route 53 calls the primary unhealthy without waiting for its
//! checkers' failure threshold: the measured detection is shorter than a real outage's, and the
//! prediction keeps the real outage's detection so the two read side by side.

use chrono::{DateTime, Utc};

use crate::{
    api::{DrillRecord, WaterfallStage},
    verify::PredictedStages,
};

/// Stage names, in order (an interface: dashboards and JUnit reports use them).
pub const STAGES: [&str; 11] = [
    "Injected",
    "FirstCheckerFailed",
    "Route53Unhealthy",
    "FirstServerFailedOver",
    "AllServersFailedOver",
    "StandbyServing",
    "ClientsFailedOver",
    "Restored",
    "FirstServerFailedBack",
    "AllServersFailedBack",
    "ClientsFailedBack",
];

fn since(start: Option<DateTime<Utc>>, at: Option<DateTime<Utc>>) -> Option<f64> {
    Some((at? - start?).num_milliseconds() as f64 / 1000.0)
}

fn stage(
    name: &str,
    start: Option<DateTime<Utc>>,
    at: Option<DateTime<Utc>>,
    predicted: Option<u32>,
) -> WaterfallStage {
    WaterfallStage { stage: name.into(), at, seconds: since(start, at), predicted_seconds: predicted.map(f64::from) }
}

/// Every stage the record has a time for (a stage the drill never reached is left out).
pub fn build(r: &DrillRecord, p: &PredictedStages) -> Vec<WaterfallStage> {
    let over = r.injected_at;
    let back = r.restored_at;
    let detected = p.detection;
    let dns = detected.saturating_add(p.propagation);
    let first_back = r.servers.iter().filter_map(|s| s.failed_back_at).min();
    let standby = r.post_failover_validation.as_ref().filter(|v| v.ok).map(|v| v.at);
    let plus = |t: Option<DateTime<Utc>>, seconds: u32| t.map(|t| t + chrono::Duration::seconds(i64::from(seconds)));
    let back_dns = p.failback_detection.saturating_add(p.propagation);
    let stages = [
        stage(STAGES[0], over, over, Some(0)),
        // A real outage's first failing checker reports within one request interval.
        stage(STAGES[1], over, r.first_checker_failed_at, Some(p.first_checker.min(detected))),
        stage(STAGES[2], over, r.first_unhealthy_at, Some(detected)),
        stage(STAGES[3], over, r.dns_failed_over_at, Some(dns)),
        stage(STAGES[4], over, r.all_servers_failed_over_at, Some(dns)),
        stage(STAGES[5], over, standby, Some(dns)),
        // What a resolver that cached the PRIMARY answer just before the flip waits: an estimate.
        stage(STAGES[6], over, plus(r.all_servers_failed_over_at, p.ttl), Some(dns.saturating_add(p.ttl))),
        stage(STAGES[7], back, back, Some(0)),
        stage(STAGES[8], back, first_back, Some(back_dns)),
        stage(STAGES[9], back, r.all_servers_failed_back_at, Some(back_dns)),
        stage(
            STAGES[10],
            back,
            plus(r.all_servers_failed_back_at, p.failback_ttl),
            Some(back_dns.saturating_add(p.failback_ttl)),
        ),
    ];
    stages.into_iter().filter(|s| s.at.is_some()).collect()
}

#[cfg(test)]
mod tests;
