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
