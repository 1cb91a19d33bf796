//! CALCULATED and CLOUDWATCH_METRIC checks: each code both ways, and no endpoint findings for them.

use crate::api::{AlarmSpec, HealthCheckType, InsufficientDataHealthStatus, RegionalFailoverSpec};
use crate::verify::fixtures::{HC_ID, assert_absent, assert_only, codes, health_check, run, snapshot, spec};
use crate::verify::*;

fn child(id: &str) -> HealthCheckObserved {
    HealthCheckObserved { id: id.into(), ..health_check() }
}

/// A spec and an in-sync snapshot whose primary check is CALCULATED, 2 of children a, b, c.
pub(crate) fn calculated_world() -> (RegionalFailoverSpec, AwsSnapshot) {
    let mut s = spec();
    s.health_check.kind = HealthCheckType::Calculated;
    s.health_check.child_health_checks = vec!["c".into(), "a".into(), "b".into()];
    s.health_check.health_threshold = Some(2);
    let mut snap = snapshot();
    snap.health_check = Some(HealthCheckObserved {
        id: HC_ID.into(),
        kind: "CALCULATED".into(),
        fqdn: None,
        ip_address: None,
        port: None,
        resource_path: None,
        request_interval: None,
        failure_threshold: None,
        regions: vec![],
        child_health_checks: vec!["a".into(), "b".into(), "c".into()],
        health_threshold: Some(2),
        ..health_check()
    });
    snap.related_health_checks = ["a", "b", "c"].iter().map(|id| (id.to_string(), Some(child(id)))).collect();
    (s, snap)
}

/// A spec and an in-sync snapshot whose primary check follows the alarm `us-east-1/deep-canary`.
pub(crate) fn alarm_world() -> (RegionalFailoverSpec, AwsSnapshot) {
    let mut s = spec();
    s.health_check.kind = HealthCheckType::CloudWatchMetric;
    s.health_check.alarm = Some(AlarmSpec { name: "deep-canary".into(), region: "us-east-1".into() });
    s.health_check.insufficient_data_health_status = Some(InsufficientDataHealthStatus::Unhealthy);
    let alarm = AlarmRef { region: "us-east-1".into(), name: "deep-canary".into() };
    let mut snap = snapshot();
    snap.health_check = Some(HealthCheckObserved {
        kind: "CLOUDWATCH_METRIC".into(),
        fqdn: None,
        port: None,
        resource_path: None,
        request_interval: None,
        failure_threshold: None,
        regions: vec![],
        alarm: Some(alarm.clone()),
        insufficient_data_health_status: Some("Unhealthy".into()),
        ..health_check()
    });
    let observed = AlarmObserved {
        region: alarm.region.clone(),
        name: alarm.name.clone(),
        state: "OK".into(),
        period: Some(60),
        evaluation_periods: Some(3),
        datapoints_to_alarm: None,
    };
    snap.alarms = vec![(alarm, Some(observed))];
    (s, snap)
}

fn edit(snap: &mut AwsSnapshot, f: impl FnOnce(&mut HealthCheckObserved)) {
    if let Some(hc) = snap.health_check.as_mut() {
        f(hc);
    }
}

#[test]
fn matching_calculated_and_alarm_checks_have_no_endpoint_findings() {
    let (s, snap) = calculated_world();
    assert_eq!(run(&s, &snap), vec![], "no port, path, interval, threshold or target findings");
    let (s, snap) = alarm_world();
    assert_eq!(run(&s, &snap), vec![]);
    // Another kind than declared is one type finding, not a cascade.
    let (s, _) = calculated_world();
    let f = run(&s, &snapshot());
    assert_only(&f, Code::HealthCheckTypeMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("CALCULATED", "HTTPS"));
    let (_, snap) = alarm_world();
    assert_only(&run(&spec(), &snap), Code::HealthCheckTypeMismatch, 1);
}

#[test]
fn children_mismatch_both_ways() {
    let (s, mut snap) = calculated_world();
    edit(&mut snap, |hc| hc.child_health_checks = vec!["a".into(), "b".into(), "d".into()]);
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckChildrenMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("a,b,c", "a,b,d"));
    edit(&mut snap, |hc| hc.child_health_checks = vec!["b".into(), "c".into(), "a".into()]);
    assert_eq!(run(&s, &snap), vec![], "order does not matter");
}

#[test]
fn health_threshold_mismatch_both_ways_with_its_consequence() {
    let (s, mut snap) = calculated_world();
    edit(&mut snap, |hc| hc.health_threshold = Some(1));
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckHealthThresholdMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("2", "1"));
    edit(&mut snap, |hc| hc.health_threshold = Some(4));
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckHealthThresholdMismatch, 1);
    assert!(f[0].message.contains("unhealthy forever"), "{}", f[0].message);
    edit(&mut snap, |hc| hc.health_threshold = Some(0));
    let f = run(&s, &snap);
    assert_eq!(codes(&f), ["CalculatedCheckCannotFail", "HealthCheckHealthThresholdMismatch"]);
    assert!(f[1].message.contains("healthy forever, so failover can never happen"), "{}", f[1].message);
    edit(&mut snap, |hc| hc.health_threshold = Some(2));
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn a_calculated_check_that_cannot_fail_both_ways() {
    let (s, mut snap) = calculated_world();
    // 2 of 3 needed; with 2 children disabled (healthy forever) it never drops below 2.
    for (id, hc) in &mut snap.related_health_checks {
        if let Some(hc) = hc.as_mut() {
            hc.disabled = id == "a";
            hc.inverted = id == "b";
        }
    }
    let f = run(&s, &snap);
    assert_only(&f, Code::CalculatedCheckCannotFail, 1);
    assert!(f[0].actual.contains("a (disabled), b (inverted)"), "{}", f[0].actual);
    assert_eq!(Code::CalculatedCheckCannotFail.impact(), Impact::FailoverImpossible);
    // One stuck child of three leaves enough that can fail.
    if let Some(hc) = snap.related_health_checks[1].1.as_mut() {
        hc.inverted = false;
    }
    assert_absent(&run(&s, &snap), Code::CalculatedCheckCannotFail);
    // Unknown children: nothing can be told.
    snap.related_health_checks.clear();
    assert_absent(&run(&s, &snap), Code::CalculatedCheckCannotFail);
}

#[test]
fn alarm_mismatch_both_ways() {
    let (s, mut snap) = alarm_world();
    edit(&mut snap, |hc| hc.alarm = Some(AlarmRef { region: "us-west-2".into(), name: "deep-canary".into() }));
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckAlarmMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("us-east-1/deep-canary", "us-west-2/deep-canary"));
    edit(&mut snap, |hc| hc.alarm = Some(AlarmRef { region: "us-east-1".into(), name: "deep-canary".into() }));
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn insufficient_data_mismatch_both_ways() {
    let (s, mut snap) = alarm_world();
    edit(&mut snap, |hc| hc.insufficient_data_health_status = None);
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckInsufficientDataMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("Unhealthy", "LastKnownStatus"), "Route 53's default");
    edit(&mut snap, |hc| hc.insufficient_data_health_status = Some("Unhealthy".into()));
    assert_eq!(run(&s, &snap), vec![]);
    // Undeclared in the spec: not compared.
    let mut undeclared = s.clone();
    undeclared.health_check.insufficient_data_health_status = None;
    edit(&mut snap, |hc| hc.insufficient_data_health_status = Some("Healthy".into()));
    assert_eq!(run(&undeclared, &snap), vec![]);
}

#[test]
fn a_missing_alarm_both_ways() {
    let (s, mut snap) = alarm_world();
    snap.alarms[0].1 = None;
    let f = run(&s, &snap);
    assert_only(&f, Code::HealthCheckAlarmMissing, 1);
    assert!(f[0].message.contains("unhealthy forever"), "{}", f[0].message);
    snap.alarms.clear();
    assert_eq!(run(&s, &snap), vec![], "an alarm not read is not a missing alarm");
}
