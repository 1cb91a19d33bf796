//! Budget tests on tokio's paused clock: rates and backoff are checked in virtual time.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use tokio::time::Instant;

use super::TokenBucket;
use crate::aws::{AwsError, Budget, BudgetConfig, ErrorKind, Outcome, RetryPolicy, Service};

fn err(kind: ErrorKind) -> AwsError {
    AwsError::new(Service::Route53, "GetHealthCheck", kind, format!("{kind:?}"))
}

fn count(budget: &Budget, operation: &str, outcome: Outcome) -> u64 {
    budget.stats().iter().filter(|s| s.operation == operation && s.outcome == outcome).map(|s| s.count).sum()
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

#[tokio::test(start_paused = true)]
async fn bucket_allows_a_burst_then_the_rate() {
    let bucket = TokenBucket::new(4.0);
    let start = Instant::now();
    for _ in 0..4 {
        bucket.acquire().await;
    }
    assert!(secs(start) < 0.001, "burst of 4 is immediate");
    for _ in 0..16 {
        bucket.acquire().await;
    }
    let t = secs(start);
    assert!((3.99..4.01).contains(&t), "16 more tokens at 4/s take 4 s, took {t}");
}

#[tokio::test(start_paused = true)]
async fn concurrent_waiters_are_spread_at_the_rate() {
    let bucket = std::sync::Arc::new(TokenBucket::new(2.0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let b = bucket.clone();
            tokio::spawn(async move {
                b.acquire().await;
                Instant::now()
            })
        })
        .collect();
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.expect("task ran"));
    }
    let last = done.iter().max().map(|d| d.duration_since(start).as_secs_f64()).unwrap_or_default();
    assert!((3.99..4.01).contains(&last), "10 tokens at 2/s with burst 2 end at 4 s, ended at {last}");
}

#[tokio::test(start_paused = true)]
async fn idle_time_refills_only_up_to_the_burst() {
    let bucket = TokenBucket::new(1.0);
    bucket.acquire().await;
    tokio::time::advance(Duration::from_secs(60)).await;
    let start = Instant::now();
    bucket.acquire().await;
    bucket.acquire().await;
    let t = secs(start);
    assert!((0.99..1.01).contains(&t), "one saved token, then 1/s: {t}");
}

#[tokio::test(start_paused = true)]
async fn health_status_has_its_own_slower_bucket_and_still_uses_route53s() {
    let budget = Budget::new(BudgetConfig { route53_rps: 4.0, health_status_rps: 1.0, ..BudgetConfig::default() });
    let start = Instant::now();
    for _ in 0..5 {
        budget.acquire(Service::Route53, "GetHealthCheckStatus").await;
    }
    let t = secs(start);
    assert!((3.99..4.01).contains(&t), "5 status calls at 1/s: {t}");
    // Each also took a Route 53 token: the last left 3 of the 4 (refills are capped at the burst).
    let start = Instant::now();
    for _ in 0..8 {
        budget.acquire(Service::Route53, "GetHealthCheck").await;
    }
    let t = secs(start);
    assert!((1.24..1.26).contains(&t), "3 saved tokens, then 5 more at 4/s: {t}");
}

#[tokio::test(start_paused = true)]
async fn dynamodb_rate_is_configurable() {
    let budget = Budget::new(BudgetConfig { dynamodb_rps: 50.0, ..BudgetConfig::default() });
    let start = Instant::now();
    for _ in 0..150 {
        budget.acquire(Service::DynamoDb, "DescribeTable").await;
    }
    let t = secs(start);
    assert!((1.99..2.01).contains(&t), "100 tokens beyond the burst of 50 at 50/s: {t}");
}

#[tokio::test(start_paused = true)]
async fn probe_items_do_not_wait_behind_control_plane_reads() {
    let budget = Budget::new(BudgetConfig { dynamodb_rps: 1.0, dynamodb_data_rps: 100.0, ..BudgetConfig::default() });
    for _ in 0..3 {
        budget.acquire(Service::DynamoDb, "DescribeTable").await;
    }
    let start = Instant::now();
    for op in ["PutItem", "GetItem", "DeleteItem"] {
        budget.acquire(Service::DynamoDb, op).await;
    }
    assert_eq!(secs(start), 0.0, "the data-plane bucket is separate");
}

#[tokio::test(start_paused = true)]
async fn health_detail_tokens_are_taken_only_when_free() {
    let budget = Budget::new(BudgetConfig { health_detail_rps: 0.1, ..BudgetConfig::default() });
    assert!(budget.try_health_detail(), "the burst of one is free at start");
    assert!(!budget.try_health_detail(), "no waiting, no debt");
    tokio::time::advance(Duration::from_secs(9)).await;
    assert!(!budget.try_health_detail());
    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(budget.try_health_detail(), "one token per 10 s");
}

#[test]
fn backoff_grows_exponentially_with_jitter_inside_bounds() {
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    for retry in 0..12u32 {
        let full = Duration::from_millis(100 * 2u64.pow(retry)).min(Duration::from_secs(2));
        let samples: Vec<Duration> = (0..200).map(|_| policy.backoff(retry)).collect();
        assert!(samples.iter().all(|d| *d >= full / 2 && *d <= full), "retry {retry}: {samples:?}");
        assert!(samples.iter().any(|d| *d != samples[0]), "retry {retry} is jittered");
    }
    assert!(policy.backoff(u32::MAX) <= Duration::from_secs(2), "no overflow");
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_backoff_and_counted() {
    let budget = Budget::default();
    let attempts = AtomicU32::new(0);
    let start = Instant::now();
    let result = budget
        .call(Service::Route53, "GetHealthCheck", || async {
            if attempts.fetch_add(1, Ordering::SeqCst) < 3 { Err(err(ErrorKind::Throttled)) } else { Ok(42) }
        })
        .await;
    assert_eq!(result.ok(), Some(42));
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Throttled), 3);
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Retried), 3);
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Ok), 1);
    assert_eq!(budget.attempts(Service::Route53, "GetHealthCheck"), 4);
    // Backoffs 200, 400, 800 ms, each jittered into its upper half.
    let t = secs(start);
    assert!((0.7..=1.4).contains(&t), "waited {t} s");
}

#[tokio::test(start_paused = true)]
async fn persistent_throttling_gives_up_after_the_bound() {
    let budget = Budget::default();
    let attempts = AtomicU32::new(0);
    let result = budget
        .call(Service::Route53, "GetHealthCheck", || async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(err(ErrorKind::Throttled))
        })
        .await;
    let e = result.expect_err("throttled every time");
    let max = RetryPolicy::default().max_throttle_retries;
    assert_eq!(attempts.load(Ordering::SeqCst), max + 1);
    assert_eq!((e.kind, e.attempts), (ErrorKind::Throttled, max + 1));
    assert!(e.to_string().ends_with(&format!("(after {} attempts)", max + 1)), "{e}");
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Throttled), u64::from(max + 1));
    assert_eq!(count(&budget, "GetHealthCheck", Outcome::Error), 1);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_a_few_times_then_reported() {
    let budget = Budget::default();
    let attempts = AtomicU32::new(0);
    let result = budget
        .call(Service::Route53, "GetHealthCheck", || async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(err(ErrorKind::Transient))
        })
        .await;
    assert_eq!(result.expect_err("always 500").kind, ErrorKind::Transient);
    assert_eq!(attempts.load(Ordering::SeqCst), RetryPolicy::default().max_transient_retries + 1);
}

#[tokio::test(start_paused = true)]
async fn rejections_and_not_found_are_not_retried() {
    let budget = Budget::default();
    for (kind, outcome) in [(ErrorKind::Rejected, Outcome::Error), (ErrorKind::NotFound, Outcome::NotFound)] {
        let attempts = AtomicU32::new(0);
        let op = if kind == ErrorKind::Rejected { "UpdateHealthCheck" } else { "GetHealthCheck" };
        let result = budget
            .call(Service::Route53, op, || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(err(kind))
            })
            .await;
        assert_eq!(result.expect_err("fails").kind, kind);
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "{kind:?} is final");
        assert_eq!(count(&budget, op, outcome), 1);
    }
    assert_eq!(budget.total_attempts(), 2);
}

/// A re-read that may be skipped asks whether its call would start now; asking takes nothing.
#[tokio::test(start_paused = true)]
async fn spare_says_whether_a_call_would_wait_without_taking_a_token() {
    let budget = Budget::new(BudgetConfig { cloudwatch_rps: 2.0, ..BudgetConfig::default() });
    assert!(budget.spare(Service::CloudWatch, "GetMetricData"));
    assert!(budget.spare(Service::CloudWatch, "GetMetricData"), "asking twice took nothing");
    budget.acquire(Service::CloudWatch, "GetMetricData").await;
    budget.acquire(Service::CloudWatch, "GetMetricData").await;
    assert!(!budget.spare(Service::CloudWatch, "GetMetricData"), "the burst of 2 is spent");
    assert!(budget.spare(Service::Route53, "ListResourceRecordSets"), "other services keep their own");
    tokio::time::advance(Duration::from_millis(500)).await;
    assert!(budget.spare(Service::CloudWatch, "GetMetricData"), "one earned at 2/s");
}
