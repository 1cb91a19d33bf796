//! Condition transitions → events.

use chrono::{TimeZone, Utc};

use crate::api::{Condition, ConditionStatus};
use crate::status::*;

fn cond(type_: &str, status: ConditionStatus, reason: &str, message: &str) -> Condition {
    Condition {
        type_: type_.into(),
        status,
        observed_generation: Some(1),
        last_transition_time: Utc.with_ymd_and_hms(2025, 1, 7, 3, 0, 0).single().expect("valid time"),
        reason: reason.into(),
        message: message.into(),
    }
}

fn set(in_sync: ConditionStatus, primary: ConditionStatus, replication: ConditionStatus) -> Vec<Condition> {
    vec![
        cond("Ready", ConditionStatus::Unknown, "X", "x"),
        cond("InSync", in_sync, "R", "1 difference from the spec: PitrDisabled (see status.drift)"),
        cond("PrimaryHealthy", primary, "R", "Only 1 of 8 checkers see the primary healthy"),
        cond("ReplicationHealthy", replication, "R", "Not every replica is ACTIVE: us-west-2 (CREATING)"),
    ]
}

fn reasons(t: &[Transition]) -> Vec<(&str, EventType)> {
    t.iter().map(|x| (x.reason.as_str(), x.type_)).collect()
}

use ConditionStatus::{False, True, Unknown};

#[test]
fn going_bad_warns_with_the_condition_message() {
    let t = transitions(&set(True, True, True), &set(False, False, False));
    assert_eq!(
        reasons(&t),
        [
            ("DriftDetected", EventType::Warning),
            ("PrimaryUnhealthy", EventType::Warning),
            ("ReplicaDegraded", EventType::Warning)
        ]
    );
    assert_eq!(t[0].note, "1 difference from the spec: PitrDisabled (see status.drift)");
    assert_eq!(t[0].action, "Verify");
}

#[test]
fn recovering_is_normal() {
    let t = transitions(&set(False, False, False), &set(True, True, True));
    assert_eq!(
        reasons(&t),
        [
            ("DriftResolved", EventType::Normal),
            ("PrimaryRecovered", EventType::Normal),
            ("ReplicaRecovered", EventType::Normal)
        ]
    );
    assert!(t.iter().all(|x| !x.note.is_empty()));
}

#[test]
fn no_change_no_event() {
    assert_eq!(transitions(&set(True, True, True), &set(True, True, True)), vec![]);
    assert_eq!(transitions(&set(False, False, False), &set(False, False, False)), vec![]);
}

#[test]
fn unknown_is_silent_but_a_first_problem_is_announced() {
    assert_eq!(transitions(&set(True, True, True), &set(Unknown, Unknown, Unknown)), vec![]);
    assert_eq!(transitions(&set(False, False, False), &set(Unknown, Unknown, Unknown)), vec![]);
    assert_eq!(transitions(&set(Unknown, Unknown, Unknown), &set(True, True, True)), vec![]);
    assert_eq!(transitions(&[], &set(True, True, True)), vec![]);
    let t = transitions(&[], &set(False, True, True));
    assert_eq!(reasons(&t), [("DriftDetected", EventType::Warning)]);
}

#[test]
fn our_drill_taking_the_primary_down_is_normal() {
    let mut next = set(True, False, True);
    next[2].reason = ConditionReason::DrillInProgress.as_str().into();
    let t = transitions(&set(True, True, True), &next);
    assert_eq!(reasons(&t), [("PrimaryUnhealthy", EventType::Normal)]);
}

#[test]
fn notes_fit_the_api_limit() {
    let mut next = set(False, True, True);
    next[1].message = "é".repeat(2000);
    let t = transitions(&set(True, True, True), &next);
    assert!(t[0].note.len() <= MAX_NOTE_BYTES && t[0].note.ends_with('…'), "{}", t[0].note.len());
}
