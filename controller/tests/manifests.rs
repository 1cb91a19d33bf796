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
