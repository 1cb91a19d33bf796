//! PURE: how long Route 53 needs to notice the primary failing (and recovering), from the real
//! settings of whatever drives the PRIMARY record's health (docs/architecture.md, "Predicted RTO").
//!
//! - HTTP/HTTPS/TCP: each checker calls the endpoint down after `FailureThreshold` consecutive
//!   failures, one per `RequestInterval` (and up after as many successes).
//! - CALCULATED: healthy while at least `HealthThreshold` children are. When the whole primary
//!   fails, all children fail together and the parent flips once `N − T + 1` of them have: the
//!   (N − T + 1)-th fastest child's detection time. Recovery needs `T` children back: the T-th
//!   fastest. A disabled child is healthy forever and an inverted one reads a dead endpoint as
//!   healthy, so neither can help fail the parent.
//! - CLOUDWATCH_METRIC: the alarm leaves OK after `EvaluationPeriods` periods of `Period` seconds
//!   of breaching (or missing) data, and returns after as many good ones.

use super::{AwsSnapshot, HealthCheckObserved};

/// Route 53 applies these when a health check was created without the field.
pub(crate) const DEFAULT_REQUEST_INTERVAL: u32 = 30;
pub(crate) const DEFAULT_FAILURE_THRESHOLD: u32 = 3;
/// Calculated checks of calculated checks are followed this deep, no further.
const MAX_DEPTH: u32 = 4;

/// The direction of the flip being timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flip {
    /// Healthy → unhealthy (failover).
    Fail,
    /// Unhealthy → healthy (failback).
    Recover,
}

/// Seconds Route 53 needs to flip the check `id` once its endpoint(s) changed, from the settings
/// in the snapshot. `None` when they are not known (not read, missing) or the check cannot flip
/// that way at all (see [`calculated_cannot_fail`]).
pub fn detection_seconds(snap: &AwsSnapshot, id: &str, flip: Flip) -> Option<u32> {
    detection(snap, snap.health_check_by_id(id)?, flip, 0)
}

fn detection(snap: &AwsSnapshot, hc: &HealthCheckObserved, flip: Flip, depth: u32) -> Option<u32> {
    match hc.kind.as_str() {
        "CALCULATED" if depth < MAX_DEPTH => calculated(snap, hc, flip, depth),
        "CALCULATED" => None,
        "CLOUDWATCH_METRIC" => {
            let alarm = snap.alarm(hc.alarm.as_ref()?)??;
            Some(alarm.period?.saturating_mul(alarm.evaluation_periods?))
        }
        // RECOVERY_CONTROL checks flip when a person flips the control, not by detection.
        "RECOVERY_CONTROL" => None,
        _ => Some(
            hc.request_interval
                .unwrap_or(DEFAULT_REQUEST_INTERVAL)
                .saturating_mul(hc.failure_threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD)),
        ),
    }
}

/// A child's part in its parent's flip.
enum Child {
    /// Healthy whatever happens (disabled), so it counts for the parent at once on recovery and
    /// never fails.
    AlwaysHealthy,
    /// Reads a dead endpoint as healthy (inverted): it never fails with the primary, nor recovers.
    Never,
    /// Flips after this many seconds; `None` = unknown.
    After(Option<u32>),
}

fn child(snap: &AwsSnapshot, id: &str, flip: Flip, depth: u32) -> Option<Child> {
    let hc = snap.health_check_by_id(id)?;
    Some(if hc.disabled {
        Child::AlwaysHealthy
    } else if hc.inverted {
        Child::Never
    } else {
        Child::After(detection(snap, hc, flip, depth + 1))
    })
}

fn calculated(snap: &AwsSnapshot, hc: &HealthCheckObserved, flip: Flip, depth: u32) -> Option<u32> {
    let threshold = usize::try_from(hc.health_threshold?).ok()?;
    let children = hc.child_health_checks.len();
    let mut times = Vec::new();
    let mut already = 0usize;
    for id in &hc.child_health_checks {
        match child(snap, id, flip, depth)? {
            Child::AlwaysHealthy => already += 1,
            Child::Never => {}
            Child::After(t) => times.push(t?),
        }
    }
    times.sort_unstable();
    match flip {
        // Healthy children must drop below the threshold.
        Flip::Fail => {
            let must_fail = (children + 1).checked_sub(threshold)?;
            times.get(must_fail.checked_sub(1)?).copied()
        }
        Flip::Recover => match threshold.checked_sub(already) {
            None | Some(0) => Some(0),
            Some(more) => times.get(more - 1).copied(),
        },
    }
}

/// Why a CALCULATED check can never become unhealthy, if it cannot: a `HealthThreshold` of 0, or
/// too few children that can fail (disabled children are healthy forever; inverted children read
/// a dead endpoint as healthy). `None` when it can fail or when that cannot be told.
pub fn calculated_cannot_fail(snap: &AwsSnapshot, hc: &HealthCheckObserved) -> Option<String> {
    if hc.kind != "CALCULATED" {
        return None;
    }
    let threshold = hc.health_threshold?;
    if threshold == 0 {
        return Some("its HealthThreshold is 0, so Route 53 considers it healthy whatever its children".into());
    }
    let children = u32::try_from(hc.child_health_checks.len()).unwrap_or(u32::MAX);
    let mut stuck = Vec::new();
    for id in &hc.child_health_checks {
        let c = snap.health_check_by_id(id)?;
        if c.disabled {
            stuck.push(format!("{id} (disabled)"));
        } else if c.inverted {
            stuck.push(format!("{id} (inverted)"));
        }
    }
    let stuck_n = u32::try_from(stuck.len()).unwrap_or(u32::MAX);
    (stuck_n >= threshold && stuck_n > 0).then(|| {
        format!(
            "{} of its {children} children can never fail with the primary ({}) and {threshold} healthy children keep it healthy",
            stuck.len(),
            stuck.join(", ")
        )
    })
}

#[cfg(test)]
mod tests;
