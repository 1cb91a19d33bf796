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
