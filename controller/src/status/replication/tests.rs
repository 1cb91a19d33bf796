//! The replication judgement: window, thresholds, missing data, and the conversion countdown.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::{
    api::ConditionStatus,
    aws::{ErrorKind, Service},
    status::{
        events::EventType,
        reasons::{ConditionReason, EventReason},
    },
    verify::{LatencyPoint, fixtures},
};

const PRIMARY: &str = "us-east-1";
const REPLICA: &str = "us-west-2";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("a whole minute")
}

fn minute(n: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(n)
}

/// A five-minute read from `source` to `receiver`: (minute, max ms) samples and write minutes.
fn read(source: &str, receiver: &str, samples: &[(i64, f64)], writes: &[i64]) -> ReplicationMetrics {
    ReplicationMetrics {
        source_region: source.into(),
        table: "profiles".into(),
        period_seconds: 60,
        window_seconds: 300,
        start: minute(0),
        end: minute(5),
        latency: vec![(
            receiver.into(),
            samples
                .iter()
                .map(|&(m, max)| LatencyPoint { at: minute(m), average_ms: max / 2.0, maximum_ms: max })
                .collect(),
        )],
        writes: writes.iter().map(|&m| minute(m)).collect(),
    }
}

fn snapshot_with(metrics: Option<Result<Vec<ReplicationMetrics>, AwsError>>) -> AwsSnapshot {
    AwsSnapshot { replication_metrics: metrics, ..fixtures::snapshot() }
}

fn both_ways(out: &[(i64, f64)], writes: &[i64]) -> Option<Result<Vec<ReplicationMetrics>, AwsError>> {
    Some(Ok(vec![read(PRIMARY, REPLICA, out, writes), read(REPLICA, PRIMARY, &[], &[])]))
}

fn status(metrics: Option<Result<Vec<ReplicationMetrics>, AwsError>>) -> ReplicationStatus {
    replication_status(&fixtures::spec(), &snapshot_with(metrics), None, t0())
}

fn denied() -> AwsError {
    let mut e = AwsError::new(
        Service::CloudWatch,
        "GetMetricData",
        ErrorKind::AccessDenied,
        "User: x is not authorized to perform: cloudwatch:GetMetricData",
    );
    e.region = Some(PRIMARY.into());
    e
}

#[test]
fn the_window_gives_the_mean_of_averages_the_largest_maximum_and_its_length() {
    let w = latency_window(&read(PRIMARY, REPLICA, &[(1, 800.0), (3, 8000.0), (4, 400.0)], &[1, 3, 4]), REPLICA);
    assert_eq!(w.maximum, Some(8000.0));
    assert_eq!(w.average, Some((400.0 + 4000.0 + 200.0) / 3.0));
    assert_eq!(w.window_seconds, 300);
    assert!(!w.missing_while_writing);
    let other = latency_window(&read(PRIMARY, REPLICA, &[(1, 800.0)], &[]), "eu-west-1");
    assert_eq!((other.average, other.maximum, other.missing_while_writing), (None, None, false), "no such receiver");
}

#[test]
fn missing_data_is_told_apart_from_no_writes() {
    let idle = latency_window(&read(PRIMARY, REPLICA, &[], &[]), REPLICA);
    assert!(!idle.missing_while_writing, "nothing written, nothing to replicate");
    let held = latency_window(&read(PRIMARY, REPLICA, &[], &[2, 3, 4]), REPLICA);
    assert!(held.missing_while_writing, "written, but no sample arrived");
    // A write late in a minute has its sample in the next one: one period apart is normal.
    assert!(!latency_window(&read(PRIMARY, REPLICA, &[(3, 500.0)], &[1, 4]), REPLICA).missing_while_writing);
    // Writes two periods after the last sample: replication stopped part-way through the window.
    assert!(latency_window(&read(PRIMARY, REPLICA, &[(1, 500.0)], &[1, 2, 3]), REPLICA).missing_while_writing);
}

#[test]
fn lag_above_the_objective_is_behind_and_at_it_is_within() {
    let r = status(both_ways(&[(2, 8000.0)], &[2]));
    assert_eq!(r.lag_seconds, Some(8.0));
    assert_eq!(r.replicas[0].source, Some(ReplicationSource::CloudWatch));
    assert!(r.latency_read_at.is_some());
    match lag_verdict(PRIMARY, &r, 5, None) {
        LagVerdict::Behind { from, to, seconds, source, window_seconds } => {
            assert_eq!((from.as_str(), to.as_str(), seconds), (PRIMARY, REPLICA, 8.0));
            assert_eq!((source, window_seconds), (ReplicationSource::CloudWatch, Some(300)));
        }
        other => panic!("expected Behind: {other:?}"),
    }
    let at = status(both_ways(&[(2, 5000.0)], &[2]));
    assert!(matches!(lag_verdict(PRIMARY, &at, 5, None), LagVerdict::Within { seconds, .. } if seconds == 5.0));
}

#[test]
fn the_way_back_to_the_primary_is_judged_too() {
    let back =
        Some(Ok(vec![read(PRIMARY, REPLICA, &[(1, 300.0)], &[1]), read(REPLICA, PRIMARY, &[(2, 9000.0)], &[2])]));
    let r = status(back);
    assert!(
        matches!(lag_verdict(PRIMARY, &r, 5, None), LagVerdict::Behind { ref from, .. } if from == REPLICA),
        "{r:?}"
    );
    assert_eq!(r.replicas[0].latency_to_primary_ms.as_ref().and_then(|w| w.maximum), Some(9000.0));
}

#[test]
fn missing_while_writing_is_unknown_but_a_measured_breach_wins() {
    let held = status(both_ways(&[], &[1, 2, 3]));
    assert!(matches!(lag_verdict(PRIMARY, &held, 5, None), LagVerdict::Missing { .. }));
    let (s, reason, message) = condition(&held, PRIMARY, &fixtures::spec().objectives, None);
    assert_eq!((s, reason), (ConditionStatus::Unknown, ConditionReason::ReplicationMetricsMissing));
    assert!(message.contains("metrics missing while the table takes writes"), "{message}");
    assert!(message.contains("us-east-1 to us-west-2") && message.contains("the last 5 min"), "{message}");
    let reason = behind_reason(&lag_verdict(PRIMARY, &held, 5, None), 5).expect("a drill refuses");
    assert!(reason.contains("metrics missing while the table takes writes"), "{reason}");

    let mixed = Some(Ok(vec![read(PRIMARY, REPLICA, &[], &[1, 2]), read(REPLICA, PRIMARY, &[(1, 7000.0)], &[1])]));
    assert!(matches!(lag_verdict(PRIMARY, &status(mixed), 5, None), LagVerdict::Behind { .. }));
}

#[test]
fn no_writes_is_healthy_and_no_read_is_not_measured() {
    let idle = status(both_ways(&[], &[]));
    assert_eq!(lag_verdict(PRIMARY, &idle, 5, None), LagVerdict::Idle { window_seconds: 300 });
    assert_eq!(idle.lag_seconds, None);
    assert_eq!(behind_reason(&LagVerdict::Idle { window_seconds: 300 }, 5), None);
    let (s, _, message) = condition(&idle, PRIMARY, &fixtures::spec().objectives, None);
    assert_eq!(s, ConditionStatus::True);
    assert!(message.contains("no writes in the last 5 min"), "{message}");
    assert_eq!(lag_verdict(PRIMARY, &status(None), 5, None), LagVerdict::NotMeasured);
}

#[test]
fn an_unreadable_cloudwatch_is_unknown_keeps_the_last_figures_and_refuses_drills() {
    let first = status(both_ways(&[(2, 600.0)], &[2]));
    let snap = snapshot_with(Some(Err(denied())));
    let next = replication_status(&fixtures::spec(), &snap, Some(&first), t0() + Duration::minutes(1));
    assert_eq!(next.replicas[0].latency_ms, first.replicas[0].latency_ms, "last figures kept");
    assert_eq!(next.latency_read_at, first.latency_read_at, "their age shows");
    let e = metrics_error(&snap).expect("the error");
    let (s, reason, message) = condition(&next, PRIMARY, &fixtures::spec().objectives, Some(e));
    assert_eq!((s, reason), (ConditionStatus::Unknown, ConditionReason::AccessDenied));
    assert!(message.contains("cloudwatch:GetMetricData"), "{message}");
    let why = behind_reason(&lag_verdict(PRIMARY, &next, 5, Some(e)), 5).expect("refused");
    assert!(why.contains("could not be read"), "{why}");
}

#[test]
fn the_probe_still_counts_where_cloudwatch_says_nothing() {
    let mut r = status(both_ways(&[], &[]));
    r.replicas[0].lag_seconds = Some(7.5);
    assert!(matches!(
        lag_verdict(PRIMARY, &r, 5, None),
        LagVerdict::Behind { source: ReplicationSource::Probe, seconds, .. } if seconds == 7.5
    ));
    r.replicas[0].lag_seconds = Some(0.4);
    assert!(matches!(lag_verdict(PRIMARY, &r, 5, None), LagVerdict::Within { source: ReplicationSource::Probe, .. }));
}

#[test]
fn within_objective_names_the_rpo() {
    let objectives = fixtures::spec().objectives;
    let behind = status(both_ways(&[(2, 8000.0)], &[2]));
    let miss = rpo_part(Some(&behind), PRIMARY, &objectives, None).expect_err("above the RPO");
    assert!(miss.starts_with("RPO:") && miss.contains("8.0 s") && miss.contains("5 s objective"), "{miss}");
    let fine = rpo_part(Some(&status(both_ways(&[(2, 400.0)], &[2]))), PRIMARY, &objectives, None).expect("within");
    assert!(fine.contains("0.4 s"), "{fine}");
    let unknown = rpo_part(Some(&status(both_ways(&[], &[2, 3]))), PRIMARY, &objectives, None);
    assert!(unknown.is_ok_and(|m| m.contains("unknown")), "an unknown lag is ReplicationHealthy's to report");
}

#[test]
fn the_conversion_countdown_runs_from_dynamodbs_time_else_from_first_seen() {
    let seen = t0();
    let now = t0() + Duration::hours(3);
    let (at, left) = conversion("REPLICATION_NOT_AUTHORIZED", false, None, seen, now).expect("converts");
    assert_eq!((at, left), (t0() + Duration::hours(20), 17 * 3600));
    let since = t0() - Duration::hours(5);
    let (at, left) =
        conversion("INACCESSIBLE_ENCRYPTION_CREDENTIALS", false, Some(since), seen, now).expect("converts");
    assert_eq!((at, left), (t0() + Duration::hours(15), 12 * 3600), "DynamoDB's own clock wins");
    assert_eq!(conversion("REGION_DISABLED", false, None, seen, t0() + Duration::hours(21)).map(|c| c.1), Some(0));
    assert_eq!(conversion("REPLICATION_NOT_AUTHORIZED", true, None, seen, now), None, "MRSC replicas never convert");
    for other in ["CREATION_FAILED", "ARCHIVED", "CREATING", "ACTIVE"] {
        assert_eq!(conversion(other, false, None, seen, now), None, "{other}");
    }
    assert_eq!(hours_minutes(17 * 3600 + 59 * 60 + 59), "17 h 59 min");
}

#[test]
fn first_seen_is_kept_while_the_state_lasts_and_the_event_fires_once() {
    let spec = fixtures::spec();
    let mut snap = snapshot_with(both_ways(&[], &[]));
    if let Some(p) = snap.primary_table.as_mut() {
        p.replicas[1].1 = "REPLICATION_NOT_AUTHORIZED".into();
    }
    let first = replication_status(&spec, &snap, None, t0());
    let r = &first.replicas[0];
    assert_eq!((r.first_seen_at, r.conversion_at), (Some(t0()), Some(t0() + Duration::hours(20))));
    assert_eq!(r.conversion_seconds_left, Some(20 * 3600));
    let events = conversion_events(None, &first, "profiles");
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].type_, events[0].reason), (EventType::Warning, EventReason::ReplicaConversionPending));
    assert!(
        events[0].note.contains("REPLICATION_NOT_AUTHORIZED")
            && events[0].note.contains("AWSServiceRoleForDynamoDBReplication")
    );

    let later = replication_status(&spec, &snap, Some(&first), t0() + Duration::hours(2));
    assert_eq!(later.replicas[0].first_seen_at, Some(t0()), "first seen stays");
    assert_eq!(later.replicas[0].conversion_seconds_left, Some(18 * 3600));
    assert!(conversion_events(Some(&first), &later, "profiles").is_empty(), "announced once");
    let (s, reason, message) = condition(&later, PRIMARY, &spec.objectives, None);
    assert_eq!((s, reason), (ConditionStatus::False, ConditionReason::ReplicaNotActive));
    assert!(message.contains("in 18 h 0 min"), "{message}");

    if let Some(p) = snap.primary_table.as_mut() {
        p.replicas[1].1 = "ACTIVE".into();
    }
    let fixed = replication_status(&spec, &snap, Some(&later), t0() + Duration::hours(3));
    assert_eq!((fixed.replicas[0].first_seen_at, fixed.replicas[0].conversion_at), (None, None));
}

#[test]
fn the_consistency_mode_and_witness_are_shown() {
    let mut snap = snapshot_with(None);
    if let Some(p) = snap.primary_table.as_mut() {
        p.multi_region_consistency = Some("STRONG".into());
        p.witnesses = vec![("us-east-2".into(), "ACTIVE".into())];
    }
    let r = replication_status(&fixtures::spec(), &snap, None, t0());
    assert_eq!(r.multi_region_consistency.as_deref(), Some("STRONG"));
    assert_eq!(r.witness_regions, vec!["us-east-2".to_string()]);
    if let Some(p) = snap.primary_table.as_mut() {
        p.multi_region_consistency = None;
    }
    let r = replication_status(&fixtures::spec(), &snap, None, t0());
    assert_eq!(r.multi_region_consistency.as_deref(), Some("EVENTUAL"), "DynamoDB's default");
}

/// A probe call refused the way local AWS and AWS word it.
fn probe_denied(operation: &'static str, region: &str) -> AwsError {
    let detail = format!(
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/op/rf is not authorized to perform: \
         dynamodb:{operation} on resource: arn:aws:dynamodb:{region}:123456789012:table/profiles because no \
         identity-based policy allows the dynamodb:{operation} action"
    );
    let mut e = AwsError::new(Service::DynamoDb, operation, ErrorKind::AccessDenied, detail);
    e.region = Some(region.into());
    e
}

#[test]
fn a_failed_probe_call_names_its_step_the_action_and_the_fix() {
    for (operation, region, step) in [
        ("PutItem", PRIMARY, "could not write its canary item in us-east-1, so it measures no lag: "),
        ("GetItem", REPLICA, "could not read its canary item back in us-west-2, so it measures no lag there: "),
        ("DeleteItem", PRIMARY, "could not delete its canary item in us-east-1 (the item's TTL removes it): "),
    ] {
        let f = probe_failure(&probe_denied(operation, region), t0());
        assert_eq!((f.action, f.error.as_str(), f.at), (format!("dynamodb:{operation}"), "denied", t0()));
        let sentence = format!(
            "The operator's role lacks dynamodb:{operation} on arn:aws:dynamodb:{region}:123456789012:table/profiles \
             (AWS answered AccessDenied to DynamoDB {operation}): apply terraform/"
        );
        assert!(f.message.starts_with(&format!("The replication probe {step}{sentence}")), "{}", f.message);
    }
    let mut throttled = AwsError::new(Service::DynamoDb, "PutItem", ErrorKind::Throttled, "ThrottlingException");
    throttled.region = Some(PRIMARY.into());
    let f = probe_failure(&throttled, t0());
    assert_eq!((f.action.as_str(), f.error.as_str()), ("dynamodb:PutItem", "throttled"));
    assert!(f.message.contains("so it measures no lag: DynamoDB PutItem in us-east-1 failed"), "{}", f.message);
}

#[test]
fn a_probe_failure_is_kept_between_probes_and_cleared_by_one_that_completes_or_by_turning_it_off() {
    let mut r = status(both_ways(&[(2, 400.0)], &[2]));
    let denied = probe_denied("GetItem", REPLICA);
    record_probe(&mut r, true, true, Some(&denied), t0());
    let kept = r.probe_failure.clone().expect("recorded");
    assert_eq!(kept.action, "dynamodb:GetItem");
    record_probe(&mut r, true, false, None, minute(1));
    assert_eq!(r.probe_failure.as_ref(), Some(&kept), "no probe this cycle: the last failure stays");
    let write = probe_denied("PutItem", PRIMARY);
    record_probe(&mut r, true, false, Some(&write), minute(2));
    assert_eq!(r.probe_failure.as_ref().map(|f| (f.action.as_str(), f.at)), Some(("dynamodb:PutItem", minute(2))));
    record_probe(&mut r, true, true, None, minute(3));
    assert_eq!(r.probe_failure, None, "a probe without a failed call clears it");
    record_probe(&mut r, true, true, Some(&denied), minute(4));
    record_probe(&mut r, false, false, None, minute(5));
    assert_eq!(r.probe_failure, None, "the probe was turned off");
}

#[test]
fn a_denied_probe_call_makes_a_healthy_replication_unknown_and_adds_to_a_worse_verdict() {
    let objectives = fixtures::spec().objectives;
    let mut within = status(both_ways(&[(2, 400.0)], &[2]));
    within.probe_failure = Some(probe_failure(&probe_denied("PutItem", PRIMARY), t0()));
    let (s, reason, message) = condition(&within, PRIMARY, &objectives, None);
    assert_eq!((s, reason), (ConditionStatus::Unknown, ConditionReason::AccessDenied));
    assert!(message.starts_with("The replication probe could not write its canary item in us-east-1"), "{message}");
    assert!(message.contains("lacks dynamodb:PutItem on arn:aws:dynamodb:us-east-1:"), "{message}");
    assert!(message.ends_with("replication lag at most 0.4 s (largest ReplicationLatency over the last 5 min, CloudWatch), within the 5 s objective."), "{message}");
    assert!(rpo_part(Some(&within), PRIMARY, &objectives, None).is_ok(), "CloudWatch's lag still meets the RPO");

    let mut behind = status(both_ways(&[(2, 8000.0)], &[2]));
    behind.probe_failure = within.probe_failure.clone();
    let (s, reason, message) = condition(&behind, PRIMARY, &objectives, None);
    assert_eq!((s, reason), (ConditionStatus::False, ConditionReason::LagAboveObjective), "the worse verdict leads");
    assert!(message.starts_with("Replication from us-east-1 to us-west-2 lags 8.0 s"), "{message}");
    assert!(message.contains("lacks dynamodb:PutItem"), "{message}");

    let mut throttled = AwsError::new(Service::DynamoDb, "DeleteItem", ErrorKind::Throttled, "ThrottlingException");
    throttled.region = Some(PRIMARY.into());
    within.probe_failure = Some(probe_failure(&throttled, t0()));
    let (s, reason, message) = condition(&within, PRIMARY, &objectives, None);
    assert_eq!((s, reason), (ConditionStatus::True, ConditionReason::ReplicasActive), "only a denial changes it");
    assert!(
        message.contains("could not delete its canary item in us-east-1") && message.contains("throttled"),
        "{message}"
    );
}
