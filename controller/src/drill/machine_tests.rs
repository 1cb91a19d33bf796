use chrono::{DateTime, Duration, TimeZone, Utc};

use super::machine::*;
use crate::api::{DrillPhase, DrillRecord, DrillTrigger, OriginalHealthCheck};

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).single().expect("valid time")
}

fn hc(inverted: bool) -> OriginalHealthCheck {
    OriginalHealthCheck { id: "hc-1".into(), inverted, disabled: false }
}

fn good_preflight() -> Preflight {
    Preflight {
        primary_healthy: true,
        secondary_answers: true,
        replicas_not_active: vec![],
        drift_codes: vec![],
        other_drill_running: false,
        suspended: false,
    }
}

fn obs(dns: DnsAnswer) -> Observation {
    Observation {
        health_check: Some(hc(false)),
        primary_unhealthy: false,
        dns,
        preflight: Some(good_preflight()),
        abort: None,
    }
}

fn new_drill() -> DrillRecord {
    start("weekly", DrillTrigger::Annotation, 600, 300, t(0))
}

/// Drives a drill to the given phase along the happy path.
fn drive_to(phase: DrillPhase) -> DrillRecord {
    let mut r = new_drill();
    let mut now = 0;
    while r.phase != phase {
        now += 1;
        let dns = match r.phase {
            DrillPhase::AwaitingFailover => DnsAnswer::Secondary,
            _ => DnsAnswer::Primary,
        };
        r = step(&r, &obs(dns), t(now)).record;
        assert!(now < 20, "never reached {phase:?}");
    }
    r
}

#[test]
fn happy_path_measures_rto_and_failback() {
    let r = new_drill();
    assert_eq!(r.deadline, Some(t(600)));
    let s = step(&r, &obs(DnsAnswer::Primary), t(1));
    assert_eq!(s.record.phase, DrillPhase::Preflight);
    assert!(s.actions.is_empty());

    let s = step(&s.record, &obs(DnsAnswer::Primary), t(2));
    assert_eq!(s.record.phase, DrillPhase::Injecting);
    assert_eq!(s.record.original, Some(hc(false)), "original captured before any change");
    assert_eq!(s.actions, vec![Action::CreateFailsafe { at: t(600), original: hc(false) }]);

    let s = step(&s.record, &obs(DnsAnswer::Primary), t(3));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert_eq!(s.record.injected_at, Some(t(3)));
    assert_eq!(s.actions, vec![Action::Invert { health_check_id: "hc-1".into() }]);

    let mut unhealthy = obs(DnsAnswer::Primary);
    unhealthy.primary_unhealthy = true;
    let s = step(&s.record, &unhealthy, t(30));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert_eq!(s.record.first_unhealthy_at, Some(t(30)));

    let s = step(&s.record, &obs(DnsAnswer::Secondary), t(43));
    assert_eq!(s.record.phase, DrillPhase::Restoring);
    assert_eq!(s.record.dns_failed_over_at, Some(t(43)));
    assert_eq!(s.record.measured_rto_seconds, Some(40.0));

    let s = step(&s.record, &obs(DnsAnswer::Secondary), t(44));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailback);
    assert_eq!(s.actions, vec![Action::Restore { original: hc(false) }]);
    assert_eq!(s.record.restored_at, Some(t(44)));

    let mut r = s.record;
    r.failsafe_schedule = Some("regionalfailover-x".into());
    let s = step(&r, &obs(DnsAnswer::Primary), t(60));
    assert_eq!(s.record.phase, DrillPhase::Succeeded);
    assert_eq!(s.record.failback_seconds, Some(16.0));
    assert_eq!(s.record.passed, Some(true));
    assert_eq!(s.record.finished_at, Some(t(60)));
    assert_eq!(s.actions, vec![Action::DeleteFailsafe]);
}

#[test]
fn rto_above_objective_fails_after_restoring() {
    let mut r = start("weekly", DrillTrigger::Schedule, 600, 30, t(0));
    for (i, dns) in [DnsAnswer::Primary, DnsAnswer::Primary, DnsAnswer::Primary].into_iter().enumerate() {
        r = step(&r, &obs(dns), t(i as i64)).record;
    }
    assert_eq!(r.phase, DrillPhase::AwaitingFailover);
    r = step(&r, &obs(DnsAnswer::Secondary), t(100)).record;
    r = step(&r, &obs(DnsAnswer::Secondary), t(101)).record;
    let s = step(&r, &obs(DnsAnswer::Primary), t(120));
    assert_eq!(s.record.phase, DrillPhase::Failed);
    assert_eq!(s.record.reason.as_deref(), Some("RtoAboveObjective"));
    assert_eq!(s.record.passed, Some(false));
}

#[test]
fn each_preflight_refusal_fails_without_actions() {
    type Mutation = Box<dyn Fn(&mut Preflight)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("PrimaryUnhealthy", Box::new(|p| p.primary_healthy = false)),
        ("SecondaryNotAnswering", Box::new(|p| p.secondary_answers = false)),
        ("ReplicaNotActive", Box::new(|p| p.replicas_not_active = vec!["us-west-2".into()])),
        ("DriftDetected", Box::new(|p| p.drift_codes = vec!["PitrDisabled".into()])),
        ("DrillAlreadyRunning", Box::new(|p| p.other_drill_running = true)),
        ("Suspended", Box::new(|p| p.suspended = true)),
    ];
    for (reason, mutate) in cases {
        let r = drive_to(DrillPhase::Preflight);
        let mut o = obs(DnsAnswer::Primary);
        let mut p = good_preflight();
        mutate(&mut p);
        o.preflight = Some(p);
        let s = step(&r, &o, t(10));
        assert_eq!(s.record.phase, DrillPhase::Failed, "{reason}");
        assert_eq!(s.record.reason.as_deref(), Some(reason));
        assert!(s.actions.is_empty(), "{reason}: refused drills change nothing");
        assert!(s.record.message.as_deref().is_some_and(|m| m.ends_with('.')));
    }
}

#[test]
fn preflight_refuses_an_already_inverted_check() {
    let r = drive_to(DrillPhase::Preflight);
    let mut o = obs(DnsAnswer::Primary);
    o.health_check = Some(hc(true));
    let s = step(&r, &o, t(10));
    assert_eq!(s.record.reason.as_deref(), Some("HealthCheckNotNormal"));
    o.health_check = None;
    assert_eq!(step(&r, &o, t(10)).record.reason.as_deref(), Some("HealthCheckUnreadable"));
}

#[test]
fn preflight_waits_for_its_observation() {
    let r = drive_to(DrillPhase::Preflight);
    let mut o = obs(DnsAnswer::Primary);
    o.preflight = None;
    let s = step(&r, &o, t(10));
    assert_eq!(s.record.phase, DrillPhase::Preflight);
}

#[test]
fn failover_timeout_restores_then_fails() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let s = step(&r, &obs(DnsAnswer::Primary), t(599));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    let s = step(&r, &obs(DnsAnswer::Primary), t(600));
    assert_eq!(s.record.phase, DrillPhase::Restoring);
    assert_eq!(s.record.reason.as_deref(), Some("FailoverTimeout"));
    let s = step(&s.record, &obs(DnsAnswer::Primary), t(601));
    assert_eq!(s.actions, vec![Action::Restore { original: hc(false) }]);
    let s = step(&s.record, &obs(DnsAnswer::Primary), t(602));
    assert_eq!(s.record.phase, DrillPhase::Failed);
    assert_eq!(s.record.reason.as_deref(), Some("FailoverTimeout"));
    assert_eq!(s.record.measured_rto_seconds, None);
}

#[test]
fn failback_timeout_fails_with_check_already_restored() {
    let r = drive_to(DrillPhase::AwaitingFailback);
    let s = step(&r, &obs(DnsAnswer::Secondary), t(600 + FAILBACK_GRACE_SECONDS - 1));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailback);
    let s = step(&r, &obs(DnsAnswer::Secondary), t(600 + FAILBACK_GRACE_SECONDS));
    assert_eq!(s.record.phase, DrillPhase::Failed);
    assert_eq!(s.record.reason.as_deref(), Some("FailbackTimeout"));
    assert!(!s.actions.iter().any(|a| matches!(a, Action::Invert { .. })));
}

#[test]
fn abort_in_each_phase_restores_when_needed() {
    for cause in [AbortCause::Suspended, AbortCause::Deleted, AbortCause::Interrupted, AbortCause::OperatorStopping] {
        for phase in [
            DrillPhase::Pending,
            DrillPhase::Preflight,
            DrillPhase::Injecting,
            DrillPhase::AwaitingFailover,
            DrillPhase::Restoring,
            DrillPhase::AwaitingFailback,
        ] {
            let mut r = drive_to(phase);
            let mut restored = false;
            for i in 0..5 {
                let mut o = obs(DnsAnswer::Primary);
                o.abort = Some(cause);
                let s = step(&r, &o, t(100 + i));
                assert!(
                    !s.actions.iter().any(|a| matches!(a, Action::Invert { .. } | Action::CreateFailsafe { .. })),
                    "{phase:?}"
                );
                restored |= s.actions.iter().any(|a| matches!(a, Action::Restore { .. }));
                r = s.record;
            }
            assert_eq!(r.phase, DrillPhase::Aborted, "{cause:?} in {phase:?}");
            let needs_restore =
                matches!(phase, DrillPhase::Injecting | DrillPhase::AwaitingFailover | DrillPhase::Restoring);
            assert_eq!(restored, needs_restore, "{cause:?} in {phase:?}");
        }
    }
}

#[test]
fn restart_in_each_phase_restores_before_anything_else() {
    for phase in [
        DrillPhase::Pending,
        DrillPhase::Preflight,
        DrillPhase::Injecting,
        DrillPhase::AwaitingFailover,
        DrillPhase::Restoring,
        DrillPhase::AwaitingFailback,
    ] {
        let r = drive_to(phase);
        let s = resume_after_restart(&r, t(200));
        let injected = phase != DrillPhase::Pending && phase != DrillPhase::Preflight;
        if injected {
            assert_eq!(s.record.phase, DrillPhase::Restoring, "{phase:?}");
            assert_eq!(s.record.reason.as_deref(), Some("OperatorRestarted"));
            // The very next step restores; then DNS returning ends the drill Aborted.
            let s2 = step(&s.record, &obs(DnsAnswer::Secondary), t(201));
            assert_eq!(s2.actions, vec![Action::Restore { original: hc(false) }], "{phase:?}");
            let s3 = step(&s2.record, &obs(DnsAnswer::Primary), t(202));
            assert_eq!(s3.record.phase, DrillPhase::Aborted, "{phase:?}");
        } else {
            assert_eq!(s.record.phase, DrillPhase::Aborted, "{phase:?}");
            assert!(s.actions.iter().all(|a| *a == Action::DeleteFailsafe));
        }
    }
}

#[test]
fn terminal_records_never_change() {
    for phase in [DrillPhase::Succeeded, DrillPhase::Failed, DrillPhase::Aborted] {
        let mut r = new_drill();
        r.phase = phase;
        let s = step(&r, &obs(DnsAnswer::Secondary), t(5));
        assert_eq!(s.record, r);
        assert!(s.actions.is_empty());
        assert_eq!(resume_after_restart(&r, t(5)).record, r);
    }
}

#[test]
fn dns_unknown_keeps_waiting_until_deadline() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let s = step(&r, &obs(DnsAnswer::Unknown), t(300));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert!(s.record.deadline.is_some_and(|d| d - t(0) == Duration::seconds(600)));
}
