//! Each condition both ways, and what an invalid spec or unreachable AWS makes of them.

use super::*;

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
