//! lastTransitionTime bookkeeping: it moves with the status, never with the reason or message.

use chrono::Duration;

use super::*;

#[test]
fn last_transition_time_moves_only_when_status_changes() {
    let later = t0() + Duration::minutes(5);
    let first = good().build(&[], t0());
    // Same statuses, different messages (lag changed): times carried over.
    let mut w = good();
    if let Some(r) = w.replication.as_mut() {
        r.lag_seconds = Some(1.5);
    }
    let second = w.build(&first, later);
    assert!(second.iter().all(|c| c.last_transition_time == t0()), "{second:#?}");
    assert_ne!(
        find_condition(&first, ConditionType::ReplicationHealthy).map(|c| &c.message),
        find_condition(&second, ConditionType::ReplicationHealthy).map(|c| &c.message)
    );
    // InSync flips (and Ready with it): only those two move.
    w.findings = vec![finding("PitrDisabled", "dynamodb:us-west-2/profiles")];
    let third = w.build(&second, later);
    for c in &third {
        let moved = c.type_ == "InSync" || c.type_ == "Ready";
        assert_eq!(c.last_transition_time, if moved { later } else { t0() }, "{}", c.type_);
    }
    // Status changes move the time (Ready False → Unknown, InSync False → True).
    let even_later = later + Duration::minutes(5);
    w.findings.clear();
    w.health = None;
    let fourth = w.build(&third, even_later);
    let ready = find_condition(&fourth, ConditionType::Ready).expect("Ready");
    assert_eq!((ready.status, ready.last_transition_time), (Unknown, even_later));
    let in_sync = find_condition(&fourth, ConditionType::InSync).expect("InSync");
    assert_eq!((in_sync.status, in_sync.last_transition_time), (True, even_later));
    let mut w5 = good();
    w5.drill = Some(drill(DrillPhase::Succeeded, Some(10.0), Some(true)));
    let fifth = w5.build(&fourth, even_later + Duration::minutes(1));
    assert_eq!(find_condition(&fifth, ConditionType::DrillSucceeded).map(|c| c.last_transition_time), Some(t0()));
}

#[test]
fn a_new_reason_under_the_same_status_keeps_the_time() {
    let mut w = good();
    w.health = Some(HealthStatus {
        status: HealthState::Unhealthy,
        checkers_healthy: 0,
        checkers_reporting: 8,
        observed_at: t0(),
        source: crate::api::HealthSource::Checkers,
        checkers_observed_at: None,
    });
    let first = w.build(&[], t0());
    w.drill_in_progress = true;
    let second = w.build(&first, t0() + Duration::minutes(1));
    let c = find_condition(&second, ConditionType::PrimaryHealthy).expect("PrimaryHealthy");
    assert_eq!(
        (c.status, c.reason.as_str(), c.last_transition_time),
        (False, ConditionReason::DrillInProgress.as_str(), t0())
    );
}
