use super::*;
use std::time::Duration;

#[test]
fn aws_counts_are_exported_as_counters() {
    let stats: AwsStatsFn = Arc::new(|| {
        vec![AwsCallCount {
            service: "route53".into(),
            operation: "GetHealthCheck".into(),
            outcome: "ok".into(),
            count: 7,
        }]
    });
    let m = Metrics::new(Some(stats));
    m.reconcile_timer().finish("ok");
    let text = m.render().expect("encodes");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(
            &r#"regionalfailover_aws_requests_total{service="route53",operation="GetHealthCheck",outcome="ok"} 7"#
        ),
        "{text}"
    );
    assert!(lines.contains(&r#"regionalfailover_reconciliations_total{result="ok"} 1"#), "{text}");
}

#[test]
fn liveness_needs_recent_api_contact() {
    let p = Probes::default();
    assert!(!p.alive(Duration::from_secs(60)));
    p.api_contact();
    assert!(p.alive(Duration::from_secs(60)));
    assert!(!p.ready());
}

#[test]
fn replica_series_follow_the_status_and_are_forgotten() {
    use crate::api::{LatencyWindow, ReplicaState, ReplicationStatus};
    let m = Metrics::new(None);
    let obj = ObjectLabels { namespace: "ns".into(), name: "rf".into() };
    let window = |max| Some(LatencyWindow { maximum: Some(max), window_seconds: 300, ..LatencyWindow::default() });
    let mut status = RegionalFailoverStatus {
        replication: Some(ReplicationStatus {
            replicas: vec![ReplicaState {
                region: "us-west-2".into(),
                status: "REPLICATION_NOT_AUTHORIZED".into(),
                latency_ms: window(8034.4),
                latency_to_primary_ms: window(120.0),
                conversion_at: Some(chrono::Utc::now() + chrono::Duration::hours(20)),
                conversion_seconds_left: Some(72_000),
                ..ReplicaState::default()
            }],
            ..ReplicationStatus::default()
        }),
        ..RegionalFailoverStatus::default()
    };
    m.record_status(&obj, "us-east-1", &status);
    let text = m.render().expect("encodes");
    let deadline = text
        .lines()
        .find(|l| {
            l.starts_with(
                r#"regionalfailover_replica_conversion_deadline_seconds{namespace="ns",name="rf",region="us-west-2"}"#,
            )
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<i64>().ok())
        .expect("the countdown is exported");
    assert!((71_990..=72_000).contains(&deadline), "{deadline}");
    assert!(
        text.contains(r#"regionalfailover_replication_latency_milliseconds{namespace="ns",name="rf",replica="us-west-2",direction="from_primary"} 8034"#),
        "{text}"
    );
    assert!(text.contains(r#"direction="to_primary"} 120"#), "{text}");

    // Fixed: the countdown series goes away, the latency stays.
    if let Some(r) = status.replication.as_mut() {
        r.replicas[0].status = "ACTIVE".into();
        r.replicas[0].conversion_at = None;
        r.replicas[0].conversion_seconds_left = None;
    }
    m.record_status(&obj, "us-east-1", &status);
    let text = m.render().expect("encodes");
    assert!(!text.contains(r#"regionalfailover_replica_conversion_deadline_seconds{"#), "{text}");
    assert!(text.contains(r#"regionalfailover_replication_latency_milliseconds{"#), "{text}");
    m.forget(&obj);
    let text = m.render().expect("encodes");
    assert!(!text.contains(r#"regionalfailover_replication_latency_milliseconds{"#), "{text}");
}
