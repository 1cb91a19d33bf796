//! The request budget against injected faults of local AWS, and error messages for endpoints
//! that are down or do not implement an operation.

mod support;

use std::{sync::Arc, time::Duration};

use regional_failover::aws::{
    Aws, AwsOptions, Budget, BudgetConfig, ErrorKind, Outcome, RetryPolicy, Service, install_crypto_provider,
};
use serde_json::json;
use support::{aws_fixtures as fx, localaws::LocalAws};
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
