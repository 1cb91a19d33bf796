//! The failover path: each code both ways, and the notes about choices the spec leaves open.

use crate::api::{HealthState, SecondaryHealthCheck};
use crate::verify::fixtures::{assert_absent, assert_only, codes, record, run, snapshot, spec};
use crate::verify::*;

fn secondary_mut(snap: &mut AwsSnapshot) -> &mut RecordObserved {
    &mut snap.records[1]
}

fn as_alias(r: &mut RecordObserved, evaluate_target_health: bool) {
    r.alias = true;
    r.ttl = None;
    r.evaluate_target_health = evaluate_target_health;
    r.alias_zone = Some("Z35SXDOTRQ7X7K".into());
}

#[test]
fn an_unhealthy_secondary_check_makes_failover_impossible_both_ways() {
    let mut snap = snapshot();
    secondary_mut(&mut snap).health_check_id = Some("standby-check".into());
    snap.secondary_health = Some(HealthState::Unhealthy);
    let f = run(&spec(), &snap);
    assert_only(&f, Code::SecondaryHealthCheckUnhealthy, 1);
    assert_eq!(f[0].resource, "route53:zone/Z0123456789ABCDEFGHIJ/api.example.com/CNAME/secondary");
    assert!(f[0].message.contains("answers with the PRIMARY whatever the primary's health"), "{}", f[0].message);
    assert_eq!(Code::SecondaryHealthCheckUnhealthy.impact(), Impact::FailoverImpossible);
    for clear in [Some(HealthState::Healthy), Some(HealthState::Unknown), None] {
        snap.secondary_health = clear;
        assert_eq!(run(&spec(), &snap), vec![], "{clear:?}: not unhealthy, or not read this cycle");
    }
    // Without a check on the SECONDARY a stale verdict means nothing.
    let mut snap = snapshot();
    snap.secondary_health = Some(HealthState::Unhealthy);
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn the_declared_secondary_health_choice_both_ways() {
    let mut absent = spec();
    absent.dns.secondary_health_check = Some(SecondaryHealthCheck::Absent);
    let mut present = spec();
    present.dns.secondary_health_check = Some(SecondaryHealthCheck::Present);
    let plain = snapshot();
    let mut checked = snapshot();
    secondary_mut(&mut checked).health_check_id = Some("standby-check".into());
    let mut evaluating = snapshot();
    as_alias(&mut evaluating.records[0], false);
    as_alias(secondary_mut(&mut evaluating), true);
    for s in [&absent, &present] {
        let alias_targets_ok = |f: &[Finding]| assert_absent(f, Code::SecondaryRecordTargetMismatch);
        alias_targets_ok(&run(s, &evaluating));
    }
    assert_eq!(run(&absent, &plain), vec![]);
    let f = run(&absent, &checked);
    assert_only(&f, Code::SecondaryRecordHealthCheckMismatch, 1);
    assert_eq!(f[0].actual, "health check standby-check");
    let f = run(&absent, &evaluating);
    assert_only(&f, Code::SecondaryRecordHealthCheckMismatch, 1);
    assert_eq!(f[0].actual, "EvaluateTargetHealth = true");
    assert_eq!(run(&present, &checked), vec![]);
    assert_eq!(run(&present, &evaluating), vec![]);
    let f = run(&present, &plain);
    assert_only(&f, Code::SecondaryRecordHealthCheckMismatch, 1);
    assert_eq!(f[0].actual, "neither");
    // Undeclared: either is fine.
    assert_eq!(run(&spec(), &plain), vec![]);
    assert_eq!(run(&spec(), &checked), vec![]);
}

#[test]
fn undeclared_secondary_health_is_a_note_not_drift() {
    let notes = failover_notes(&spec(), &snapshot());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("answers with it whenever the primary fails, even if the standby is down"), "{notes:?}");
    let mut snap = snapshot();
    secondary_mut(&mut snap).health_check_id = Some("standby-check".into());
    let notes = failover_notes(&spec(), &snap);
    assert!(notes[0].contains("carries health check standby-check"), "{notes:?}");
    let mut declared = spec();
    declared.dns.secondary_health_check = Some(SecondaryHealthCheck::Present);
    assert_eq!(failover_notes(&declared, &snap), Vec::<String>::new());
    // A PRIMARY that also follows its alias target's health is worth a sentence.
    let mut snap = snapshot();
    as_alias(&mut snap.records[0], true);
    as_alias(secondary_mut(&mut snap), false);
    assert!(failover_notes(&declared, &snap).iter().any(|n| n.contains("PRIMARY alias evaluates its target's health")));
}

#[test]
fn a_primary_that_cannot_fail_over_both_ways() {
    let mut snap = snapshot();
    snap.records[0].health_check_id = None;
    let f = run(&spec(), &snap);
    assert_eq!(codes(&f), ["PrimaryCannotFailOver", "PrimaryRecordHealthCheckMismatch"]);
    assert_eq!(f[0].actual, "no health check");
    // An alias without a health check but with EvaluateTargetHealth can still fail over.
    let mut snap = snapshot();
    as_alias(&mut snap.records[0], true);
    as_alias(secondary_mut(&mut snap), false);
    snap.records[0].health_check_id = None;
    assert_absent(&run(&spec(), &snap), Code::PrimaryCannotFailOver);
    snap.records[0].evaluate_target_health = false;
    let f = run(&spec(), &snap);
    assert!(codes(&f).contains(&"PrimaryCannotFailOver"), "{f:#?}");
    assert_eq!(
        f.iter().find(|f| f.code == "PrimaryCannotFailOver").map(|f| f.actual.as_str()),
        Some("no health check, EvaluateTargetHealth = false")
    );
    assert_absent(&run(&spec(), &snapshot()), Code::PrimaryCannotFailOver);
}

#[test]
fn records_of_different_types_are_no_pair_both_ways() {
    // PRIMARY A + AAAA, SECONDARY A only: IPv6 clients never fail over.
    let mut s = spec();
    s.primary.endpoint = "192.0.2.10".into();
    s.secondary.endpoint = "198.51.100.20".into();
    s.dns.record_type = crate::api::RecordType::A;
    let mut snap = snapshot();
    if let Some(hc) = snap.health_check.as_mut() {
        hc.ip_address = Some("192.0.2.10".into());
    }
    for r in &mut snap.records {
        r.kind = "A".into();
    }
    snap.records[0].values = vec!["192.0.2.10".into()];
    snap.records[1].values = vec!["198.51.100.20".into()];
    assert_eq!(run(&s, &snap), vec![]);
    let mut v6 = record(FailoverRole::Primary);
    v6.kind = "AAAA".into();
    v6.set_identifier = Some("primary-v6".into());
    v6.values = vec!["2001:db8::10".into()];
    snap.records.push(v6.clone());
    let f = run(&s, &snap);
    assert_only(&f, Code::FailoverPairTypeMismatch, 1);
    assert_eq!(f[0].actual, "PRIMARY A+AAAA, SECONDARY A");
    assert_eq!(f[0].resource, "route53:zone/Z0123456789ABCDEFGHIJ/api.example.com");
    assert!(f[0].message.contains("AAAA only as PRIMARY"), "{}", f[0].message);
    // Dual stack on both sides is a pair per type.
    let mut v6s = record(FailoverRole::Secondary);
    v6s.kind = "AAAA".into();
    v6s.values = vec!["2001:db8::20".into()];
    snap.records.push(v6s);
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn alias_and_plain_records_are_an_asymmetric_pair_both_ways() {
    let mut snap = snapshot();
    as_alias(&mut snap.records[0], false);
    let f = run(&spec(), &snap);
    assert_only(&f, Code::FailoverPairAliasMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("an alias like the PRIMARY", "a plain record"));
    as_alias(secondary_mut(&mut snap), false);
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn the_failback_ttl_replaces_max_ttl_for_the_secondary_both_ways() {
    let mut s = spec();
    s.dns.failback_ttl_seconds = Some(300);
    let mut snap = snapshot();
    let f = run(&s, &snap);
    assert_only(&f, Code::SecondaryRecordTtlMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("300", "60"));
    assert!(f[0].message.contains("does not change the RTO"), "{}", f[0].message);
    secondary_mut(&mut snap).ttl = Some(300);
    assert_eq!(run(&s, &snap), vec![], "300 s is above maxTtlSeconds but is the declared failback TTL");
    // Without a failback TTL the SECONDARY is held to maxTtlSeconds as before.
    assert_only(&run(&spec(), &snap), Code::RecordTtlTooHigh, 1);
    // The PRIMARY stays bounded by maxTtlSeconds whatever the failback TTL.
    snap.records[0].ttl = Some(300);
    assert_only(&run(&s, &snap), Code::RecordTtlTooHigh, 1);
}
