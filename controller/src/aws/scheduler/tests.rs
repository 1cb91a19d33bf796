use super::*;
use chrono::TimeZone;

fn schedule() -> FailsafeSchedule {
    FailsafeSchedule {
        name: "rf-default-api-weekly".into(),
        group: "default".into(),
        description: "holder".into(),
        at: Utc.with_ymd_and_hms(2025, 3, 4, 3, 10, 0).single().expect("valid time"),
        role_arn: "arn:aws:iam::123456789012:role/failsafe".into(),
        health_check_id: "hc-1".into(),
        inverted: false,
    }
}

#[test]
fn expression_is_a_one_time_utc_timestamp() {
    assert_eq!(schedule().expression(), "at(2025-03-04T03:10:00)");
}

#[test]
fn input_sets_only_id_and_inverted() {
    let v: serde_json::Value = serde_json::from_str(&schedule().input()).expect("valid JSON");
    assert_eq!(v, serde_json::json!({"HealthCheckId": "hc-1", "Inverted": false}));
}

#[test]
fn client_token_is_stable_and_within_limits() {
    let mut s = schedule();
    s.name = "x".repeat(100) + "#!";
    let token = s.client_token();
    assert_eq!(token, s.client_token());
    assert!(token.len() <= 64 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let mut other = s.clone();
    other.description = "another holder".into();
    assert_ne!(other.client_token(), token, "another holder must conflict, not join");
}
