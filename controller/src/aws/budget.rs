//! The shared AWS request budget (docs/architecture.md, "The AWS request budget"): token buckets per service, retries with backoff,
//! and counters of every call outcome.
//!
//! Route 53 throttles per account, not per client, so every controller task must draw from the
//! same buckets. The SDK's own retries are off: each attempt passes through here and is counted.

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    sync::Mutex,
    time::Duration,
};

use super::error::{AwsError, ErrorKind};

// The rate limiter itself lives apart from the per-service wiring below (docs/architecture.md,
// "The AWS request budget"); re-exported so `budget::TokenBucket` stays the path everyone uses.
mod bucket;
pub(crate) use bucket::TokenBucket;

/// AWS services the adapters call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Route53,
    DynamoDb,
    CloudWatch,
    Scheduler,
}

impl Service {
    /// Metric label.
    pub fn label(self) -> &'static str {
        match self {
            Service::Route53 => "route53",
            Service::DynamoDb => "dynamodb",
            Service::CloudWatch => "cloudwatch",
            Service::Scheduler => "scheduler",
        }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Route53 => "Route 53",
            Service::DynamoDb => "DynamoDB",
            Service::CloudWatch => "CloudWatch",
            Service::Scheduler => "EventBridge Scheduler",
        })
    }
}

/// What happened, counted per service and operation.
///
/// `ok`, `not_found` and `error` end a call; `retried` counts each extra attempt, so the attempts
/// sent are `ok + not_found + error + retried`. `throttled` counts throttling answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Ok,
    /// The resource does not exist: an answer, not a failure (drift reports it).
    NotFound,
    Error,
    Throttled,
    Retried,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotFound => "not_found",
            Outcome::Error => "error",
            Outcome::Throttled => "throttled",
            Outcome::Retried => "retried",
        }
    }
}

/// One counter: plain data for the metrics module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallStat {
    pub service: Service,
    pub operation: &'static str,
    pub outcome: Outcome,
    pub count: u64,
}

/// How failed attempts are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after throttling answers (the request was not executed, so retrying is safe).
    pub max_throttle_retries: u32,
    /// Retries after 5xx answers, timeouts and connection failures.
    pub max_transient_retries: u32,
    /// First backoff; doubles with every retry.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_throttle_retries: 5,
            max_transient_retries: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `retry` (0-based): exponential, capped, with "equal jitter"
    /// (a uniform pick in the upper half) so synchronized callers spread out yet never retry
    /// sooner than half the exponential delay.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(2u32.saturating_pow(retry.min(30)));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Requests per second allowed per bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetConfig {
    /// All Route 53 calls (the account-wide limit is 5/s; stay under it to leave room for Terraform).
    pub route53_rps: f64,
    /// `GetHealthCheckStatus`, which Route 53 limits separately and more tightly.
    pub health_status_rps: f64,
    /// DynamoDB control-plane calls (DescribeTable, DescribeContinuousBackups), all regions together.
    pub dynamodb_rps: f64,
    /// DynamoDB item reads and writes of the replication probe: limited per table by AWS, not
    /// per account, so they do not wait behind the control-plane reads.
    pub dynamodb_data_rps: f64,
    /// Optional `GetHealthCheckStatus` reads that refresh per-checker detail while DNS already
    /// shows the primary healthy; taken only when a token is free, never waited for.
    pub health_detail_rps: f64,
    /// Optional `GetHealthCheckStatus` reads that explain why DNS names the secondary; taken
    /// only when a token is free, so a mass failover never queues reconciles behind the 1/s limit.
    pub health_diagnosis_rps: f64,
    /// Optional reads of the SECONDARY record's health check (`GetHealthCheckStatus`, or its
    /// children or alarm) during verification; taken only when a token is free, and a verdict up
    /// to 15 minutes old stands in meanwhile. Drill preflight reads it unconditionally.
    pub secondary_health_rps: f64,
    pub cloudwatch_rps: f64,
    pub scheduler_rps: f64,
    pub retry: RetryPolicy,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            route53_rps: 4.0,
            // Route 53 allows about 1/s: stay under it, as route53_rps does (jitter would otherwise
            // land some calls a little early and draw throttles).
            health_status_rps: 0.8,
            // DynamoDB allows 2,500 control-plane requests/s per account and Region; 100/s reads
            // 1,000 tables' settings in under a minute and leaves the rest to everyone else.
            dynamodb_rps: 100.0,
            dynamodb_data_rps: 100.0,
            health_detail_rps: 0.1,
            health_diagnosis_rps: 0.5,
            // GetMetricData (ReplicationLatency) is read once per table per source region and cycle:
            // 1,000 two-region tables cost 2,000 reads per 60 s cycle, about 34/s. CloudWatch's
            // per-Region GetMetricData quota (50/s by default, adjustable) sits above this. Beyond
            // it, a table's re-read waits for no token: its last read stands in (cloudwatch.rs).
            cloudwatch_rps: 40.0,
            // One SECONDARY check every 10 s at most: a fleet of any size adds at most 0.1/s to
            // the ~1/s GetHealthCheckStatus limit, and pairs without one cost nothing.
            secondary_health_rps: 0.1,
            scheduler_rps: 2.0,
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Bucket {
    Route53,
    HealthStatus,
    DynamoDb,
    DynamoDbData,
    HealthDetail,
    HealthDiagnosis,
    SecondaryHealth,
    CloudWatch,
    Scheduler,
}

/// DynamoDB's data-plane operations (the replication probe's).
const DYNAMODB_DATA_OPERATIONS: [&str; 3] = ["PutItem", "GetItem", "DeleteItem"];

fn buckets_for(service: Service, operation: &str) -> &'static [Bucket] {
    match service {
        // GetHealthCheckStatus has its own limit and still counts against the account's.
        Service::Route53 if operation == "GetHealthCheckStatus" => &[Bucket::HealthStatus, Bucket::Route53],
        Service::Route53 => &[Bucket::Route53],
        Service::DynamoDb if DYNAMODB_DATA_OPERATIONS.contains(&operation) => &[Bucket::DynamoDbData],
        Service::DynamoDb => &[Bucket::DynamoDb],
        Service::CloudWatch => &[Bucket::CloudWatch],
        Service::Scheduler => &[Bucket::Scheduler],
    }
}

/// The one budget every AWS call of the process goes through.
#[derive(Debug)]
pub struct Budget {
    buckets: HashMap<Bucket, TokenBucket>,
    retry: RetryPolicy,
    counters: Mutex<BTreeMap<(Service, &'static str, Outcome), u64>>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(BudgetConfig::default())
    }
}

impl Budget {
    pub fn new(config: BudgetConfig) -> Self {
        let buckets = HashMap::from([
            (Bucket::Route53, TokenBucket::new(config.route53_rps)),
            (Bucket::HealthStatus, TokenBucket::new(config.health_status_rps)),
            (Bucket::DynamoDb, TokenBucket::new(config.dynamodb_rps)),
            (Bucket::DynamoDbData, TokenBucket::new(config.dynamodb_data_rps)),
            (Bucket::HealthDetail, TokenBucket::new(config.health_detail_rps)),
            (Bucket::HealthDiagnosis, TokenBucket::new(config.health_diagnosis_rps)),
            (Bucket::SecondaryHealth, TokenBucket::new(config.secondary_health_rps)),
            (Bucket::CloudWatch, TokenBucket::new(config.cloudwatch_rps)),
            (Bucket::Scheduler, TokenBucket::new(config.scheduler_rps)),
        ]);
        Self { buckets, retry: config.retry, counters: Mutex::new(BTreeMap::new()) }
    }

    /// Waits for the tokens one attempt of `operation` needs.
    pub async fn acquire(&self, service: Service, operation: &str) {
        for bucket in buckets_for(service, operation) {
            if let Some(b) = self.buckets.get(bucket) {
                b.acquire().await;
            }
        }
    }

    /// Whether a call to `service` would start now, without waiting for a token (nothing taken:
    /// the call itself still goes through [`Budget::call`]).
    pub fn spare(&self, service: Service, operation: &str) -> bool {
        buckets_for(service, operation).iter().all(|b| self.buckets.get(b).is_none_or(TokenBucket::has_token))
    }

    /// Whether an optional health-detail read may be made now (see
    /// [`BudgetConfig::health_detail_rps`]); the read itself still goes through [`Budget::call`].
    pub fn try_health_detail(&self) -> bool {
        self.buckets.get(&Bucket::HealthDetail).is_some_and(TokenBucket::try_acquire)
    }

    /// Whether an optional read explaining a failover may be made now (see
    /// [`BudgetConfig::health_diagnosis_rps`]).
    pub fn try_health_diagnosis(&self) -> bool {
        self.buckets.get(&Bucket::HealthDiagnosis).is_some_and(TokenBucket::try_acquire)
    }

    /// Whether an optional read of a SECONDARY record's health check may be made now (see
    /// [`BudgetConfig::secondary_health_rps`]).
    pub fn try_secondary_health(&self) -> bool {
        self.buckets.get(&Bucket::SecondaryHealth).is_some_and(TokenBucket::try_acquire)
    }

    /// Runs `attempt` under the budget: acquires tokens before each try, retries throttling and
    /// transient failures with backoff, and counts every outcome.
    pub async fn call<T, F, Fut>(
        &self,
        service: Service,
        operation: &'static str,
        mut attempt: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let (mut throttle_retries, mut transient_retries, mut retries) = (0u32, 0u32, 0u32);
        loop {
            let queued = std::time::Instant::now();
            self.acquire(service, operation).await;
            let sent = std::time::Instant::now();
            let result = attempt().await;
            // Where a slow reconcile's time went: waiting for the budget, or AWS answering.
            tracing::trace!(
                %service,
                operation,
                waited_ms = (sent - queued).as_millis() as u64,
                took_ms = sent.elapsed().as_millis() as u64,
                ok = result.is_ok(),
                "AWS attempt"
            );
            let err = match result {
                Ok(value) => {
                    self.count(service, operation, Outcome::Ok);
                    return Ok(value);
                }
                Err(err) => err,
            };
            let retry = match err.kind {
                ErrorKind::Throttled => {
                    self.count(service, operation, Outcome::Throttled);
                    let retry = (throttle_retries < self.retry.max_throttle_retries).then_some(throttle_retries);
                    throttle_retries += 1;
                    retry
                }
                kind if kind.is_transient() => {
                    let retry = (transient_retries < self.retry.max_transient_retries).then_some(transient_retries);
                    transient_retries += 1;
                    retry
                }
                _ => None,
            };
            match retry {
                Some(n) => {
                    retries += 1;
                    self.count(service, operation, Outcome::Retried);
                    tracing::debug!(%service, operation, error = %err, retry = n + 1, "retrying AWS call");
                    tokio::time::sleep(self.retry.backoff(n)).await;
                }
                None => {
                    let outcome = if err.kind == ErrorKind::NotFound { Outcome::NotFound } else { Outcome::Error };
                    self.count(service, operation, outcome);
                    return Err(err.with_attempts(1 + retries));
                }
            }
        }
    }

    fn count(&self, service: Service, operation: &'static str, outcome: Outcome) {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        *counters.entry((service, operation, outcome)).or_insert(0) += 1;
    }

    /// Every non-zero counter, ordered by service, operation, outcome.
    pub fn stats(&self) -> Vec<CallStat> {
        let counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        counters
            .iter()
            .map(|(&(service, operation, outcome), &count)| CallStat { service, operation, outcome, count })
            .collect()
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Attempts sent for one operation (every try, including retries).
    pub fn attempts(&self, service: Service, operation: &str) -> u64 {
        self.stats()
            .iter()
            .filter(|s| s.service == service && s.operation == operation && s.outcome != Outcome::Throttled)
            .map(|s| s.count)
            .sum()
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Attempts sent to all services.
    pub fn total_attempts(&self) -> u64 {
        self.stats().iter().filter(|s| s.outcome != Outcome::Throttled).map(|s| s.count).sum()
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Attempts per (service, operation): what one cycle cost, for benchmarks and logs.
    pub fn attempts_by_operation(&self) -> BTreeMap<(Service, &'static str), u64> {
        let mut out = BTreeMap::new();
        for s in self.stats().into_iter().filter(|s| s.outcome != Outcome::Throttled) {
            *out.entry((s.service, s.operation)).or_insert(0) += s.count;
        }
        out
    }
}

#[cfg(test)]
mod tests;
