//! Each condition both ways, Ready's summary, and lastTransitionTime bookkeeping.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::api::{
    ConditionStatus, DrillPhase, DrillRecord, DrillTrigger, Finding, HealthState, HealthStatus, Objectives,
    ReplicaState, ReplicationStatus,
};
use crate::status::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 7, 3, 0, 0).single().expect("valid time")
}

/// Owned data behind a [`StatusInput`] that describes a world ready to fail over.
struct World {
    findings: Vec<Finding>,
    health: Option<HealthStatus>,
    replication: Option<ReplicationStatus>,
    objectives: Objectives,
    predicted: u32,
    drill: Option<DrillRecord>,
    spec_error: Option<String>,
    aws_error: Option<crate::aws::AwsError>,
    drill_in_progress: bool,
}

fn good() -> World {
    World {
        findings: vec![],
        health: Some(HealthStatus {
            status: HealthState::Healthy,
            checkers_healthy: 15,
            checkers_reporting: 16,
            observed_at: t0(),
            source: crate::api::HealthSource::Checkers,
            checkers_observed_at: None,
        }),
        replication: Some(ReplicationStatus {
            replicas: vec![ReplicaState {
                region: "us-west-2".into(),
                status: "ACTIVE".into(),
                lag_seconds: Some(0.8),
                ..ReplicaState::default()
            }],
            lag_seconds: Some(0.8),
            probed_at: Some(t0()),
            ..ReplicationStatus::default()
        }),
        objectives: Objectives { rto_seconds: 300, rpo_seconds: 5, rpo_window_minutes: None },
        predicted: 120,
        drill: Some(drill(DrillPhase::Succeeded, Some(42.0), Some(true))),
        spec_error: None,
        aws_error: None,
        drill_in_progress: false,
    }
}

fn drill(phase: DrillPhase, rto: Option<f64>, passed: Option<bool>) -> DrillRecord {
    DrillRecord {
        name: "weekly".into(),
        trigger: DrillTrigger::Schedule,
        phase,
        reason: None,
        message: None,
        original: None,
        deadline: None,
        failsafe_schedule: None,
        started_at: t0(),
        injected_at: None,
        first_checker_failed_at: None,
        first_unhealthy_at: None,
        dns_failed_over_at: None,
        restored_at: None,
        dns_failed_back_at: None,
        finished_at: None,
        measured_rto_seconds: rto,
        failback_seconds: Some(35.0),
        objective_rto_seconds: Some(300),
        passed,
        holder: None,
        injected_version: None,
        restore_failures: None,
        servers: Vec::new(),
        all_servers_failed_over_at: None,
        all_servers_failed_back_at: None,
        post_failover_validation: None,
        preflight: Vec::new(),
        waterfall: Vec::new(),
    }
}

fn finding(code: &str, resource: &str) -> Finding {
    Finding {
        code: code.into(),
        resource: resource.into(),
        field: "f".into(),
        expected: "e".into(),
        actual: "a".into(),
        message: "m".into(),
    }
}

impl World {
    fn build(&self, previous: &[crate::api::Condition], now: DateTime<Utc>) -> Vec<crate::api::Condition> {
        let input = StatusInput {
            spec_error: self.spec_error.as_deref(),
            aws_error: self.aws_error.as_ref(),
            check_inverted: false,
            check_disabled: false,
            findings: &self.findings,
            health: self.health.as_ref(),
            replication: self.replication.as_ref(),
            objectives: &self.objectives,
            predicted_rto_seconds: self.predicted,
            last_drill: self.drill.as_ref(),
            drill_in_progress: self.drill_in_progress,
            metrics_error: None,
            primary_region: "us-east-1",
            remote_loss: None,
        };
        conditions(&input, previous, now, Some(7))
    }

    /// (status, reason, message) of one condition.
    fn get(&self, type_: ConditionType) -> (ConditionStatus, String, String) {
        let all = self.build(&[], t0());
        let c = find_condition(&all, type_).expect("every condition is present");
        (c.status, c.reason.clone(), c.message.clone())
    }
}

use ConditionStatus::{False, True, Unknown};

#[test]
fn all_good_is_ready_with_six_conditions_in_order() {
    let all = good().build(&[], t0());
    let types: Vec<&str> = all.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, ConditionType::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    for c in &all {
        assert_eq!((c.status, c.observed_generation, c.last_transition_time), (True, Some(7), t0()), "{c:?}");
        assert!(!c.message.is_empty() && !c.reason.is_empty());
    }
    assert_eq!(good().get(ConditionType::Ready).1, ConditionReason::FailoverReady.as_str());
}

#[test]
fn in_sync_lists_the_codes() {
    assert_eq!(good().get(ConditionType::InSync).1, ConditionReason::NoDrift.as_str());
    let mut w = good();
    w.findings = vec![finding("HealthCheckThresholdMismatch", "a"), finding("PitrDisabled", "b")];
    let (s, r, m) = w.get(ConditionType::InSync);
    assert_eq!((s, r.as_str()), (False, ConditionReason::DriftDetected.as_str()));
    assert_eq!(m, "2 differences from the spec: HealthCheckThresholdMismatch, PitrDisabled (see status.drift)");
    w.findings.push(finding("PitrDisabled", "c"));
    assert_eq!(
        w.get(ConditionType::InSync).2,
        "3 differences from the spec: HealthCheckThresholdMismatch, PitrDisabled (2) (see status.drift)"
    );
    w.findings.truncate(1);
    assert!(w.get(ConditionType::InSync).2.starts_with("1 difference from the spec:"));
    let (s, r, m) = w.get(ConditionType::Ready);
    assert_eq!((s, r.as_str()), (False, ConditionReason::DriftDetected.as_str()));
    assert!(m.starts_with("InSync is False: 1 difference"), "{m}");
}

#[test]
fn primary_healthy_both_ways() {
    let (s, r, m) = good().get(ConditionType::PrimaryHealthy);
    assert_eq!((s, r.as_str()), (True, ConditionReason::HealthCheckHealthy.as_str()));
    assert!(m.starts_with("15 of 16"), "{m}");
    let mut w = good();
    w.health = Some(HealthStatus {
        status: HealthState::Unhealthy,
        checkers_healthy: 1,
        checkers_reporting: 8,
        observed_at: t0(),
        source: crate::api::HealthSource::Checkers,
        checkers_observed_at: None,
    });
    assert_eq!(w.get(ConditionType::PrimaryHealthy).0, False);
    assert_eq!(w.get(ConditionType::PrimaryHealthy).1, ConditionReason::HealthCheckUnhealthy.as_str());
    assert_eq!(w.get(ConditionType::Ready).1, ConditionReason::HealthCheckUnhealthy.as_str());
    w.drill_in_progress = true;
    assert_eq!(w.get(ConditionType::PrimaryHealthy).1, ConditionReason::DrillInProgress.as_str());
    w.health = Some(HealthStatus {
        status: HealthState::Unknown,
        checkers_healthy: 0,
        checkers_reporting: 0,
        observed_at: t0(),
        source: crate::api::HealthSource::Checkers,
        checkers_observed_at: None,
    });
    assert_eq!(w.get(ConditionType::PrimaryHealthy).0, Unknown);
    w.health = None;
    assert_eq!(w.get(ConditionType::PrimaryHealthy).1, ConditionReason::HealthUnknown.as_str());
    let (s, r, _) = w.get(ConditionType::Ready);
    assert_eq!((s, r.as_str()), (Unknown, ConditionReason::HealthUnknown.as_str()));
}

#[test]
fn replication_healthy_both_ways() {
    assert_eq!(good().get(ConditionType::ReplicationHealthy).1, ConditionReason::ReplicasActive.as_str());
    let mut w = good();
    if let Some(r) = w.replication.as_mut() {
        r.replicas[0].status = "CREATING".into();
    }
    let (s, r, m) = w.get(ConditionType::ReplicationHealthy);
    assert_eq!((s, r.as_str()), (False, ConditionReason::ReplicaNotActive.as_str()));
    assert!(m.contains("us-west-2 (CREATING)"), "{m}");
    let mut w = good();
    if let Some(r) = w.replication.as_mut() {
        r.replicas[0].lag_seconds = Some(7.25);
    }
    let (s, r, m) = w.get(ConditionType::ReplicationHealthy);
    assert_eq!((s, r.as_str()), (False, ConditionReason::LagAboveObjective.as_str()));
    assert!(m.contains("7.2 s") || m.contains("7.3 s"), "{m}");
    // Lag exactly at the objective is within it; unmeasured lag does not fail.
    let mut w = good();
    if let Some(r) = w.replication.as_mut() {
        r.lag_seconds = Some(5.0);
        r.replicas[0].lag_seconds = None;
    }
    assert_eq!(w.get(ConditionType::ReplicationHealthy).0, True);
    if let Some(r) = w.replication.as_mut() {
        r.lag_seconds = None;
    }
    assert!(w.get(ConditionType::ReplicationHealthy).2.contains("not measured"));
    if let Some(r) = w.replication.as_mut() {
        r.replicas.clear();
    }
    assert_eq!(w.get(ConditionType::ReplicationHealthy).1, ConditionReason::NoReplicas.as_str());
    w.replication = None;
    assert_eq!(w.get(ConditionType::ReplicationHealthy).0, Unknown);
}

#[test]
fn within_objective_both_ways() {
    let (s, _, m) = good().get(ConditionType::WithinObjective);
    assert_eq!(s, True);
    assert!(m.contains("120 s") && m.contains("42.0 s"), "{m}");
    let mut w = good();
    w.predicted = 301;
    assert_eq!(w.get(ConditionType::WithinObjective).1, ConditionReason::PredictedRtoAboveObjective.as_str());
    w.predicted = 300;
    assert_eq!(w.get(ConditionType::WithinObjective).0, True, "equal to the objective is within it");
    w.drill = Some(drill(DrillPhase::Succeeded, Some(300.5), Some(false)));
    assert_eq!(w.get(ConditionType::WithinObjective).1, ConditionReason::MeasuredRtoAboveObjective.as_str());
    w.drill = None;
    let (s, _, m) = w.get(ConditionType::WithinObjective);
    assert_eq!(s, True);
    assert!(m.contains("no drill"), "{m}");
    // The RPO too: a lag above it fails WithinObjective, and the message says it is the RPO.
    let mut w = good();
    if let Some(r) = w.replication.as_mut() {
        r.replicas[0].lag_seconds = Some(7.5);
    }
    let (s, r, m) = w.get(ConditionType::WithinObjective);
    assert_eq!((s, r.as_str()), (False, ConditionReason::LagAboveObjective.as_str()));
    assert!(m.starts_with("RPO:") && m.contains("7.5 s"), "{m}");
    w.predicted = 301;
    let (_, r, m) = w.get(ConditionType::WithinObjective);
    assert_eq!(r, ConditionReason::PredictedRtoAboveObjective.as_str(), "the first miss names the reason");
    assert!(m.contains("RTO:") && m.contains("RPO:"), "both named: {m}");
}

#[test]
fn drill_succeeded_both_ways() {
    let (s, r, m) = good().get(ConditionType::DrillSucceeded);
    assert_eq!((s, r.as_str()), (True, ConditionReason::DrillSucceeded.as_str()));
    assert_eq!(m, "Drill weekly failed over in 42.0 s and back in 35.0 s.");
    let mut w = good();
    w.drill = None;
    assert_eq!(w.get(ConditionType::DrillSucceeded).1, ConditionReason::NoDrillYet.as_str());
    assert_eq!(w.get(ConditionType::Ready).0, True, "no drill yet does not block Ready");
    let mut failed = drill(DrillPhase::Failed, None, Some(false));
    failed.reason = Some("FailoverTimeout".into());
    failed.message = Some("DNS still answered with the primary at the deadline".into());
    w.drill = Some(failed);
    let (s, r, m) = w.get(ConditionType::DrillSucceeded);
    assert_eq!((s, r.as_str()), (False, ConditionReason::DrillFailed.as_str()));
    assert!(m.contains("FailoverTimeout: DNS still answered"), "{m}");
    assert_eq!(w.get(ConditionType::Ready).1, ConditionReason::DrillFailed.as_str());
    w.drill = Some(drill(DrillPhase::Succeeded, Some(250.0), Some(false)));
    assert_eq!(w.get(ConditionType::DrillSucceeded).1, ConditionReason::DrillMissedObjective.as_str());
    w.drill = Some(drill(DrillPhase::Aborted, None, None));
    assert_eq!(w.get(ConditionType::DrillSucceeded).0, Unknown);
    assert_eq!(w.get(ConditionType::DrillSucceeded).1, ConditionReason::DrillAborted.as_str());
    assert_eq!(w.get(ConditionType::Ready).0, True, "an aborted drill proves nothing either way");
    w.drill = Some(drill(DrillPhase::AwaitingFailover, None, None));
    assert_eq!(w.get(ConditionType::DrillSucceeded).1, ConditionReason::DrillNotFinished.as_str());
}

#[test]
fn aws_unreachable_makes_aws_conditions_unknown() {
    let mut w = good();
    w.aws_error = Some(crate::aws::AwsError::new(
        crate::aws::Service::Route53,
        "GetHostedZone",
        crate::aws::ErrorKind::Unreachable,
        "dispatch failure: connection refused",
    ));
    for t in [ConditionType::InSync, ConditionType::PrimaryHealthy, ConditionType::ReplicationHealthy] {
        let (s, r, m) = w.get(t);
        assert_eq!((s, r.as_str()), (Unknown, ConditionReason::AwsUnreachable.as_str()), "{t}");
        assert!(m.contains("connection refused"), "{m}");
    }
    assert_eq!(w.get(ConditionType::WithinObjective).0, True, "the prediction needs only the spec");
    let (s, r, _) = w.get(ConditionType::Ready);
    assert_eq!((s, r.as_str()), (Unknown, ConditionReason::AwsUnreachable.as_str()));
}

#[test]
fn invalid_spec_makes_ready_false() {
    let mut w = good();
    w.spec_error = Some("primary.region and secondary.region must differ".into());
    let (s, r, m) = w.get(ConditionType::Ready);
    assert_eq!((s, r.as_str()), (False, ConditionReason::InvalidSpec.as_str()));
    assert!(m.contains("must differ"));
    for t in [
        ConditionType::InSync,
        ConditionType::PrimaryHealthy,
        ConditionType::ReplicationHealthy,
        ConditionType::WithinObjective,
    ] {
        assert_eq!(w.get(t).1, ConditionReason::InvalidSpec.as_str(), "{t}");
    }
}

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

#[test]
fn a_refusal_that_touched_nothing_leaves_the_drill_before_it_standing() {
    let at = |minutes: i64, mut r: DrillRecord| {
        r.started_at = t0() + Duration::minutes(minutes);
        r.finished_at = Some(r.started_at + Duration::seconds(30));
        r
    };
    let refused = |minutes: i64, reason: &str| {
        let mut r = at(minutes, drill(DrillPhase::Failed, None, None));
        r.reason = Some(reason.into());
        r
    };
    let proved = at(0, drill(DrillPhase::Succeeded, Some(42.0), Some(true)));
    for reason in ["DrillAlreadyRunning", "OtherRegionUnreachable", "Suspended", "DrillsStopped"] {
        let status = crate::api::DrillStatus {
            last: Some(refused(10, reason)),
            history: vec![refused(10, reason), proved.clone()],
            ..Default::default()
        };
        assert_eq!(conditions::proving_drill(Some(&status)), Some(&proved), "{reason} proves nothing");
    }
    // A refusal that says the failover is in doubt counts, and so does a drill that injected.
    for reason in ["PrimaryUnhealthy", "DriftDetected", "PreflightUnreadable"] {
        let status = crate::api::DrillStatus {
            last: Some(refused(10, reason)),
            history: vec![refused(10, reason), proved.clone()],
            ..Default::default()
        };
        assert_eq!(conditions::proving_drill(Some(&status)).and_then(|r| r.reason.as_deref()), Some(reason));
    }
    let mut injected = refused(10, "DrillAlreadyRunning");
    injected.injected_at = Some(injected.started_at);
    let status = crate::api::DrillStatus {
        last: Some(injected.clone()),
        history: vec![injected.clone(), proved],
        ..Default::default()
    };
    assert_eq!(conditions::proving_drill(Some(&status)), Some(&injected));
    assert_eq!(conditions::proving_drill(None), None);
}
