//! Detection times and predicted RTO/failback from the real settings of each kind of check.

use super::*;
use crate::verify::fixtures::{snapshot, spec};
use crate::verify::healthcheck_kinds::tests::{alarm_world, calculated_world};
use crate::verify::{PROPAGATION_ALLOWANCE_SECONDS as P, predicted_failback_seconds, predicted_rto_seconds};

fn child_timing(snap: &mut AwsSnapshot, id: &str, interval: u32, threshold: u32) {
    if let Some((_, Some(hc))) = snap.related_health_checks.iter_mut().find(|(i, _)| i == id) {
        hc.request_interval = Some(interval);
        hc.failure_threshold = Some(threshold);
    }
}

#[test]
fn endpoint_checks_use_their_observed_interval_and_threshold() {
    let mut snap = snapshot();
    assert_eq!(predicted_rto_seconds(&spec(), Some(&snap)), 30 + P + 60);
    if let Some(hc) = snap.health_check.as_mut() {
        hc.request_interval = Some(30);
        hc.failure_threshold = None;
    }
    assert_eq!(predicted_rto_seconds(&spec(), Some(&snap)), 30 * 3 + P + 60, "Route 53's default threshold");
    assert_eq!(predicted_rto_seconds(&spec(), None), 30 + P + 60, "the spec without a snapshot");
}

#[test]
fn a_calculated_check_flips_with_the_child_that_crosses_the_threshold() {
    let (s, mut snap) = calculated_world();
    // 2 of 3 healthy needed: it fails once 2 children failed, recovers once 2 are back.
    child_timing(&mut snap, "a", 10, 1);
    child_timing(&mut snap, "b", 30, 3);
    child_timing(&mut snap, "c", 30, 10);
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Fail), Some(90));
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Recover), Some(90));
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 90 + P + 60);
    // 1 of 3: all three must fail, so the slowest child decides failover; one back is enough.
    if let Some(hc) = snap.health_check.as_mut() {
        hc.health_threshold = Some(1);
    }
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Fail), Some(300));
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Recover), Some(10));
    // A disabled child never fails: the two others must both fail (threshold 1 of 3 → 3 must fail → impossible).
    if let Some((_, Some(a))) = snap.related_health_checks.iter_mut().find(|(i, _)| i == "a") {
        a.disabled = true;
    }
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Fail), None, "cannot fail");
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Recover), Some(0), "healthy at once");
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 30 + P + 60, "falls back to the spec's settings");
}

#[test]
fn unknown_children_fall_back_to_the_spec() {
    let (s, mut snap) = calculated_world();
    snap.related_health_checks.pop();
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Fail), None);
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 10 * 3 + P + 60);
}

#[test]
fn an_alarm_check_uses_the_alarm_s_period_times_evaluation_periods() {
    let (s, mut snap) = alarm_world();
    assert_eq!(detection_seconds(&snap, &s.health_check.id, Flip::Fail), Some(180));
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 180 + P + 60);
    snap.alarms[0].1 = None;
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 30 + P + 60, "no alarm: the spec's settings");
}

#[test]
fn failback_adds_the_secondary_s_ttl() {
    let mut s = spec();
    let snap = snapshot();
    assert_eq!(predicted_failback_seconds(&s, Some(&snap)), 30 + P + 60);
    s.dns.failback_ttl_seconds = Some(300);
    assert_eq!(predicted_failback_seconds(&s, Some(&snap)), 30 + P + 300);
    assert_eq!(predicted_rto_seconds(&s, Some(&snap)), 30 + P + 60, "the failback TTL does not change the RTO");
}
