use std::time::Duration;

use super::*;

const INTERVAL: Duration = Duration::from_secs(30);

#[test]
fn a_re_verification_steps_aside_while_objects_await_their_first() {
    assert!(steps_aside(true, 1, Duration::ZERO, INTERVAL));
    assert!(steps_aside(true, 337, Duration::from_secs(29), INTERVAL));
}

#[test]
fn nothing_steps_aside_when_every_object_was_verified() {
    assert!(!steps_aside(true, 0, Duration::ZERO, INTERVAL));
}

#[test]
fn nothing_steps_aside_while_a_slot_is_free() {
    assert!(!steps_aside(false, 337, Duration::ZERO, INTERVAL));
}

#[test]
fn an_object_overdue_by_a_whole_interval_goes_ahead_regardless() {
    assert!(!steps_aside(true, 5, INTERVAL, INTERVAL));
    assert!(!steps_aside(true, 5, Duration::from_secs(600), INTERVAL));
}
