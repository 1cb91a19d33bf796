//! Preflight: every refusal changes nothing, every check is recorded, and the standby's validation.

use super::*;

#[test]
fn every_refusal_in_preflight_changes_nothing() {
    let r = drive_to(DrillPhase::Preflight);
    type Mutation = Box<dyn Fn(&mut Observation)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("Suspended", Box::new(|o| o.host.suspended = true)),
        ("DrillsStopped", Box::new(|o| o.host.drills_stopped = Some(Evidence::Read("incident 42".into())))),
        ("PreflightUnreadable", Box::new(|o| o.host.drills_stopped = Some(Evidence::unreadable("API down")))),
        ("FailsafeNotConfigured", Box::new(|o| o.host.failsafe_configured = false)),
        ("PreflightUnreadable", Box::new(|o| o.health_check = Some(Evidence::unreadable("Throttling")))),
        ("HealthCheckMissing", Box::new(|o| o.health_check = Some(Evidence::Read(None)))),
        ("HealthCheckNotNormal", Box::new(|o| o.health_check = Some(Evidence::Read(Some(check(true, 7)))))),
        ("PreflightUnreadable", Box::new(|o| o.checkers = Some(Evidence::unreadable("Throttling")))),
        ("PreflightUnreadable", Box::new(|o| o.checkers = Some(Evidence::Read(CheckerVerdict::NoReports)))),
        ("PreflightUnreadable", Box::new(|o| o.checkers = None)),
        ("PreflightUnreadable", Box::new(|o| o.dns = None)),
        ("PreflightUnreadable", Box::new(|o| o.dns = Some(DnsView::unreadable("timeout", t(2))))),
        (
            "PrimaryUnhealthy",
            Box::new(|o| {
                o.dns = Some(dns(2, &[Answer::Secondary, Answer::Secondary]));
                o.checkers = Some(Evidence::Read(CheckerVerdict::Unhealthy));
            }),
        ),
        ("ContradictoryEvidence", Box::new(|o| o.dns = Some(dns(2, &[Answer::Primary, Answer::Secondary])))),
        ("ContradictoryEvidence", Box::new(|o| o.checkers = Some(Evidence::Read(CheckerVerdict::Unhealthy)))),
        ("DnsAnswerUnexpected", Box::new(|o| o.dns = Some(dns(2, &[Answer::Primary, Answer::Other])))),
        ("PrimaryUnhealthy", Box::new(|o| o.primary_probe = Some(Evidence::unreadable("connection refused")))),
        ("SecondaryNotAnswering", Box::new(|o| o.secondary_probe = Some(Evidence::unreadable("HTTP 503")))),
        ("PreflightUnreadable", Box::new(|o| o.settings = Some(Evidence::unreadable("DescribeTable: HTTP 500")))),
        (
            "ReplicaNotActive",
            Box::new(|o| {
                o.settings = Some(Evidence::Read(SettingsFacts {
                    replicas_not_active: vec!["us-west-2".into()],
                    ..SettingsFacts::default()
                }))
            }),
        ),
        (
            "DriftDetected",
            Box::new(|o| {
                o.settings = Some(Evidence::Read(SettingsFacts {
                    drift_codes: vec!["PitrDisabled".into()],
                    ..SettingsFacts::default()
                }))
            }),
        ),
        (
            "ReplicationBehind",
            Box::new(|o| {
                o.settings = Some(Evidence::Read(SettingsFacts {
                    replication_behind: Some("Replication lag 9 s is above the 5 s objective.".into()),
                    ..SettingsFacts::default()
                }))
            }),
        ),
    ];
    for (i, (reason, mutate)) in cases.into_iter().enumerate() {
        let mut o = preflight_obs(2);
        mutate(&mut o);
        let s = step(&r, &o, t(2));
        assert_eq!(s.record.phase, DrillPhase::Failed, "case {i} {reason}: {:?}", s.record.message);
        assert_eq!(s.record.reason.as_deref(), Some(reason), "case {i}: {:?}", s.record.message);
        assert!(s.actions.is_empty(), "case {i} {reason}: a refusal changes nothing");
        assert!(s.record.injected_at.is_none() && s.record.failsafe_schedule.is_none());
        assert!(s.record.message.as_deref().is_some_and(|m| m.ends_with('.')), "{:?}", s.record.message);
    }
}

fn validation(ok: bool) -> crate::api::ValidationResult {
    crate::api::ValidationResult {
        url: "https://api.example.com:443/".into(),
        target: "standby".into(),
        status_code: Some(if ok { 200 } else { 503 }),
        latency_ms: Some(8),
        ok,
        error: (!ok).then(|| "HTTP 503, expected 200".into()),
        at: t(41),
    }
}

#[test]
fn the_standby_is_validated_before_the_restore_and_a_failing_one_fails_the_drill() {
    use crate::drill::evidence::Standby;
    let r = drive_to(DrillPhase::AwaitingFailover);
    let mut o = flying(40, &[Answer::Secondary, Answer::Secondary]);
    o.standby = Standby::Pending;
    let s = step(&r, &o, t(40));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover, "waits for the standby's answer");
    assert_eq!(s.record.all_servers_failed_over_at, Some(t(40)));

    o.standby = Standby::Done(validation(true));
    let ok = step(&s.record, &o, t(41));
    assert_eq!((ok.record.phase, ok.record.reason.as_deref()), (DrillPhase::Restoring, None));
    assert_eq!(ok.record.post_failover_validation.as_ref().map(|v| v.ok), Some(true));

    o.standby = Standby::Done(validation(false));
    let bad = step(&s.record, &o, t(41));
    assert_eq!((bad.record.phase, bad.record.reason.as_deref()), (DrillPhase::Restoring, Some("StandbyNotServing")));
    let bad = step(&bad.record, &Observation::host_only(host()), t(42));
    let end = step(&bad.record, &flying(50, &[Answer::Primary, Answer::Primary]), t(50));
    assert_eq!((end.record.phase, end.record.reason.as_deref()), (DrillPhase::Failed, Some("StandbyNotServing")));
    assert_eq!(end.record.passed, Some(false));
    assert!(end.record.measured_rto_seconds.is_some(), "DNS did fail over; the standby did not serve");
}

#[test]
fn preflight_records_every_check_even_after_the_first_refusal() {
    let r = drive_to(DrillPhase::Preflight);
    let mut o = preflight_obs(2);
    o.host.suspended = true;
    o.secondary_probe = Some(Evidence::unreadable("HTTP 503"));
    let s = step(&r, &o, t(2));
    assert_eq!(s.record.reason.as_deref(), Some("Suspended"), "the first refusal decides");
    let failed: Vec<&str> = s.record.preflight.iter().filter(|c| !c.passed).map(|c| c.check.as_str()).collect();
    assert_eq!(failed, ["NotSuspended", "SecondaryAnswers"]);
    assert!(s.record.preflight.len() >= 12, "{:?}", s.record.preflight);
    let go = step(&r, &preflight_obs(2), t(2));
    assert!(go.record.preflight.iter().all(|c| c.passed), "{:?}", go.record.preflight);
}
