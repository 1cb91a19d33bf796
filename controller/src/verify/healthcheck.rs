//! The Route 53 health check behind the PRIMARY record (docs/architecture.md, "Health").

use chrono::{DateTime, Utc};

use super::endpoint::{normalize_endpoint, same_endpoint};
use super::{CheckerObservation, Code, HealthCheckObserved, VerifyContext, finding};
use crate::api::{Finding, HealthCheckType, HealthSource, HealthState, HealthStatus, RegionalFailoverSpec};

use super::timing::{DEFAULT_FAILURE_THRESHOLD, DEFAULT_REQUEST_INTERVAL};

/// Route 53 requests this path when a health check was created without one.
const DEFAULT_RESOURCE_PATH: &str = "/";
/// Route 53 needs at least this many checker regions; fewer lets one region's network trouble
/// decide the primary's fate.
const MIN_CHECKER_REGIONS: usize = 3;
/// Route 53 considers an endpoint healthy when more than this share of its checkers do.
const HEALTHY_SHARE_PERCENT: u64 = 18;

pub(crate) const NOT_SET: &str = "(not set)";

/// Route 53's spelling of a health check type.
pub fn health_check_type_str(kind: HealthCheckType) -> &'static str {
    match kind {
        HealthCheckType::HTTP => "HTTP",
        HealthCheckType::HTTPS => "HTTPS",
        HealthCheckType::TCP => "TCP",
        HealthCheckType::Calculated => "CALCULATED",
        HealthCheckType::CloudWatchMetric => "CLOUDWATCH_METRIC",
    }
}

/// The verdict of Route 53's checkers: `Healthy` when more than 18 % of those reporting see the
/// endpoint healthy, `Unknown` when none report. Observations are taken as reported (an
/// `Inverted` check's raw observations are not flipped here).
pub fn health_from_observations(observations: &[CheckerObservation], now: DateTime<Utc>) -> HealthStatus {
    let reporting = observations.len() as u64;
    let healthy = observations.iter().filter(|o| o.healthy()).count() as u64;
    let status = if reporting == 0 {
        HealthState::Unknown
    } else if healthy * 100 > HEALTHY_SHARE_PERCENT * reporting {
        HealthState::Healthy
    } else {
        HealthState::Unhealthy
    };
    HealthStatus {
        status,
        checkers_healthy: u32::try_from(healthy).unwrap_or(u32::MAX),
        checkers_reporting: u32::try_from(reporting).unwrap_or(u32::MAX),
        observed_at: now,
        source: HealthSource::Checkers,
        checkers_observed_at: Some(now),
    }
}

/// The verdict routing uses: `Disabled` means healthy whatever the checkers see, `Inverted` turns
/// their verdict around (an endpoint nobody reports on stays unknown).
pub fn effective_health(raw: HealthState, inverted: bool, disabled: bool) -> HealthState {
    match raw {
        _ if disabled => HealthState::Healthy,
        HealthState::Healthy if inverted => HealthState::Unhealthy,
        HealthState::Unhealthy if inverted => HealthState::Healthy,
        other => other,
    }
}

/// Findings for the health check; a missing check yields only [`Code::HealthCheckMissing`].
pub fn check_health_check(
    spec: &RegionalFailoverSpec,
    observed: Option<&HealthCheckObserved>,
    ctx: &VerifyContext,
) -> Vec<Finding> {
    let want = &spec.health_check;
    let resource = format!("route53:healthcheck/{}", want.id);
    let Some(hc) = observed else {
        return vec![finding(
            Code::HealthCheckMissing,
            &resource,
            "HealthCheckId",
            &want.id,
            "not found",
            format!(
                "Route 53 has no health check {}: without it the PRIMARY record is never withdrawn and failover cannot happen. \
                 Create it (Terraform: aws_route53_health_check) or correct spec.healthCheck.id.",
                want.id
            ),
        )];
    };
    let mut out = Vec::new();
    let want_type = health_check_type_str(want.kind);
    if hc.kind != want_type {
        out.push(finding(
            Code::HealthCheckTypeMismatch,
            &resource,
            "Type",
            want_type,
            &hc.kind,
            format!(
                "The health check is of type {} but the spec declares {want_type}: it may judge the primary by a different signal than intended. \
                 Recreate it with type = \"{want_type}\" (the type cannot be changed in place).",
                hc.kind
            ),
        ));
    }
    // CALCULATED and CLOUDWATCH_METRIC checks have no port, path, interval, threshold or target:
    // when either side is one of them, the type finding says it all (their own settings are
    // compared by `check_health_check_kind`).
    if want.kind.polls_endpoint() && polls_endpoint(&hc.kind) {
        out.extend(check_endpoint_settings(spec, hc, &resource));
    }
    out.extend(check_flags(hc, ctx, &resource));
    out
}

/// Whether Route 53's checkers poll an endpoint for a check of this type.
pub fn polls_endpoint(kind: &str) -> bool {
    !matches!(kind, "CALCULATED" | "CLOUDWATCH_METRIC" | "RECOVERY_CONTROL")
}

/// Port, path, interval, threshold and target of a check that polls an endpoint.
fn check_endpoint_settings(spec: &RegionalFailoverSpec, hc: &HealthCheckObserved, resource: &str) -> Vec<Finding> {
    let want = &spec.health_check;
    let resource = resource.to_string();
    let mut out = Vec::new();
    let port = hc.port.or_else(|| default_port(&hc.kind));
    if port != Some(want.port) {
        out.push(finding(
            Code::HealthCheckPortMismatch,
            &resource,
            "Port",
            want.port.to_string(),
            port.map_or_else(|| NOT_SET.to_string(), |p| p.to_string()),
            format!(
                "The health check connects to port {} instead of {}: it is not watching the service the spec describes. Set port = {}.",
                port.map_or_else(|| NOT_SET.to_string(), |p| p.to_string()),
                want.port,
                want.port
            ),
        ));
    }
    let http_spec = matches!(want.kind, HealthCheckType::HTTP | HealthCheckType::HTTPS);
    if http_spec && hc.kind.starts_with("HTTP") {
        let path = hc.resource_path.as_deref().unwrap_or(DEFAULT_RESOURCE_PATH);
        if path != want.resource_path {
            out.push(finding(
                Code::HealthCheckPathMismatch,
                &resource,
                "ResourcePath",
                &want.resource_path,
                path,
                format!(
                    "The health check requests {path} instead of {}: a path that answers 200 while the API is broken hides an outage. \
                     Set resource_path = \"{}\".",
                    want.resource_path, want.resource_path
                ),
            ));
        }
    }
    let interval = hc.request_interval.unwrap_or(DEFAULT_REQUEST_INTERVAL);
    if interval != want.request_interval_seconds {
        out.push(finding(
            Code::HealthCheckIntervalMismatch,
            &resource,
            "RequestInterval",
            want.request_interval_seconds.to_string(),
            interval.to_string(),
            format!(
                "Checkers probe every {interval} s instead of {} s, which changes how fast an outage is detected and the predicted RTO. \
                 Recreate the check with request_interval = {} (it cannot be changed in place).",
                want.request_interval_seconds, want.request_interval_seconds
            ),
        ));
    }
    let threshold = hc.failure_threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD);
    if threshold != want.failure_threshold {
        out.push(finding(
            Code::HealthCheckThresholdMismatch,
            &resource,
            "FailureThreshold",
            want.failure_threshold.to_string(),
            threshold.to_string(),
            format!(
                "The health check declares the primary down after {threshold} failed checks in a row instead of {}, which changes how fast an outage is detected. \
                 Set failure_threshold = {}.",
                want.failure_threshold, want.failure_threshold
            ),
        ));
    }
    // Without IPAddress the checkers resolve the FQDN; if that is the failover name itself they
    // follow the failover (and the target is necessarily wrong: one finding says it better).
    let follows_failover =
        hc.ip_address.is_none() && hc.fqdn.as_deref().is_some_and(|f| same_endpoint(f, &spec.dns.record_name));
    if !follows_failover {
        out.extend(check_target(spec, hc, &resource));
    }
    if follows_failover {
        out.push(finding(
            Code::HealthCheckTargetsRecordName,
            &resource,
            "FullyQualifiedDomainName",
            normalize_endpoint(&spec.primary.endpoint),
            normalize_endpoint(&spec.dns.record_name),
            format!(
                "The health check polls the failover name {} itself: after a failover it would probe the secondary, see it healthy and fail back \
                 to the dead primary. Point it at the primary's own name {}.",
                spec.dns.record_name, spec.primary.endpoint
            ),
        ));
    }
    out
}

/// `Disabled`, `Inverted` and checker regions, which every kind of check has.
fn check_flags(hc: &HealthCheckObserved, ctx: &VerifyContext, resource: &str) -> Vec<Finding> {
    let resource = resource.to_string();
    let mut out = Vec::new();
    if hc.disabled {
        out.push(finding(
            Code::HealthCheckDisabled,
            &resource,
            "Disabled",
            "false",
            "true",
            "The health check is disabled: Route 53 then treats it as always healthy, so failover can never happen. \
             Enable it (Terraform: disabled = false)."
                .to_string(),
        ));
    }
    if hc.inverted && !ctx.drill_in_progress {
        out.push(finding(
            Code::HealthCheckInverted,
            &resource,
            "Inverted",
            "false",
            "true",
            "The health check is inverted while no drill of this operator runs: a healthy primary counts as down (and a dead one as up). \
             If a drill was interrupted, restore it: invert_healthcheck = false."
                .to_string(),
        ));
    }
    if !hc.regions.is_empty() && hc.regions.len() < MIN_CHECKER_REGIONS {
        out.push(finding(
            Code::HealthCheckTooFewRegions,
            &resource,
            "Regions",
            format!("at least {MIN_CHECKER_REGIONS} regions (or none, meaning all)"),
            hc.regions.join(","),
            format!(
                "The health check runs from only {} region(s): a network problem near them alone can fail the primary over. \
                 List at least {MIN_CHECKER_REGIONS} regions, or none to use all.",
                hc.regions.len()
            ),
        ));
    }
    out
}

fn default_port(kind: &str) -> Option<u32> {
    if kind.starts_with("HTTPS") {
        Some(443)
    } else if kind.starts_with("HTTP") {
        Some(80)
    } else {
        None
    }
}

/// Route 53 connects to `IPAddress` when set (sending the FQDN as Host/SNI) and otherwise resolves
/// the FQDN. Either naming the endpoint counts: resolving names is beyond a pure check.
fn check_target(spec: &RegionalFailoverSpec, hc: &HealthCheckObserved, resource: &str) -> Option<Finding> {
    let want = &spec.primary.endpoint;
    let matches = |v: &Option<String>| v.as_deref().is_some_and(|t| same_endpoint(t, want));
    if matches(&hc.fqdn) || matches(&hc.ip_address) {
        return None;
    }
    let actual = match (&hc.fqdn, &hc.ip_address) {
        (Some(f), Some(ip)) => format!("{} ({})", normalize_endpoint(f), normalize_endpoint(ip)),
        (Some(t), None) | (None, Some(t)) => normalize_endpoint(t),
        (None, None) => NOT_SET.to_string(),
    };
    Some(finding(
        Code::HealthCheckTargetMismatch,
        resource,
        "FullyQualifiedDomainName/IPAddress",
        normalize_endpoint(want),
        &actual,
        format!(
            "The health check polls {actual}, not the primary endpoint {want}: the PRIMARY record would stay up while the primary is down. \
             Point the check at {want} (fqdn or ip_address)."
        ),
    ))
}

#[cfg(test)]
mod tests;
