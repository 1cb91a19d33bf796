//! Between runs: every fault gone, the lock gone, the check as Terraform made it, and local AWS
//! settled on the primary (its evaluation caught up with the last change), so that each run starts
//! from the same state and its history stands alone. Harness writes use the root key `testing`,
//! only after the run's drivers are done and its faults are cleared.

use std::time::Duration;

use aws_sdk_route53::types::HealthCheckConfig;
use regional_failover::drill::lock::lock_name;

use super::lane::{Lane, PROPAGATION, ZONE};
use crate::{
    drill_ground::GROUP,
    support::localaws::{LocalAws, eventually},
};

pub fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// The check as the harness reads it (no faults are active when this is called).
pub async fn config(lane: &Lane) -> HealthCheckConfig {
    let out = lane.r53.get_health_check().health_check_id(&lane.g.hc).send().await.expect("GetHealthCheck");
    out.health_check().and_then(|h| h.health_check_config()).expect("config").clone()
}

/// The lock (fail-safe) schedule, if one exists: its `at()` expression and holder.
pub async fn lock(lane: &Lane) -> Option<String> {
    let name = lock_name(&lane.g.hc);
    let out = lane.scheduler.get_schedule().name(&name).group_name(GROUP).send().await.ok()?;
    Some(format!("{} held by {}", out.schedule_expression().unwrap_or_default(), out.description().unwrap_or("?")))
}

pub async fn delete_lock(lane: &Lane) {
    let name = lock_name(&lane.g.hc);
    let _ = lane.scheduler.delete_schedule().name(&name).group_name(GROUP).send().await;
}

/// Puts back whatever a person (or a drill that never restored) left changed. Returns what it reset.
pub async fn reset_check(lane: &Lane) -> Vec<&'static str> {
    let c = config(lane).await;
    let mut reset = Vec::new();
    let mut update = lane.r53.update_health_check().health_check_id(&lane.g.hc);
    if c.inverted() == Some(true) {
        update = update.inverted(false);
        reset.push("Inverted");
    }
    if c.disabled() == Some(true) {
        update = update.disabled(false);
        reset.push("Disabled");
    }
    if c.failure_threshold() != Some(3) {
        update = update.failure_threshold(3);
        reset.push("FailureThreshold");
    }
    if c.resource_path() != Some("/health") {
        update = update.resource_path("/health");
        reset.push("ResourcePath");
    }
    if !reset.is_empty() {
        update.send().await.expect("harness reset");
    }
    reset
}

/// Waits until local AWS routes to the primary, the evaluation applies no inversion, the
/// checkers' raw probes see the primary up, and the last change is older than the propagation.
/// `since`: the start of the run, when local AWS was settled on the primary (only the history
/// since then is read: it grows with every run, and this is asked every 50 ms).
pub async fn settled(local: &LocalAws, hc: &str, since: f64) {
    let changes = format!("/healthchecks/{hc}/changes?since={since}");
    let status = format!("/healthchecks/{hc}");
    let dns = format!("/dns/history?name=api.{ZONE}&type=A&since={since}");
    eventually("local AWS settled on the primary", Duration::from_secs(60), || {
        let (changes, status, dns) = (
            local.control("GET", &changes, None),
            local.control("GET", &status, None),
            local.control("GET", &dns, None),
        );
        async move {
            let last_change = match changes["changes"].as_array()?.last() {
                Some(c) => c["atEpoch"].as_f64()?,
                None => since,
            };
            let on_primary = match dns["history"].as_array()?.last() {
                Some(h) => h["values"]
                    .as_array()?
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| s.trim_end_matches('.') == "127.0.0.1")),
                None => true,
            };
            let up = status["healthy"] == true && status["rawHealthy"] == true && status["inverted"] == false;
            (up && on_primary && now() - last_change > PROPAGATION + 0.5).then_some(())
        }
    })
    .await;
}
