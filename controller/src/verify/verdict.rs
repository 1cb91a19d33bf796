//! PURE: Route 53's verdict on checks that poll no endpoint: a CALCULATED check from its children,
//! a CLOUDWATCH_METRIC check from its alarm (docs/architecture.md, "Health").

use crate::api::HealthState;

/// A CALCULATED check's verdict before its own `Inverted`/`Disabled`: healthy while at least
/// `threshold` children are (each child's verdict already after its own flags). Children nobody
/// can judge make it `Unknown` only when they could tip the balance.
pub fn calculated_verdict(threshold: u32, children: &[HealthState]) -> HealthState {
    let count = |s: HealthState| u32::try_from(children.iter().filter(|c| **c == s).count()).unwrap_or(u32::MAX);
    let (healthy, unknown) = (count(HealthState::Healthy), count(HealthState::Unknown));
    if healthy >= threshold {
        HealthState::Healthy
    } else if healthy.saturating_add(unknown) < threshold {
        HealthState::Unhealthy
    } else {
        HealthState::Unknown
    }
}

/// The alarm's own state as evidence of the endpoint's health: `OK` healthy, `ALARM` unhealthy,
/// anything else (`INSUFFICIENT_DATA`, a missing alarm) no evidence either way.
pub fn alarm_state_verdict(state: Option<&str>) -> HealthState {
    match state {
        Some("OK") => HealthState::Healthy,
        Some("ALARM") => HealthState::Unhealthy,
        _ => HealthState::Unknown,
    }
}

/// What Route 53 decides for a CLOUDWATCH_METRIC check, before `Inverted`/`Disabled`: the alarm's
/// verdict, or with too little data (or no alarm) its `InsufficientDataHealthStatus`;
/// `LastKnownStatus` (Route 53's default) depends on history nobody can read, so it is `Unknown`.
pub fn alarm_check_verdict(state: Option<&str>, insufficient_data: Option<&str>) -> HealthState {
    match alarm_state_verdict(state) {
        HealthState::Unknown => match insufficient_data {
            Some("Healthy") => HealthState::Healthy,
            Some("Unhealthy") => HealthState::Unhealthy,
            _ => HealthState::Unknown,
        },
        known => known,
    }
}

#[cfg(test)]
mod tests;
