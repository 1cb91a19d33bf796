//! Zone and record findings, each code both ways.

use crate::verify::fixtures::{HC_ID, assert_absent, assert_only, codes, record, run, snapshot, spec};
use crate::verify::*;

fn primary_mut(snap: &mut AwsSnapshot) -> &mut RecordObserved {
    &mut snap.records[0]
}

#[test]
fn missing_zone_suppresses_record_findings() {
    let mut snap = snapshot();
    snap.zone = None;
    snap.records.clear();
    let f = run(&spec(), &snap);
    assert_only(&f, Code::HostedZoneMissing, 1);
    assert_eq!(f[0].resource, "route53:zone/Z0123456789ABCDEFGHIJ");
    assert_absent(&run(&spec(), &snapshot()), Code::HostedZoneMissing);
}

#[test]
fn primary_missing_both_ways() {
    let mut snap = snapshot();
    snap.records.remove(0);
    let f = run(&spec(), &snap);
    assert_only(&f, Code::PrimaryRecordMissing, 1);
    assert_eq!(f[0].resource, "route53:zone/Z0123456789ABCDEFGHIJ/api.example.com/CNAME/primary");
    assert_absent(&run(&spec(), &snapshot()), Code::PrimaryRecordMissing);
}

#[test]
fn secondary_missing_both_ways() {
    let mut snap = snapshot();
    snap.records.remove(1);
    assert_only(&run(&spec(), &snap), Code::SecondaryRecordMissing, 1);
    assert_absent(&run(&spec(), &snapshot()), Code::SecondaryRecordMissing);
}

#[test]
fn records_of_another_name_or_type_do_not_count() {
    let mut snap = snapshot();
    snap.records[0].kind = "A".into();
    snap.records[1].name = "www.example.com".into();
    assert_eq!(codes(&run(&spec(), &snap)), ["PrimaryRecordMissing", "SecondaryRecordMissing"]);
    // Name and type compare case-insensitively, ignoring the trailing dot.
    let mut snap = snapshot();
    snap.records[0].name = "API.Example.COM.".into();
    snap.records[0].kind = "cname".into();
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn duplicates_are_one_finding_without_noise() {
    let mut snap = snapshot();
    let mut extra = record(FailoverRole::Primary);
    extra.set_identifier = Some("primary-old".into());
    extra.values = vec!["old.api.example.com".into()];
    extra.ttl = Some(3600);
    snap.records.push(extra);
    let f = run(&spec(), &snap);
    assert_only(&f, Code::DuplicateFailoverRecord, 1);
    assert_eq!(f[0].actual, "2 PRIMARY records (primary, primary-old)");
    let mut snap = snapshot();
    snap.records.push(record(FailoverRole::Secondary));
    assert_only(&run(&spec(), &snap), Code::DuplicateFailoverRecord, 1);
    assert_absent(&run(&spec(), &snapshot()), Code::DuplicateFailoverRecord);
}

#[test]
fn set_identifier_mismatch_both_ways() {
    let mut snap = snapshot();
    primary_mut(&mut snap).set_identifier = Some("main".into());
    let f = run(&spec(), &snap);
    assert_only(&f, Code::RecordSetIdentifierMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("primary", "main"));
    let mut s = spec();
    s.dns.primary_set_identifier = "main".into();
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn primary_health_check_mismatch_both_ways() {
    let mut snap = snapshot();
    primary_mut(&mut snap).health_check_id = None;
    // Without any check the PRIMARY also cannot fail over at all (tests_failover_path).
    assert_eq!(codes(&run(&spec(), &snap)), ["PrimaryCannotFailOver", "PrimaryRecordHealthCheckMismatch"]);
    primary_mut(&mut snap).health_check_id = Some("another-check".into());
    let f = run(&spec(), &snap);
    assert_only(&f, Code::PrimaryRecordHealthCheckMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), (HC_ID, "another-check"));
    // A health check on the SECONDARY is allowed.
    let mut snap = snapshot();
    snap.records[1].health_check_id = Some("standby-check".into());
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn primary_target_mismatch_both_ways() {
    let mut snap = snapshot();
    primary_mut(&mut snap).values = vec!["standby.api.example.com".into()];
    let f = run(&spec(), &snap);
    assert_only(&f, Code::PrimaryRecordTargetMismatch, 1);
    assert_eq!((f[0].field.as_str(), f[0].actual.as_str()), ("ResourceRecords", "standby.api.example.com"));
    primary_mut(&mut snap).values = vec![];
    assert_only(&run(&spec(), &snap), Code::PrimaryRecordTargetMismatch, 1);
    primary_mut(&mut snap).values = vec!["Primary.API.example.com.".into()];
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn secondary_target_mismatch_both_ways() {
    let mut snap = snapshot();
    snap.records[1].values = vec!["standby.api.example.com".into(), "other.example.com".into()];
    assert_only(&run(&spec(), &snap), Code::SecondaryRecordTargetMismatch, 1);
    snap.records[1].values = vec!["STANDBY.api.example.com.".into()];
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn alias_records_compare_the_alias_name_and_have_no_ttl() {
    let mut snap = snapshot();
    for r in &mut snap.records {
        r.alias = true;
        r.ttl = None;
    }
    snap.records[0].values = vec!["dualstack.primary.api.example.com".into()];
    assert_eq!(run(&spec(), &snap), vec![]);
    snap.records[1].values = vec!["dualstack.lb-elsewhere.example.com".into()];
    let f = run(&spec(), &snap);
    assert_only(&f, Code::SecondaryRecordTargetMismatch, 1);
    assert_eq!(f[0].field, "AliasTarget.DNSName");
}

#[test]
fn ttl_too_high_both_ways() {
    let mut snap = snapshot();
    snap.records[1].ttl = Some(61);
    let f = run(&spec(), &snap);
    assert_only(&f, Code::RecordTtlTooHigh, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("<= 60", "61"));
    snap.records[1].ttl = Some(60);
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn non_failover_record_both_ways() {
    let mut snap = snapshot();
    let mut simple = record(FailoverRole::Primary);
    simple.failover = None;
    simple.set_identifier = None;
    simple.health_check_id = None;
    snap.records.push(simple.clone());
    let f = run(&spec(), &snap);
    assert_only(&f, Code::NonFailoverRecord, 1);
    assert_eq!(f[0].resource, "route53:zone/Z0123456789ABCDEFGHIJ/api.example.com/CNAME");
    // A simple record of another type (e.g. TXT) does not shadow the failover pair.
    let mut snap = snapshot();
    simple.kind = "TXT".into();
    snap.records.push(simple);
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn findings_are_sorted_and_stable_whatever_the_input_order() {
    let mut snap = snapshot();
    snap.records[0].ttl = Some(600);
    snap.records[1].ttl = Some(600);
    snap.records[0].health_check_id = None;
    if let Some(h) = snap.health_check.as_mut() {
        h.failure_threshold = Some(1);
    }
    let a = run(&spec(), &snap);
    snap.records.reverse();
    let b = run(&spec(), &snap);
    assert_eq!(a, b);
    let keys: Vec<(&str, &str)> = a.iter().map(|f| (f.resource.as_str(), f.code.as_str())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        codes(&a),
        [
            "HealthCheckThresholdMismatch",
            "PrimaryCannotFailOver",
            "PrimaryRecordHealthCheckMismatch",
            "RecordTtlTooHigh",
            "RecordTtlTooHigh"
        ]
    );
}
