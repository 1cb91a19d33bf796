use chrono::TimeZone;

use super::*;
use crate::api::{DrillTrigger, ServerTimeline, ValidationResult};
use crate::drill::machine;

fn t(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_800_000_000_000 + ms).single().expect("time")
}

fn predicted() -> PredictedStages {
    PredictedStages {
        first_checker: 10,
        detection: 30,
        failback_detection: 30,
        propagation: 30,
        ttl: 60,
        failback_ttl: 300,
    }
}

#[test]
fn stages_are_measured_from_the_injection_and_the_restore_next_to_the_prediction() {
    let mut r = machine::start("weekly", DrillTrigger::Cli, 600, 300, "me", t(0));
    r.injected_at = Some(t(1_000));
    r.first_checker_failed_at = Some(t(2_000));
    r.first_unhealthy_at = Some(t(2_000));
    r.dns_failed_over_at = Some(t(4_000));
    r.all_servers_failed_over_at = Some(t(4_500));
    r.post_failover_validation = Some(ValidationResult {
        url: "https://api.example.com:443/".into(),
        target: "standby".into(),
        status_code: Some(200),
        latency_ms: Some(12),
        ok: true,
        error: None,
        at: t(4_600),
    });
    r.restored_at = Some(t(5_000));
    r.servers = vec![
        ServerTimeline { server: "a".into(), failed_over_at: Some(t(4_000)), failed_back_at: Some(t(7_000)) },
        ServerTimeline { server: "b".into(), failed_over_at: Some(t(4_500)), failed_back_at: Some(t(8_000)) },
    ];
    r.all_servers_failed_back_at = Some(t(8_000));
    let w = build(&r, &predicted());
    let names: Vec<&str> = w.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(names, STAGES, "every stage is present and in order");
    let get = |n: &str| w.iter().find(|s| s.stage == n).expect(n).clone();
    assert_eq!((get("Route53Unhealthy").seconds, get("Route53Unhealthy").predicted_seconds), (Some(1.0), Some(30.0)));
    assert_eq!(get("FirstCheckerFailed").predicted_seconds, Some(10.0), "one request interval");
    assert_eq!((get("FirstServerFailedOver").seconds, get("AllServersFailedOver").seconds), (Some(3.0), Some(3.5)));
    assert_eq!(get("StandbyServing").seconds, Some(3.6));
    assert_eq!(
        (get("ClientsFailedOver").seconds, get("ClientsFailedOver").predicted_seconds),
        (Some(63.5), Some(120.0))
    );
    assert_eq!((get("FirstServerFailedBack").seconds, get("AllServersFailedBack").seconds), (Some(2.0), Some(3.0)));
    assert_eq!(get("ClientsFailedBack").predicted_seconds, Some(360.0));
    let mut last = None;
    for s in w.iter().take(7) {
        assert!(s.at >= last, "failover stages are ordered: {w:?}");
        last = s.at;
    }
}

#[test]
fn a_standby_that_did_not_serve_and_stages_never_reached_are_left_out() {
    let mut r = machine::start("weekly", DrillTrigger::Cli, 600, 300, "me", t(0));
    r.injected_at = Some(t(1_000));
    r.restored_at = Some(t(9_000));
    r.post_failover_validation = Some(ValidationResult {
        url: "u".into(),
        target: "t".into(),
        status_code: Some(503),
        latency_ms: Some(5),
        ok: false,
        error: Some("HTTP 503, expected 200".into()),
        at: t(5_000),
    });
    let names: Vec<String> = build(&r, &predicted()).into_iter().map(|s| s.stage).collect();
    assert_eq!(names, ["Injected", "Restored"]);
}
