use chrono::TimeZone;

use super::*;
use crate::api::RegionalFailoverSpec;

fn t(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_800_000_000_000 + ms).single().expect("time")
}

fn spec() -> RegionalFailoverSpec {
    crate::verify::fixtures::spec()
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

fn saw(server: &str, region: Option<&str>) -> ServerSaw {
    ServerSaw { server: server.into(), region: region.map(str::to_string) }
}

fn last(region: &str, ms: i64) -> LastAnswer {
    LastAnswer { region: region.into(), at: t(ms) }
}

#[test]
fn a_flip_to_the_secondary_is_recorded_announced_as_a_warning_and_timed_per_server() {
    let s = spec();
    let servers = [saw("ns-a", Some("us-west-2")), saw("ns-b", Some("us-east-1"))];
    let w = witness(
        &s,
        Some(&last("us-east-1", 0)),
        None,
        &Sighting { active: Some("us-west-2"), servers: &servers, at: t(5_000), vantage: None, foreign_drill: None },
        false,
        &predicted(),
    );
    assert_eq!(w.flipped_to.as_deref(), Some("us-west-2"));
    let ev = w.event.expect("an event");
    assert_eq!((ev.type_, ev.reason), (EventType::Warning, EventReason::FailoverObserved));
    assert!(ev.note.contains("us-west-2") && ev.note.contains("us-east-1"), "{}", ev.note);
    let r = w.record.expect("a record");
    assert_eq!(r.direction, FlipDirection::Failover);
    assert_eq!((r.from_region.as_deref(), r.to_region.as_str()), (Some("us-east-1"), "us-west-2"));
    assert_eq!((r.last_old_answer_at, r.observed_at), (Some(t(0)), t(5_000)));
    assert_eq!(r.servers.len(), 1, "only the server that answers with the secondary has a time");
    assert_eq!(r.servers[0].server, "ns-a");
    assert_eq!(r.all_servers_at, None, "ns-b still answers with the primary");
    assert!(converging(&r, t(6_000)));

    // The next look: ns-b has flipped too; every server agrees.
    let servers = [saw("ns-a", Some("us-west-2")), saw("ns-b", Some("us-west-2")), saw("ns-c", None)];
    let w2 = witness(
        &s,
        Some(&last("us-west-2", 5_000)),
        Some(&r),
        &Sighting { active: Some("us-west-2"), servers: &servers, at: t(6_000), vantage: None, foreign_drill: None },
        false,
        &predicted(),
    );
    assert_eq!(w2.event, None, "no second announcement");
    let r2 = w2.record.expect("updated");
    let b = r2.servers.iter().find(|x| x.server == "ns-b").expect("ns-b");
    assert_eq!(b.failed_over_at, Some(t(6_000)));
    assert_eq!(r2.servers[0].failed_over_at, Some(t(5_000)), "the first time is kept");
    assert_eq!(r2.all_servers_at, Some(t(6_000)), "a silent server neither blocks nor joins agreement");
    assert!(!converging(&r2, t(7_000)));
    let stages: Vec<&str> = r2.waterfall.iter().map(|w| w.stage.as_str()).collect();
    assert_eq!(stages, ["LastOldAnswer", "FirstServerFailedOver", "AllServersFailedOver", "ClientsFailedOver"]);
    let clients = r2.waterfall.last().expect("clients");
    assert_eq!(clients.seconds, Some(66.0), "all servers at 6 s + the 60 s TTL, from the last old answer");
    assert_eq!(clients.predicted_seconds, Some(90.0));
}

#[test]
fn nothing_new_changes_nothing_and_the_window_closes() {
    let s = spec();
    let servers = [saw("ns-a", Some("us-east-1"))];
    let sight =
        Sighting { active: Some("us-east-1"), servers: &servers, at: t(1_000), vantage: None, foreign_drill: None };
    assert_eq!(witness(&s, Some(&last("us-east-1", 0)), None, &sight, false, &predicted()), Witnessed::default());
    // No last answer (a restart): nothing to compare, nothing announced.
    assert_eq!(witness(&s, None, None, &sight, false, &predicted()), Witnessed::default());
    // No verdict this time.
    let silent = Sighting { active: None, servers: &[], at: t(1_000), vantage: None, foreign_drill: None };
    assert_eq!(witness(&s, Some(&last("us-west-2", 0)), None, &silent, false, &predicted()), Witnessed::default());

    let open = WitnessedFailover {
        direction: FlipDirection::Failover,
        from_region: Some("us-east-1".into()),
        to_region: "us-west-2".into(),
        last_old_answer_at: None,
        observed_at: t(0),
        servers: vec![],
        all_servers_at: None,
        post_failover_validation: None,
        waterfall: vec![],
    };
    assert!(converging(&open, t(CONVERGENCE_WINDOW_SECONDS * 1000 - 1)));
    assert!(!converging(&open, t(CONVERGENCE_WINDOW_SECONDS * 1000)));
}

#[test]
fn a_failback_and_a_drills_own_flip_are_normal_and_only_the_failback_is_recorded() {
    let s = spec();
    let servers = [saw("ns-a", Some("us-east-1"))];
    let back =
        Sighting { active: Some("us-east-1"), servers: &servers, at: t(9_000), vantage: None, foreign_drill: None };
    let w = witness(&s, Some(&last("us-west-2", 8_000)), None, &back, false, &predicted());
    let ev = w.event.expect("event");
    assert_eq!((ev.type_, ev.reason), (EventType::Normal, EventReason::FailbackObserved));
    let r = w.record.expect("record");
    assert_eq!(r.direction, FlipDirection::Failback);
    assert_eq!(r.servers[0].failed_back_at, Some(t(9_000)));
    assert_eq!(r.all_servers_at, Some(t(9_000)));
    let clients = r.waterfall.iter().find(|s| s.stage == "ClientsFailedBack").expect("clients");
    assert_eq!(clients.seconds, Some(301.0), "the failback TTL applies");

    let over = [saw("ns-a", Some("us-west-2"))];
    let drill =
        Sighting { active: Some("us-west-2"), servers: &over, at: t(1_000), vantage: None, foreign_drill: None };
    let w = witness(&s, Some(&last("us-east-1", 0)), None, &drill, true, &predicted());
    let ev = w.event.expect("event");
    assert_eq!((ev.type_, ev.reason), (EventType::Normal, EventReason::FailoverObserved));
    assert!(ev.note.contains("drill"), "{}", ev.note);
    assert_eq!(w.record, None, "the drill record keeps the drill's flip");

    // Another process's drill (its lock read on the flip): announced as that drill, not recorded
    // as a regional failover, and no Warning.
    let theirs = Sighting { foreign_drill: Some("us-west-2/op-us-west-2/pid-7"), ..drill };
    let w = witness(&s, Some(&last("us-east-1", 0)), None, &theirs, false, &predicted());
    let ev = w.event.expect("event");
    assert_eq!((ev.type_, ev.reason), (EventType::Normal, EventReason::FailoverObserved));
    assert!(ev.note.contains("another operator") && ev.note.contains("pid-7"), "{}", ev.note);
    assert_eq!(w.record, None, "not a regional failover");
}

#[test]
fn the_standby_is_asked_once_after_a_real_failover_and_its_answer_joins_the_waterfall() {
    let mut s = spec();
    let over = [saw("ns-a", Some("us-west-2"))];
    let sight =
        Sighting { active: Some("us-west-2"), servers: &over, at: t(2_000), vantage: None, foreign_drill: None };
    let mut r = witness(&s, Some(&last("us-east-1", 0)), None, &sight, false, &predicted()).record.expect("record");
    assert!(!validation_due(&s, &r, Some("us-west-2")), "nothing declared");
    s.post_failover_validation = Some(crate::api::PostFailoverValidation {
        path: "/healthz".into(),
        expect_status: 200,
        timeout_seconds: 5,
        max_latency_ms: None,
    });
    assert!(validation_due(&s, &r, Some("us-west-2")));
    assert!(!validation_due(&s, &r, Some("us-east-1")), "DNS moved back: the standby is not the one serving");
    let failed = ValidationResult {
        url: "https://api.example.com:443/healthz".into(),
        target: "standby".into(),
        status_code: Some(503),
        latency_ms: Some(4),
        ok: false,
        error: Some("HTTP 503, expected 200".into()),
        at: t(3_000),
    };
    let ev = validation_event(&failed);
    assert_eq!((ev.type_, ev.reason), (EventType::Warning, EventReason::StandbyNotServing));
    assert!(ev.note.contains("HTTP 503"), "{}", ev.note);
    attach_validation(&mut r, failed.clone(), &predicted());
    assert!(!validation_due(&s, &r, Some("us-west-2")), "asked once");
    assert!(!r.waterfall.iter().any(|w| w.stage == "StandbyServing"), "a failed request is no serving stage");
    let ok = ValidationResult { status_code: Some(200), ok: true, error: None, ..failed };
    assert_eq!(validation_event(&ok).reason, EventReason::StandbyServing);
    attach_validation(&mut r, ok, &predicted());
    let stage = r.waterfall.iter().find(|w| w.stage == "StandbyServing").expect("stage");
    assert_eq!(stage.seconds, Some(3.0));
}
