//! Comparing endpoints as Route 53 and DNS report them with the endpoints in the spec.
//!
//! A host name may come back in another case or with the root's trailing dot, and an IPv6
//! address in another (equally valid) spelling, so comparisons go through [`normalize_endpoint`].

use std::net::IpAddr;

use super::{AwsSnapshot, Flip, detection_seconds};
use crate::api::RegionalFailoverSpec;

/// Canonical form of a host name or IP address: trimmed, lower case, no trailing dot, IPv6
/// compressed (`2001:DB8:0::1` → `2001:db8::1`, brackets removed).
pub fn normalize_endpoint(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('.');
    let unbracketed = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(trimmed);
    match unbracketed.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => trimmed.to_ascii_lowercase(),
    }
}

/// Whether two spellings name the same endpoint.
pub fn same_endpoint(a: &str, b: &str) -> bool {
    normalize_endpoint(a) == normalize_endpoint(b)
}

/// Alias targets for load balancers are reported as `dualstack.<lb name>`; the spec names the load
/// balancer itself (the host the health check polls), so the prefix is not a difference.
pub fn normalize_alias_target(raw: &str) -> String {
    let n = normalize_endpoint(raw);
    match n.strip_prefix("dualstack.") {
        Some(rest) => rest.to_string(),
        None => n,
    }
}

/// The region whose endpoint a DNS answer points at.
///
/// `answer` holds what the authoritative servers returned: addresses for A/AAAA records, the
/// target name for CNAME records (possibly followed by the addresses it resolved to). `None` when
/// nothing in the answer is one of the endpoints, or when it names both (ambiguous).
pub fn active_region(answer: &[String], spec: &RegionalFailoverSpec) -> Option<String> {
    let primary = answer.iter().any(|a| same_endpoint(a, &spec.primary.endpoint));
    let secondary = answer.iter().any(|a| same_endpoint(a, &spec.secondary.endpoint));
    match (primary, secondary) {
        (true, false) => Some(spec.primary.region.clone()),
        (false, true) => Some(spec.secondary.region.clone()),
        _ => None,
    }
}

/// Seconds Route 53 needs to push a health-status change to its DNS servers once the checkers
/// agree. AWS does not publish a bound; a few to ~30 s is what is observed, so 30 s is allowed.
pub const PROPAGATION_ALLOWANCE_SECONDS: u32 = 30;

/// Worst-case seconds from the primary going down to every resolver answering with the
/// secondary: Route 53 needs the detection time of whatever drives the PRIMARY's health (read
/// from the snapshot when there is one: interval × threshold, a calculated check's children, an
/// alarm's period × evaluation periods; see `verify::timing`), then
/// [`PROPAGATION_ALLOWANCE_SECONDS`] to act on it, and resolvers may keep the old answer for the
/// TTL (at most `maxTtlSeconds`). Without a snapshot, or when the real settings are unknown, the
/// spec's interval × threshold stands in.
pub fn predicted_rto_seconds(spec: &RegionalFailoverSpec, observed: Option<&AwsSnapshot>) -> u32 {
    detection(spec, observed, Flip::Fail)
        .saturating_add(PROPAGATION_ALLOWANCE_SECONDS)
        .saturating_add(spec.dns.max_ttl_seconds)
}

/// Worst-case seconds from the primary recovering to every resolver answering with it again:
/// detection of the recovery, the propagation allowance, and the SECONDARY's TTL (the failback
/// TTL, `dns.failbackTtlSeconds`, else `maxTtlSeconds`), for which resolvers keep the standby.
pub fn predicted_failback_seconds(spec: &RegionalFailoverSpec, observed: Option<&AwsSnapshot>) -> u32 {
    detection(spec, observed, Flip::Recover)
        .saturating_add(PROPAGATION_ALLOWANCE_SECONDS)
        .saturating_add(spec.dns.failback_ttl_seconds.unwrap_or(spec.dns.max_ttl_seconds))
}

/// The parts of a predicted failover and failback, for the RTO waterfall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PredictedStages {
    /// Seconds until the first checker reports a failure: one request interval.
    pub first_checker: u32,
    /// Seconds until Route 53 calls the primary unhealthy (or healthy again, for failback).
    pub detection: u32,
    pub failback_detection: u32,
    /// Seconds Route 53 needs to act on its verdict on its name servers.
    pub propagation: u32,
    /// Seconds resolvers may keep the PRIMARY answer after the flip.
    pub ttl: u32,
    /// The same for the SECONDARY answer after failback.
    pub failback_ttl: u32,
}

/// Each part of [`predicted_rto_seconds`] and [`predicted_failback_seconds`].
pub fn predicted_stages(spec: &RegionalFailoverSpec, observed: Option<&AwsSnapshot>) -> PredictedStages {
    PredictedStages {
        first_checker: spec.health_check.request_interval_seconds,
        detection: detection(spec, observed, Flip::Fail),
        failback_detection: detection(spec, observed, Flip::Recover),
        propagation: PROPAGATION_ALLOWANCE_SECONDS,
        ttl: spec.dns.max_ttl_seconds,
        failback_ttl: spec.dns.failback_ttl_seconds.unwrap_or(spec.dns.max_ttl_seconds),
    }
}

fn detection(spec: &RegionalFailoverSpec, observed: Option<&AwsSnapshot>, flip: Flip) -> u32 {
    let hc = &spec.health_check;
    observed
        .and_then(|snap| detection_seconds(snap, &hc.id, flip))
        .unwrap_or_else(|| hc.request_interval_seconds.saturating_mul(hc.failure_threshold))
}

#[cfg(test)]
mod tests;
