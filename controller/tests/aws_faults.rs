//! The request budget against injected faults of local AWS, error messages for endpoints that
//! are down or do not implement an operation, and a cached read that outlived what it showed.

mod support;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use regional_failover::{
    api::{RegionalFailover, RegionalFailoverStatus},
    aws::{
        Aws, AwsOptions, Budget, BudgetConfig, ErrorKind, FailsafeSchedule, Outcome, RetryPolicy, Service,
        install_crypto_provider,
    },
    drill::{actions::FailsafeConfig, lock},
    observe::{self, Vantage},
    status,
};
use serde_json::json;
use support::{aws_fixtures as fx, endpoint::healthy_endpoint, localaws::LocalAws};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn quick_retries(max_throttle_retries: u32) -> Arc<Budget> {
    Arc::new(Budget::new(BudgetConfig {
        retry: RetryPolicy {
            max_throttle_retries,
            max_transient_retries: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        // Pacing is covered by the unit tests; here it would only add seconds.
        health_status_rps: 50.0,
        ..BudgetConfig::default()
    }))
}

fn count(budget: &Budget, operation: &str, outcome: Outcome) -> u64 {
    budget.stats().iter().filter(|s| s.operation == operation && s.outcome == outcome).map(|s| s.count).sum()
}

/// Requests that reached local AWS and matched fault `id`.
fn hits(local: &LocalAws, id: &str) -> u64 {
    let faults = local.control("GET", "/faults", None);
    faults["faults"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id)
        .and_then(|f| f["hits"].as_u64())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_retried_and_counted() {
    let local = LocalAws::start(&[]);
    let (r53, east) = (local.route53().await, local.dynamodb("us-east-1").await);
    let hc = fx::health_check(&r53, fx::PRIMARY, 9).await;
    fx::global_table(&east, "profiles").await;
    let budget = quick_retries(5);
    let aws = local.aws(budget.clone()).await;

    // Route 53 `Throttling` twice, then success.
    local.control("POST", "/faults", Some(&json!({"service": "route53", "operation": "GetHealthCheck", "count": 2})));
    let h = aws.get_health_check(&hc).await.expect("succeeds on the third attempt");
    assert_eq!(h.map(|h| h.id), Some(hc.clone()));
    assert_eq!(
        (count(&budget, "GetHealthCheck", Outcome::Throttled), count(&budget, "GetHealthCheck", Outcome::Retried)),
        (2, 2)
    );
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Ok), 1);

    // DynamoDB's two throttling codes and a 503, each once, on one DescribeTable call.
    for fault in [
        json!({"service": "dynamodb", "operation": "DescribeTable", "count": 1}),
        json!({"service": "dynamodb", "operation": "DescribeTable", "count": 1, "code": "ProvisionedThroughputExceededException"}),
    ] {
        local.control("POST", "/faults", Some(&fault));
        let t = aws.describe_table("us-east-1", "profiles").await.expect("retried through throttling");
        assert_eq!(t.map(|t| t.status), Some("ACTIVE".to_string()));
    }
    local.control("POST", "/faults", Some(&json!({"service": "dynamodb", "operation": "DescribeContinuousBackups", "kind": "error", "status": 503, "count": 1})));
    let t = aws.describe_table("us-east-1", "profiles").await.expect("retried through a 503");
    assert!(t.is_some_and(|t| t.pitr_enabled));
    assert_eq!(count(&budget, "DescribeTable", Outcome::Throttled), 2);
    assert_eq!(count(&budget, "DescribeContinuousBackups", Outcome::Retried), 1);
    assert_eq!(count(&budget, "DescribeContinuousBackups", Outcome::Throttled), 0, "a 503 without throttling code");

    // Throttled on every attempt: gives up after the bound; each attempt reached the server once
    // (the SDK's own retries are off, so the budget sees and paces every attempt).
    let rule =
        local.control("POST", "/faults", Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus"})));
    let id = rule["id"].as_str().expect("fault id").to_string();
    let err = aws.get_health_check_status(&hc).await.expect_err("always throttled");
    assert_eq!((err.kind, err.attempts, err.code.as_deref()), (ErrorKind::Throttled, 6, Some("Throttling")));
    assert_eq!(hits(&local, &id), 6);
    assert!(err.to_string().starts_with("Route 53 GetHealthCheckStatus failed: Throttling: Rate exceeded"), "{err}");
    assert_eq!(count(&budget, "GetHealthCheckStatus", Outcome::Error), 1);
    local.control("DELETE", "/faults", None);

    // A persistent 500 is retried a few times only.
    let rule = local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "dynamodb", "operation": "DescribeTable", "kind": "error", "region": "us-west-2"})),
    );
    let id = rule["id"].as_str().expect("fault id").to_string();
    let err = aws.describe_table("us-west-2", "profiles").await.expect_err("always 500");
    assert_eq!((err.kind, err.attempts, err.status), (ErrorKind::Transient, 3, Some(500)));
    assert_eq!(hits(&local, &id), 3);
    assert!(err.to_string().starts_with("DynamoDB DescribeTable in us-west-2 failed: InternalServerError"), "{err}");

    // Refusals are final at once: a probe with the wrong key attribute.
    let err = aws
        .put_probe("us-east-1", "profiles", "wrong", "x", chrono::Utc::now(), Duration::from_secs(60))
        .await
        .expect_err("ValidationException");
    assert_eq!((err.kind, err.attempts), (ErrorKind::Rejected, 1));
    assert_eq!(err.code.as_deref(), Some("ValidationException"));
    let stats = budget.stats();
    assert!(stats.iter().all(|s| s.count > 0) && stats.iter().any(|s| s.service == Service::DynamoDb), "{stats:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_reads_as_such() {
    install_crypto_provider();
    // Bind and drop: a local port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let options = AwsOptions {
        endpoint_url: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("testing".into(), "testing".into())),
        ..AwsOptions::default()
    };
    let aws = Aws::new(options, quick_retries(0)).await;
    let err = aws.get_health_check("abc").await.expect_err("nobody listens");
    assert_eq!((err.kind, err.attempts), (ErrorKind::Unreachable, 3));
    let text = err.to_string();
    let expected = format!("Route 53 GetHealthCheck failed: endpoint {endpoint} unreachable (connection refused)");
    assert!(text.starts_with(&expected), "{text}");
}

/// An endpoint that answers every request with 404 and an empty body, as emulators do for
/// operations they lack (the SDK alone reports an opaque XML decode error).
#[tokio::test]
async fn an_unimplemented_operation_reads_as_such() {
    install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let _ =
                    sock.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
            });
        }
    });
    let options = AwsOptions {
        endpoint_url: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("testing".into(), "testing".into())),
        ..AwsOptions::default()
    };
    let aws = Aws::new(options, quick_retries(0)).await;
    let err = aws.get_health_check_status("hc-1").await.expect_err("404");
    assert_eq!((err.kind, err.attempts, err.status), (ErrorKind::Unsupported, 1, Some(404)));
    assert_eq!(
        err.to_string(),
        format!(
            "Route 53 GetHealthCheckStatus failed: endpoint {endpoint} does not implement GetHealthCheckStatus (HTTP 404, empty body)"
        )
    );
    let err = aws.describe_table("us-west-2", "profiles").await.expect_err("404");
    assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().starts_with("DynamoDB DescribeTable in us-west-2 failed: endpoint"), "{err}");
}

const FAILSAFE_ROLE: &str = "arn:aws:iam::123456789012:role/failsafe";

/// One verification from us-west-2, as the operator there runs it (two-cluster mode).
async fn verify_from_west(
    rf: &RegionalFailover,
    previous: &RegionalFailoverStatus,
    aws: &Aws,
    failsafe: &FailsafeConfig,
) -> RegionalFailoverStatus {
    let now = Utc::now();
    let vantage = Vantage { region: Some("us-west-2"), failsafe: Some(failsafe) };
    let observed = observe::observe_from(&rf.spec, previous, aws, now, &vantage).await;
    status::assemble(&rf.spec, Some(1), previous, &observed, now).status
}

/// The other cluster's drill, seen from us-west-2 while it runs and then ended: the check restored
/// and its lock deleted, by another process (so this one's caches were not told). Returns local
/// AWS, this operator's client, the object, its fail-safe settings and the status seen mid-drill.
async fn a_foreign_drill_seen_then_ended() -> (LocalAws, Aws, RegionalFailover, FailsafeConfig, RegionalFailoverStatus)
{
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let (r53, east, west) =
        (local.route53().await, local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let port = healthy_endpoint().await;
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, "stale.test", port).await;
    let manifest = fx::loopback_manifest("stale", "default", &zone, "stale.test", &hc, port, &local.dns.to_string());
    let mut rf: RegionalFailover = serde_saphyr::from_str(&manifest).expect("manifest");
    // Every shared read may be this old: the restored check is read from the cache unless the
    // operator asks again.
    rf.spec.verify_interval_seconds = 600;
    let failsafe = FailsafeConfig { role_arn: Some(FAILSAFE_ROLE.into()), group: "default".into(), region: None };
    let (aws, other) = (local.aws(quick_retries(1)).await, local.aws(quick_retries(1)).await);
    let schedule = FailsafeSchedule {
        name: lock::lock_name(&hc),
        group: failsafe.group.clone(),
        description: "the us-east-1 cluster's drill".into(),
        at: Utc::now() + chrono::Duration::hours(1),
        role_arn: FAILSAFE_ROLE.into(),
        health_check_id: hc.clone(),
        inverted: false,
    };
    other.create_failsafe_schedule("us-east-1", &schedule).await.expect("the other drill's lock");
    other.update_health_check_inverted(&hc, true, None).await.expect("the other drill inverts the check");
    let during = verify_from_west(&rf, &RegionalFailoverStatus::default(), &aws, &failsafe).await;
    assert!(during.foreign_drill.is_some(), "the lock explains the inverted check: {during:?}");
    assert!(during.drift.is_empty(), "another drill is no drift: {:?}", during.drift);

    other.update_health_check_inverted(&hc, false, None).await.expect("the other drill restores the check");
    other.delete_schedule("us-east-1", &schedule.name, &schedule.group).await.expect("and deletes its lock");
    (local, aws, rf, failsafe, during)
}

/// A check seen inverted in a listing made during another process's drill is read again before it
/// counts: once that drill has ended, its lock is gone and a cached "inverted" would be reported as
/// drift with a fix ("restore it: invert_healthcheck = false") for a check that is fine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_restored_after_another_drill_is_not_drift() {
    let (_local, aws, rf, failsafe, during) = a_foreign_drill_seen_then_ended().await;
    let reads = || aws.budget().attempts(Service::Route53, "GetHealthCheck");
    let before = reads();
    let after = verify_from_west(&rf, &during, &aws, &failsafe).await;
    assert!(after.drift.is_empty(), "a restored check is no drift: {:?}", after.drift);
    assert!(after.foreign_drill.is_none(), "the drill ended: {:?}", after.foreign_drill);
    assert_eq!(reads() - before, 1, "the check looked changed: read again, once");
    let again = verify_from_west(&rf, &after, &aws, &failsafe).await;
    assert!(again.drift.is_empty(), "{:?}", again.drift);
    assert_eq!(reads() - before, 1, "a check that looks unchanged costs no read");
}

/// The same stale read while the region holding Route 53's control plane and the drill lock is
/// lost: the check cannot be read again, so it is unreadable (the loss is reported), not
/// inverted (the intermittent `two_regions` failure, docs/architecture.md "Two regions").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_cached_during_another_drill_is_not_drift_when_its_region_is_lost() {
    let (local, aws, rf, failsafe, during) = a_foreign_drill_seen_then_ended().await;
    local.control("POST", "/regions", Some(&json!({"region": "us-east-1", "reachable": false, "mode": "reset"})));
    let after = verify_from_west(&rf, &during, &aws, &failsafe).await;
    assert!(after.drift.is_empty(), "the loss is not drift: {:?}", after.drift);
    assert!(
        after.unreachable.iter().any(|f| f.message.contains("Route 53")),
        "the lost control plane is named: {:?}",
        after.unreachable
    );
}
