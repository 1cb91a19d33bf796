//! Client-side checks of the sample manifests, without an API server: the same CEL rules the CRD
//! carries, evaluated from the generated schema.

mod support;

use regional_failover::api::{self, validate};
use support::manifests::{RejectedBy, example, invalid_cases};

#[test]
fn example_is_valid_and_defaults_fill_in() {
    let rfs = validate::parse_manifests(&example()).expect("example is valid");
    assert_eq!(rfs.len(), 1);
    let spec = &rfs[0].spec;
    assert_eq!(spec.primary.region, "us-east-1");
    assert_eq!(spec.secondary.region, "us-west-2");
    assert_eq!(spec.table.name, "profiles");
    assert_eq!(spec.dns.primary_set_identifier, "primary");
    assert!(!spec.table.replication_probe.enabled);
    assert_eq!(spec.drills[0].method, api::DrillMethod::InvertHealthCheck);
}

#[test]
fn at_least_twenty_invalid_cases() {
    let cases = invalid_cases();
    assert!(cases.len() >= 20, "only {} invalid cases", cases.len());
    assert!(cases.iter().any(|c| c.by == RejectedBy::Cel));
    assert!(cases.iter().any(|c| c.by == RejectedBy::Server));
}

#[test]
fn cel_cases_fail_with_their_message() {
    for case in invalid_cases().into_iter().filter(|c| c.by == RejectedBy::Cel) {
        let doc: serde_json::Value = serde_saphyr::from_str(&case.yaml).expect("case parses as YAML");
        let violations = validate::cel_violations(&doc).expect("schema compiles");
        assert!(
            violations.iter().any(|v| v.contains(&case.expect)),
            "{}: expected a violation containing {:?}, got {violations:?}",
            case.path.display(),
            case.expect
        );
    }
}

#[test]
fn every_invalid_case_is_refused_by_the_client_check() {
    for case in invalid_cases() {
        let err = validate::parse_manifests(&case.yaml).err();
        assert!(err.is_some(), "{} was accepted", case.path.display());
    }
}

#[test]
fn valid_example_has_no_cel_violations() {
    let doc: serde_json::Value = serde_saphyr::from_str(&example()).expect("yaml");
    assert_eq!(validate::cel_violations(&doc).expect("schema compiles"), Vec::<String>::new());
}

/// Every sample under examples/ (one per health-check kind) is valid, with its kind's fields.
#[test]
fn every_example_is_valid() {
    let dir = support::repo_root().join("examples");
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples exists") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let yaml = std::fs::read_to_string(&path).expect("example readable");
        let rfs = validate::parse_manifests(&yaml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        kinds.extend(rfs.into_iter().map(|rf| rf.spec.health_check));
    }
    let calculated = kinds.iter().find(|h| h.kind == api::HealthCheckType::Calculated).expect("a CALCULATED example");
    assert_eq!((calculated.child_health_checks.len(), calculated.health_threshold), (3, Some(2)));
    let alarm = kinds.iter().find(|h| h.kind == api::HealthCheckType::CloudWatchMetric).expect("an alarm example");
    assert_eq!(alarm.alarm.as_ref().map(|a| a.name.as_str()), Some("profile-api-deep-canary"));
    assert_eq!(alarm.insufficient_data_health_status, Some(api::InsufficientDataHealthStatus::Unhealthy));
}
