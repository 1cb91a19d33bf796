//! Every transition of the drill machine, each way a step can refuse or abort, and restart in
//! every phase. Pure: no network.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::drill::evidence::{CheckState, CheckerVerdict, DnsView, HostFacts, ServerAnswer, SettingsFacts};

pub(super) fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).single().expect("valid time")
}

const HC: &str = "hc-1";

fn check(inverted: bool, version: i64) -> CheckState {
    CheckState { id: HC.into(), inverted, disabled: false, version: Some(version) }
}

fn original() -> OriginalHealthCheck {
    OriginalHealthCheck { id: HC.into(), inverted: false, disabled: false, version: Some(7) }
}

fn dns(at: i64, answers: &[Answer]) -> DnsView {
    let servers = answers
        .iter()
        .enumerate()
        .map(|(i, a)| ServerAnswer { server: format!("ns-{i}"), answer: Evidence::Read(*a) })
        .collect();
    DnsView { servers, answered_at: t(at) }
}

fn host() -> HostFacts {
    HostFacts { suspended: false, drills_stopped: None, failsafe_configured: true, abort: None, unreachable: None }
}

/// Everything preflight needs, all good.
fn preflight_obs(at: i64) -> Observation {
    Observation {
        dns: Some(dns(at, &[Answer::Primary, Answer::Primary])),
        health_check: Some(Evidence::Read(Some(check(false, 7)))),
        checkers: Some(Evidence::Read(CheckerVerdict::Healthy)),
        checkers_at: None,
        primary_probe: Some(Evidence::Read(())),
        secondary_probe: Some(Evidence::Read(())),
        settings: Some(Evidence::Read(SettingsFacts::default())),
        standby: crate::drill::evidence::Standby::NotConfigured,
        host: host(),
    }
}

/// A step while injected: only DNS read.
fn flying(at: i64, answers: &[Answer]) -> Observation {
    let mut o = Observation::host_only(host());
    o.dns = Some(dns(at, answers));
    o
}

fn new_drill() -> DrillRecord {
    start("weekly", DrillTrigger::Annotation, 600, 300, "tester", t(0))
}

/// Drives a new drill along the happy path until it reaches `phase`.
pub(super) fn drive_to(phase: DrillPhase) -> DrillRecord {
    let mut r = new_drill();
    for i in 1..30 {
        if r.phase == phase {
            return r;
        }
        let o = match r.phase {
            DrillPhase::Pending | DrillPhase::Injecting => {
                let mut o = preflight_obs(i);
                o.settings = None;
                o
            }
            DrillPhase::Preflight => preflight_obs(i),
            DrillPhase::AwaitingFailover => flying(i, &[Answer::Secondary, Answer::Secondary]),
            _ => flying(i, &[Answer::Primary, Answer::Primary]),
        };
        let s = step(&r, &o, t(i));
        r = s.record;
        for a in s.actions {
            r = on_result(r, &a, success(&a), t(i)).record;
        }
    }
    panic!("never reached {phase:?}: {r:?}")
}

/// What AWS answers when an action works.
fn success(a: &Action) -> ActionResult {
    match a {
        Action::Invert { .. } => ActionResult::Inverted { version: Some(8) },
        Action::Restore { .. } => ActionResult::Restored { note: None },
        _ => ActionResult::Done,
    }
}

#[test]
fn happy_path_locks_injects_conditionally_measures_and_releases() {
    let r = new_drill();
    assert_eq!((r.deadline, r.holder.as_deref()), (Some(t(600)), Some("tester")));
    let s = step(&r, &Observation::host_only(host()), t(1));
    assert_eq!((s.record.phase, s.actions.len()), (DrillPhase::Preflight, 0));

    let s = step(&s.record, &preflight_obs(2), t(2));
    assert_eq!(s.record.phase, DrillPhase::Injecting);
    assert_eq!(s.record.original, Some(original()), "original captured, with its version, before any change");
    assert_eq!(
        s.record.failsafe_schedule.as_deref(),
        Some("regionalfailover-hc-1"),
        "written before the lock is taken"
    );
    assert_eq!(s.actions, vec![Action::AcquireLock { at: t(600), original: original() }]);

    let s = step(&s.record, &preflight_obs(3), t(3));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert_eq!(s.record.injected_at, Some(t(3)));
    assert_eq!(s.actions, vec![Action::Invert { health_check_id: HC.into(), version: Some(7) }]);
    let r = on_result(s.record, &s.actions[0], ActionResult::Inverted { version: Some(8) }, t(3)).record;
    assert_eq!(r.injected_version, Some(8));

    // One server flips first: RTO measured from it, the drill waits for the other to agree.
    let s = step(&r, &flying(40, &[Answer::Secondary, Answer::Primary]), t(40));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert_eq!((s.record.dns_failed_over_at, s.record.measured_rto_seconds), (Some(t(40)), Some(37.0)));
    let s = step(&s.record, &flying(42, &[Answer::Secondary, Answer::Secondary]), t(42));
    assert_eq!(s.record.phase, DrillPhase::Restoring);
    let times: Vec<_> = s.record.servers.iter().map(|x| x.failed_over_at).collect();
    assert_eq!(times, [Some(t(40)), Some(t(42))]);

    let s = step(&s.record, &Observation::host_only(host()), t(43));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailback);
    assert_eq!(s.actions, vec![Action::Restore { original: original(), injected_version: Some(8) }]);
    assert_eq!(s.record.restored_at, Some(t(43)));

    let s = step(&s.record, &flying(50, &[Answer::Primary, Answer::Secondary]), t(50));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailback, "failback needs every server");
    let s = step(&s.record, &flying(55, &[Answer::Primary, Answer::Primary]), t(55));
    assert_eq!(s.record.phase, DrillPhase::Succeeded);
    assert_eq!((s.record.failback_seconds, s.record.passed), (Some(12.0), Some(true)));
    assert_eq!(s.record.reason.as_deref(), Some("WithinObjective"));
    assert_eq!(s.actions, vec![Action::ReleaseLock]);
}

#[test]
fn a_slow_failover_succeeds_but_misses_the_objective() {
    let mut r = start("weekly", DrillTrigger::Schedule, 600, 30, "tester", t(0));
    r = drive_from(r, DrillPhase::AwaitingFailover);
    r = step(&r, &flying(100, &[Answer::Secondary]), t(100)).record;
    r = step(&r, &Observation::host_only(host()), t(101)).record;
    let s = step(&r, &flying(120, &[Answer::Primary]), t(120));
    assert_eq!(s.record.phase, DrillPhase::Succeeded, "DNS did fail over: failover is proven");
    assert_eq!(s.record.passed, Some(false));
    assert_eq!(s.record.reason.as_deref(), Some("RtoAboveObjective"));
}

fn drive_from(mut r: DrillRecord, phase: DrillPhase) -> DrillRecord {
    for i in 1..10 {
        if r.phase == phase {
            break;
        }
        let o = if r.phase == DrillPhase::Pending { Observation::host_only(host()) } else { preflight_obs(i) };
        let s = step(&r, &o, t(i));
        r = s.record;
        for a in s.actions {
            r = on_result(r, &a, success(&a), t(i)).record;
        }
    }
    r
}

#[test]
fn the_injection_waits_for_dns_and_the_version_read_right_before() {
    let r = drive_to(DrillPhase::Injecting);
    type Mutation = Box<dyn Fn(&mut Observation)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("PrimaryUnhealthy", Box::new(|o| o.dns = Some(dns(5, &[Answer::Secondary, Answer::Primary])))),
        ("PrimaryUnhealthy", Box::new(|o| o.dns = Some(DnsView::unreadable("timeout", t(5))))),
        ("HealthCheckChangedByOthers", Box::new(|o| o.health_check = Some(Evidence::Read(Some(check(false, 9)))))),
        ("HealthCheckChangedByOthers", Box::new(|o| o.health_check = Some(Evidence::Read(Some(check(true, 7)))))),
        ("PreflightUnreadable", Box::new(|o| o.health_check = Some(Evidence::unreadable("Throttling")))),
        ("Suspended", Box::new(|o| o.host.suspended = true)),
        ("DrillsStopped", Box::new(|o| o.host.drills_stopped = Some(Evidence::Read("stop".into())))),
        ("OperatorStopping", Box::new(|o| o.host.abort = Some(AbortCause::OperatorStopping))),
    ];
    for (reason, mutate) in cases {
        let mut o = preflight_obs(5);
        mutate(&mut o);
        let s = step(&r, &o, t(5));
        assert_eq!(s.record.phase, DrillPhase::Aborted, "{reason}");
        assert_eq!(s.record.reason.as_deref(), Some(reason));
        assert_eq!(s.actions, vec![Action::ReleaseLock], "{reason}: the lock is released, nothing inverted");
        assert!(s.record.injected_at.is_none());
    }
}

#[test]
fn every_in_flight_guard_restores_at_once() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    type Mutation = Box<dyn Fn(&mut Observation)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("PrimaryFailedDuringDrill", Box::new(|o| o.checkers = Some(Evidence::Read(CheckerVerdict::Unhealthy)))),
        ("PrimaryFailedDuringDrill", Box::new(|o| o.primary_probe = Some(Evidence::unreadable("connection refused")))),
        ("EvidenceUnreadable", Box::new(|o| o.checkers = Some(Evidence::unreadable("Throttling")))),
        ("SecondaryStoppedAnswering", Box::new(|o| o.secondary_probe = Some(Evidence::unreadable("HTTP 503")))),
        ("HealthCheckChangedByOthers", Box::new(|o| o.health_check = Some(Evidence::Read(Some(check(true, 9)))))),
        ("HealthCheckChangedByOthers", Box::new(|o| o.health_check = Some(Evidence::Read(Some(check(false, 9)))))),
        ("HealthCheckChangedByOthers", Box::new(|o| o.health_check = Some(Evidence::Read(None)))),
        ("EvidenceUnreadable", Box::new(|o| o.health_check = Some(Evidence::unreadable("timeout")))),
        ("DnsAnswerUnexpected", Box::new(|o| o.dns = Some(dns(9, &[Answer::Other, Answer::Primary])))),
        ("Suspended", Box::new(|o| o.host.suspended = true)),
        ("DrillsStopped", Box::new(|o| o.host.drills_stopped = Some(Evidence::Read("incident".into())))),
        ("DrillsStopped", Box::new(|o| o.host.drills_stopped = Some(Evidence::unreadable("API down")))),
        ("OperatorStopping", Box::new(|o| o.host.abort = Some(AbortCause::OperatorStopping))),
        ("ObjectDeleted", Box::new(|o| o.host.abort = Some(AbortCause::Deleted))),
        ("Interrupted", Box::new(|o| o.host.abort = Some(AbortCause::Interrupted))),
    ];
    for (reason, mutate) in cases {
        let mut o = flying(9, &[Answer::Primary, Answer::Primary]);
        mutate(&mut o);
        let s = step(&r, &o, t(9));
        assert_eq!(s.record.phase, DrillPhase::Restoring, "{reason}");
        assert_eq!(s.record.reason.as_deref(), Some(reason));
        // The next step restores; DNS back on the primary ends the drill Aborted, lock released.
        let s = step(&s.record, &Observation::host_only(host()), t(10));
        assert!(matches!(s.actions[..], [Action::Restore { .. }]), "{reason}");
        let s = step(&s.record, &flying(11, &[Answer::Primary, Answer::Primary]), t(11));
        assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Aborted, Some(reason)));
        assert_eq!(s.actions, vec![Action::ReleaseLock]);
    }
}

#[test]
fn an_expected_read_back_and_a_healthy_checker_keep_the_drill_going() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let mut o = flying(9, &[Answer::Primary, Answer::Primary]);
    o.health_check = Some(Evidence::Read(Some(check(true, 8))));
    o.checkers = Some(Evidence::Read(CheckerVerdict::Healthy));
    o.primary_probe = Some(Evidence::Read(()));
    o.secondary_probe = Some(Evidence::Read(()));
    let s = step(&r, &o, t(9));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    assert_eq!(s.record.first_unhealthy_at, Some(t(9)), "an inverted check of a healthy endpoint reads unhealthy");
}

#[test]
fn dns_silence_is_tolerated_briefly_then_aborts() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let injected = r.injected_at.expect("injected");
    let quiet = |at: DateTime<Utc>| {
        let mut o = Observation::host_only(host());
        o.dns = Some(DnsView::unreadable("timeout", at));
        o
    };
    let at = injected + chrono::Duration::seconds(DNS_BLIND_SECONDS - 1);
    assert_eq!(step(&r, &quiet(at), at).record.phase, DrillPhase::AwaitingFailover);
    let at = injected + chrono::Duration::seconds(DNS_BLIND_SECONDS);
    let s = step(&r, &quiet(at), at);
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Restoring, Some("DnsUnreadable")));
}

#[test]
fn the_drill_restores_before_its_deadline_and_the_fail_safe() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let margin = 600 - DEADLINE_MARGIN_SECONDS;
    let s = step(&r, &flying(margin - 1, &[Answer::Primary]), t(margin - 1));
    assert_eq!(s.record.phase, DrillPhase::AwaitingFailover);
    let s = step(&r, &flying(margin, &[Answer::Primary]), t(margin));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Restoring, Some("FailoverTimeout")));
    let s = step(&s.record, &Observation::host_only(host()), t(margin + 1));
    let s = step(&s.record, &flying(margin + 2, &[Answer::Primary]), t(margin + 2));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Failed, Some("FailoverTimeout")));
    assert_eq!(s.record.measured_rto_seconds, None);
}

#[test]
fn failback_timeout_fails_with_the_check_already_restored() {
    let r = drive_to(DrillPhase::AwaitingFailback);
    let late = 600 + FAILBACK_GRACE_SECONDS;
    assert_eq!(
        step(&r, &flying(late - 1, &[Answer::Secondary]), t(late - 1)).record.phase,
        DrillPhase::AwaitingFailback
    );
    let s = step(&r, &flying(late, &[Answer::Secondary]), t(late));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Failed, Some("FailbackTimeout")));
    assert_eq!(s.actions, vec![Action::ReleaseLock]);
}

#[test]
fn action_results_lead_to_restores_or_ends_that_changed_nothing() {
    let injecting = drive_to(DrillPhase::Injecting);
    let lock = Action::AcquireLock { at: t(600), original: original() };
    let s =
        on_result(injecting.clone(), &lock, ActionResult::Conflict { holder: Some("operator b for x/y".into()) }, t(4));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Failed, Some("DrillAlreadyRunning")));
    assert!(s.record.message.as_deref().is_some_and(|m| m.contains("operator b for x/y")), "the holder is named");
    assert!(s.actions.is_empty() && s.record.failsafe_schedule.is_none(), "someone else's lock is never released");
    let s = on_result(injecting, &lock, ActionResult::Failed(ReadError::Other("AccessDenied".into())), t(4));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Failed, Some("FailsafeNotCreated")));

    let flying_r = drive_to(DrillPhase::AwaitingFailover);
    let invert = Action::Invert { health_check_id: HC.into(), version: Some(7) };
    let s = on_result(flying_r.clone(), &invert, ActionResult::NotSent("DNS moved".into()), t(4));
    assert_eq!((s.record.phase, s.actions.clone()), (DrillPhase::Aborted, vec![Action::ReleaseLock]));
    let s = on_result(flying_r.clone(), &invert, ActionResult::VersionMismatch("changed".into()), t(4));
    assert_eq!(s.record.reason.as_deref(), Some("HealthCheckChangedByOthers"));
    assert_eq!(s.record.phase, DrillPhase::Aborted);
    let s = on_result(flying_r, &invert, ActionResult::Failed(ReadError::Other("timeout".into())), t(4));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Restoring, Some("InjectFailed")));

    let back = drive_to(DrillPhase::AwaitingFailback);
    let restore = Action::Restore { original: original(), injected_version: Some(8) };
    let s = on_result(back, &restore, ActionResult::Failed(ReadError::Other("Throttling".into())), t(50));
    assert_eq!((s.record.phase, s.record.restore_failures), (DrillPhase::Restoring, Some(1)));
    let again = on_result(s.record, &restore, ActionResult::Failed(ReadError::Other("Throttling".into())), t(51));
    assert_eq!(again.record.restore_failures, Some(2));
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
        if may_be_injected(phase) || phase == DrillPhase::AwaitingFailback {
            assert_eq!(
                (s.record.phase, s.record.reason.as_deref()),
                (DrillPhase::Restoring, Some("OperatorRestarted"))
            );
            let s2 = step(&s.record, &Observation::host_only(host()), t(201));
            assert!(matches!(s2.actions[..], [Action::Restore { .. }]), "{phase:?}");
            let s3 = step(&s2.record, &flying(202, &[Answer::Primary, Answer::Primary]), t(202));
            assert_eq!(s3.record.phase, DrillPhase::Aborted, "{phase:?}");
        } else {
            assert_eq!(s.record.phase, DrillPhase::Aborted, "{phase:?}");
            let lock_taken = phase == DrillPhase::Injecting;
            assert_eq!(s.actions == vec![Action::ReleaseLock], lock_taken, "{phase:?}");
        }
        assert!(!s.actions.iter().any(|a| matches!(a, Action::Invert { .. } | Action::AcquireLock { .. })));
    }
}

#[test]
fn terminal_records_never_change() {
    for phase in [DrillPhase::Succeeded, DrillPhase::Failed, DrillPhase::Aborted] {
        let mut r = new_drill();
        r.phase = phase;
        let s = step(&r, &flying(5, &[Answer::Secondary]), t(5));
        assert_eq!(s.record, r);
        assert!(s.actions.is_empty());
        assert_eq!(resume_after_restart(&r, t(5)).record, r);
    }
}

#[test]
fn a_deleted_object_stops_waiting_for_failback() {
    let r = drive_to(DrillPhase::AwaitingFailback);
    let mut o = flying(60, &[Answer::Secondary]);
    o.host.abort = Some(AbortCause::Deleted);
    let s = step(&r, &o, t(60));
    assert_eq!((s.record.phase, s.record.reason.as_deref()), (DrillPhase::Aborted, Some("ObjectDeleted")));
    assert_eq!(s.actions, vec![Action::ReleaseLock]);
    o.host.abort = Some(AbortCause::OperatorStopping);
    assert_eq!(step(&r, &o, t(60)).record.phase, DrillPhase::AwaitingFailback, "the next operator waits instead");
}

mod preflight;

#[test]
fn a_change_by_others_is_told_in_plain_versions() {
    let r = drive_to(DrillPhase::AwaitingFailover);
    let told = |c: CheckState| {
        let mut o = flying(9, &[Answer::Primary, Answer::Primary]);
        o.health_check = Some(Evidence::Read(Some(c)));
        step(&r, &o, t(9)).record.message.unwrap_or_default()
    };
    let moved = told(check(true, 9));
    assert!(moved.contains("(version 9, the drill's was 8)."), "{moved}");
    let put_back = told(check(false, 9));
    assert!(put_back.contains("it is not inverted any more (version 9)."), "{put_back}");
}
