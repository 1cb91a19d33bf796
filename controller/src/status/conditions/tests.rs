//! Each condition both ways, Ready's summary, and lastTransitionTime bookkeeping.
//!
//! The shared world and helpers live here, so every file of tests builds the same world ready to
//! fail over; the tests are grouped by theme in the submodules below.

use chrono::{DateTime, TimeZone, Utc};

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

mod each_condition;
mod proving_drill;
mod transition_time;
