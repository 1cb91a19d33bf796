use super::*;
use HealthState::{Healthy, Unhealthy, Unknown};

#[test]
fn calculated_counts_children_against_the_threshold() {
    assert_eq!(calculated_verdict(2, &[Healthy, Healthy, Unhealthy]), Healthy);
    assert_eq!(calculated_verdict(2, &[Healthy, Unhealthy, Unhealthy]), Unhealthy);
    assert_eq!(calculated_verdict(2, &[Healthy, Unknown, Unhealthy]), Unknown, "the unknown child decides");
    assert_eq!(calculated_verdict(1, &[Healthy, Unknown]), Healthy, "enough known healthy children");
    assert_eq!(calculated_verdict(3, &[Healthy, Unknown]), Unhealthy, "cannot reach 3 of 2");
    assert_eq!(calculated_verdict(0, &[]), Healthy, "Route 53: a threshold of 0 is always healthy");
}

#[test]
fn alarm_states_and_insufficient_data() {
    assert_eq!(alarm_state_verdict(Some("OK")), Healthy);
    assert_eq!(alarm_state_verdict(Some("ALARM")), Unhealthy);
    assert_eq!(alarm_state_verdict(Some("INSUFFICIENT_DATA")), Unknown);
    assert_eq!(alarm_state_verdict(None), Unknown);
    assert_eq!(alarm_check_verdict(Some("ALARM"), Some("Healthy")), Unhealthy);
    assert_eq!(alarm_check_verdict(Some("INSUFFICIENT_DATA"), Some("Healthy")), Healthy);
    assert_eq!(alarm_check_verdict(Some("INSUFFICIENT_DATA"), Some("Unhealthy")), Unhealthy);
    assert_eq!(alarm_check_verdict(None, Some("LastKnownStatus")), Unknown);
    assert_eq!(alarm_check_verdict(Some("INSUFFICIENT_DATA"), None), Unknown);
}
