//! Health check findings, each code both ways, and the checkers' verdict.

use chrono::{TimeZone, Utc};

use crate::api::{HealthCheckType, HealthState};
use crate::verify::fixtures::{assert_absent, assert_only, codes, run, snapshot, spec};
use crate::verify::*;

fn with_hc(edit: impl FnOnce(&mut HealthCheckObserved)) -> AwsSnapshot {
    let mut snap = snapshot();
    if let Some(hc) = snap.health_check.as_mut() {
        edit(hc);
    }
    snap
}

#[test]
fn fully_matching_snapshot_yields_no_findings() {
    assert_eq!(run(&spec(), &snapshot()), vec![]);
}

#[test]
fn missing_health_check_suppresses_its_dependent_findings() {
    let mut snap = snapshot();
    snap.health_check = None;
    let f = run(&spec(), &snap);
    assert_only(&f, Code::HealthCheckMissing, 1);
    assert_eq!(f[0].resource, "route53:healthcheck/0f3c1a2b-hc");
    // Other resources are still verified.
    snap.records[0].ttl = Some(600);
    assert_eq!(codes(&run(&spec(), &snap)), ["HealthCheckMissing", "RecordTtlTooHigh"]);
}

#[test]
fn type_mismatch_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.kind = "HTTPS_STR_MATCH".into()));
    assert_only(&f, Code::HealthCheckTypeMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("HTTPS", "HTTPS_STR_MATCH"));
    let mut s = spec();
    s.health_check.kind = HealthCheckType::HTTP;
    s.health_check.port = 80;
    let snap = with_hc(|h| {
        h.kind = "HTTP".into();
        h.port = Some(80);
    });
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn a_tcp_check_is_not_blamed_for_its_missing_path() {
    let snap = with_hc(|h| {
        h.kind = "TCP".into();
        h.resource_path = None;
    });
    assert_only(&run(&spec(), &snap), Code::HealthCheckTypeMismatch, 1);
}

#[test]
fn port_mismatch_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.port = Some(8443)));
    assert_only(&f, Code::HealthCheckPortMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("443", "8443"));
    // Route 53's default for HTTPS is 443.
    assert_absent(&run(&spec(), &with_hc(|h| h.port = None)), Code::HealthCheckPortMismatch);
    let mut s = spec();
    s.health_check.port = 8443;
    assert_only(&run(&s, &with_hc(|h| h.port = None)), Code::HealthCheckPortMismatch, 1);
}

#[test]
fn path_mismatch_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.resource_path = Some("/".into())));
    assert_only(&f, Code::HealthCheckPathMismatch, 1);
    assert_eq!(f[0].actual, "/");
    // Without a path Route 53 requests "/".
    assert_only(&run(&spec(), &with_hc(|h| h.resource_path = None)), Code::HealthCheckPathMismatch, 1);
    let mut s = spec();
    s.health_check.resource_path = "/".into();
    assert_eq!(run(&s, &with_hc(|h| h.resource_path = None)), vec![]);
    // TCP checks have no path to compare.
    s.health_check.kind = HealthCheckType::TCP;
    s.health_check.resource_path = "/health".into();
    let tcp = with_hc(|h| {
        h.kind = "TCP".into();
        h.resource_path = None;
    });
    assert_eq!(run(&s, &tcp), vec![]);
}

#[test]
fn interval_mismatch_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.request_interval = Some(30)));
    assert_only(&f, Code::HealthCheckIntervalMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("10", "30"));
    // Route 53's default interval is 30 s.
    assert_only(&run(&spec(), &with_hc(|h| h.request_interval = None)), Code::HealthCheckIntervalMismatch, 1);
    let mut s = spec();
    s.health_check.request_interval_seconds = 30;
    assert_eq!(run(&s, &with_hc(|h| h.request_interval = None)), vec![]);
}

#[test]
fn threshold_mismatch_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.failure_threshold = Some(5)));
    assert_only(&f, Code::HealthCheckThresholdMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("3", "5"));
    // Route 53's default threshold is 3, which the spec declares.
    assert_eq!(run(&spec(), &with_hc(|h| h.failure_threshold = None)), vec![]);
}

#[test]
fn target_mismatch_for_names() {
    let f = run(&spec(), &with_hc(|h| h.fqdn = Some("other.example.com".into())));
    assert_only(&f, Code::HealthCheckTargetMismatch, 1);
    assert_eq!(f[0].actual, "other.example.com");
    assert_eq!(run(&spec(), &with_hc(|h| h.fqdn = Some("PRIMARY.api.Example.com.".into()))), vec![]);
    let f = run(&spec(), &with_hc(|h| h.fqdn = None));
    assert_only(&f, Code::HealthCheckTargetMismatch, 1);
    assert_eq!(f[0].actual, "(not set)");
}

/// Spec with IP endpoints, and a snapshot whose records and check use them.
fn ip_world(primary: &str, secondary: &str) -> (crate::api::RegionalFailoverSpec, AwsSnapshot) {
    let mut s = spec();
    s.primary.endpoint = primary.into();
    s.secondary.endpoint = secondary.into();
    s.dns.record_type = if primary.contains(':') { crate::api::RecordType::AAAA } else { crate::api::RecordType::A };
    let kind = crate::verify::record_type_str(s.dns.record_type).to_string();
    let mut snap = with_hc(|h| {
        h.fqdn = None;
        h.ip_address = Some(primary.into());
    });
    for r in &mut snap.records {
        r.kind = kind.clone();
        r.values = vec![if r.failover == Some(FailoverRole::Primary) { primary.into() } else { secondary.into() }];
    }
    (s, snap)
}

#[test]
fn target_compares_ip_addresses() {
    let (s, snap) = ip_world("192.0.2.10", "198.51.100.20");
    assert_eq!(run(&s, &snap), vec![]);
    let mut wrong = snap.clone();
    if let Some(h) = wrong.health_check.as_mut() {
        h.ip_address = Some("192.0.2.11".into());
    }
    assert_only(&run(&s, &wrong), Code::HealthCheckTargetMismatch, 1);
    // IPAddress and FQDN both set: the checkers connect to the address.
    let mut both = snap.clone();
    if let Some(h) = both.health_check.as_mut() {
        h.fqdn = Some("primary.api.example.com".into());
    }
    assert_eq!(run(&s, &both), vec![]);
}

#[test]
fn target_compares_ipv6_in_normalised_form() {
    let (s, mut snap) = ip_world("2001:db8::10", "2001:db8::20");
    if let Some(h) = snap.health_check.as_mut() {
        h.ip_address = Some("2001:DB8:0:0:0:0:0:10".into());
    }
    snap.records[1].values = vec!["2001:0db8::0020".into()];
    assert_eq!(run(&s, &snap), vec![]);
    if let Some(h) = snap.health_check.as_mut() {
        h.ip_address = Some("2001:db8::11".into());
    }
    assert_only(&run(&s, &snap), Code::HealthCheckTargetMismatch, 1);
}

#[test]
fn disabled_both_ways() {
    assert_only(&run(&spec(), &with_hc(|h| h.disabled = true)), Code::HealthCheckDisabled, 1);
    assert_absent(&run(&spec(), &with_hc(|h| h.disabled = false)), Code::HealthCheckDisabled);
}

#[test]
fn inverted_is_drift_only_without_our_drill() {
    let snap = with_hc(|h| h.inverted = true);
    assert_only(&run(&spec(), &snap), Code::HealthCheckInverted, 1);
    let during_drill = VerifyContext { drill_in_progress: true };
    assert_eq!(verify(&spec(), &snap, &during_drill), vec![]);
}

#[test]
fn too_few_regions_both_ways() {
    let f = run(&spec(), &with_hc(|h| h.regions = vec!["us-east-1".into(), "eu-west-1".into()]));
    assert_only(&f, Code::HealthCheckTooFewRegions, 1);
    assert_eq!(f[0].actual, "us-east-1,eu-west-1");
    // Empty means Route 53's default: all regions.
    assert_eq!(run(&spec(), &with_hc(|h| h.regions.clear())), vec![]);
}

#[test]
fn targeting_the_record_name_is_one_finding() {
    let f = run(&spec(), &with_hc(|h| h.fqdn = Some("API.example.com.".into())));
    assert_only(&f, Code::HealthCheckTargetsRecordName, 1);
    // With IPAddress set the checkers do not resolve the name, so it does not follow failover.
    let (s, mut snap) = ip_world("192.0.2.10", "198.51.100.20");
    if let Some(h) = snap.health_check.as_mut() {
        h.fqdn = Some("api.example.com".into());
    }
    assert_eq!(run(&s, &snap), vec![]);
}

fn observations(healthy: usize, total: usize) -> Vec<CheckerObservation> {
    (0..total)
        .map(|i| CheckerObservation {
            region: format!("region-{i}"),
            status: if i < healthy {
                "Success: HTTP Status Code 200, OK".into()
            } else {
                "Failure: Connection refused".into()
            },
            checked_at: None,
        })
        .collect()
}

#[test]
fn health_uses_the_18_percent_rule() {
    let now = Utc.with_ymd_and_hms(2025, 1, 7, 3, 0, 0).single().expect("valid time");
    let h = health_from_observations(&observations(1, 8), now);
    assert_eq!((h.status, h.checkers_healthy, h.checkers_reporting), (HealthState::Unhealthy, 1, 8), "12.5 %");
    assert_eq!(health_from_observations(&observations(2, 8), now).status, HealthState::Healthy, "25 %");
    // Exactly 18 % is not "more than 18 %".
    assert_eq!(health_from_observations(&observations(18, 100), now).status, HealthState::Unhealthy);
    assert_eq!(health_from_observations(&observations(19, 100), now).status, HealthState::Healthy);
    assert_eq!(health_from_observations(&observations(0, 16), now).status, HealthState::Unhealthy);
    let none = health_from_observations(&[], now);
    assert_eq!((none.status, none.checkers_reporting, none.observed_at), (HealthState::Unknown, 0, now));
}
