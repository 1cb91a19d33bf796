//! The adapter facade: SDK clients configured from the standard environment, one per service
//! (DynamoDB and Scheduler one per region, built on first use), the shared budget
//! and the per-cycle caches.

use std::{collections::HashMap, error::Error as StdError, future::Future, sync::Arc, sync::Mutex, time::Duration};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};

use super::{
    ZoneRecords,
    budget::{Budget, Service},
    cache::SingleFlight,
    error::{AwsError, CallSite},
    gather::HealthCheckList,
};
use crate::verify::{
    AlarmObserved, AlarmRef, CheckerObservation, HealthCheckObserved, ReplicationMetrics, TableObserved, ZoneObserved,
};

/// Route 53 is a global service whose API is signed for this region.
pub(crate) const ROUTE53_SIGNING_REGION: &str = "us-east-1";

/// How to reach AWS. Everything left `None` comes from the standard environment
/// (`AWS_REGION`, `AWS_ENDPOINT_URL`, credentials chain incl. IRSA and Pod Identity).
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// Send every service's calls here instead (a local emulator in tests).
    pub endpoint_url: Option<String>,
    /// Default region of the SDK configuration; regional calls name their region explicitly.
    pub region: Option<String>,
    /// Access key and secret to use instead of the credentials chain (tests).
    pub static_credentials: Option<(String, String)>,
    /// How long listed records, zones and health checks are reused by callers that do not say
    /// how fresh they need them (snapshots use the object's verify interval instead).
    pub cache_max_age: Duration,
    /// How long table settings (DescribeTable, DescribeContinuousBackups) are reused: at least
    /// this, or the object's verify interval when that is longer.
    pub table_max_age: Duration,
    /// Limit of one attempt (the budget retries).
    pub attempt_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for AwsOptions {
    fn default() -> Self {
        Self {
            endpoint_url: None,
            region: None,
            static_credentials: None,
            // The shortest verify interval: one cycle of the fastest object.
            cache_max_age: Duration::from_secs(10),
            table_max_age: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

/// Cheap to clone: all clones share clients, budget and caches.
#[derive(Clone)]
pub struct Aws {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) sdk: SdkConfig,
    pub(super) endpoint: Option<String>,
    pub(super) budget: Arc<Budget>,
    pub(super) route53: aws_sdk_route53::Client,
    dynamodb: Mutex<HashMap<String, aws_sdk_dynamodb::Client>>,
    scheduler: Mutex<HashMap<String, aws_sdk_scheduler::Client>>,
    cloudwatch: Mutex<HashMap<String, aws_sdk_cloudwatch::Client>>,
    pub(super) zones: SingleFlight<String, Option<ZoneObserved>>,
    pub(super) records: ZoneRecords,
    pub(super) default_max_age: Duration,
    pub(super) table_max_age: Duration,
    pub(super) health_check_list: SingleFlight<(), HealthCheckList>,
    pub(super) health_checks: SingleFlight<String, Option<HealthCheckObserved>>,
    pub(super) health_status: SingleFlight<String, Arc<Vec<CheckerObservation>>>,
    pub(super) tables: SingleFlight<(String, String), Option<TableObserved>>,
    pub(super) replication_metrics: SingleFlight<super::cloudwatch::MetricsKey, ReplicationMetrics>,
    pub(super) alarms: SingleFlight<AlarmRef, Option<AlarmObserved>>,
    pub(super) secondary_verdicts: super::verdict::SecondaryVerdicts,
    /// Each zone as last read successfully, kept however old: its name servers are still the ones
    /// to ask when Route 53's control plane does not answer (see `Aws::last_known_zone`).
    pub(super) last_zones: Mutex<HashMap<String, ZoneObserved>>,
    /// Per zone: whether this process has listed its records whole yet, and how many objects read
    /// their own records by name before that (`gather.rs`, `records_named_within`).
    pub(super) first_listings: Mutex<HashMap<String, super::gather::FirstListing>>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws").field("endpoint", &self.inner.endpoint).field("region", &self.inner.sdk.region()).finish()
    }
}

impl Aws {
    /// Loads the SDK configuration (SDK retries off: the budget sees and counts every attempt).
    pub async fn new(options: AwsOptions, budget: Arc<Budget>) -> Aws {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).retry_config(RetryConfig::disabled()).timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(options.connect_timeout)
                    .operation_attempt_timeout(options.attempt_timeout)
                    .build(),
            );
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some((key, secret)) = &options.static_credentials {
            loader = loader.credentials_provider(aws_sdk_route53::config::Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "regional-failover-static",
            ));
        }
        let sdk = loader.load().await;
        let endpoint = options.endpoint_url.clone().or_else(|| sdk.endpoint_url().map(str::to_string));
        let route53 = aws_sdk_route53::Client::from_conf(
            aws_sdk_route53::config::Builder::from(&sdk).region(Region::new(ROUTE53_SIGNING_REGION)).build(),
        );
        let age = options.cache_max_age;
        Aws {
            inner: Arc::new(Inner {
                sdk,
                endpoint,
                budget,
                route53,
                dynamodb: Mutex::default(),
                scheduler: Mutex::default(),
                cloudwatch: Mutex::default(),
                zones: SingleFlight::new(age),
                records: SingleFlight::new(age),
                default_max_age: age,
                table_max_age: options.table_max_age,
                health_check_list: SingleFlight::new(age),
                health_checks: SingleFlight::new(age),
                health_status: SingleFlight::new(age),
                tables: SingleFlight::new(options.table_max_age.max(age)),
                // Kept up to the stale limit: a read that would wait uses the last one (cloudwatch.rs).
                replication_metrics: SingleFlight::new(age.max(super::cloudwatch::STALE_LIMIT)),
                alarms: SingleFlight::new(age),
                secondary_verdicts: Default::default(),
                last_zones: Mutex::default(),
                first_listings: Mutex::default(),
            }),
        }
    }

    /// The shared budget (its `stats()` feed the metrics).
    pub fn budget(&self) -> &Arc<Budget> {
        &self.inner.budget
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Whether this process has listed the zone's records whole (tests wait for the listing that
    /// starts after the first objects read their records by name).
    pub fn zone_listed(&self, zone_id: &str) -> bool {
        let listings = self.inner.first_listings.lock().unwrap_or_else(|p| p.into_inner());
        listings.get(super::route53::zone_id_bare(zone_id)).is_some_and(|l| l.listed)
    }

    #[cfg(any(test, feature = "test-support"))]
    /// The per-zone record cache (its `fetches()` show how many listings a cycle cost).
    pub fn zone_records(&self) -> &ZoneRecords {
        &self.inner.records
    }

    pub(super) fn dynamodb(&self, region: &str) -> aws_sdk_dynamodb::Client {
        regional(&self.inner.dynamodb, region, || {
            aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&self.inner.sdk)
                    .region(Region::new(region.to_string()))
                    .build(),
            )
        })
    }

    pub(super) fn scheduler(&self, region: &str) -> aws_sdk_scheduler::Client {
        regional(&self.inner.scheduler, region, || {
            aws_sdk_scheduler::Client::from_conf(
                aws_sdk_scheduler::config::Builder::from(&self.inner.sdk)
                    .region(Region::new(region.to_string()))
                    .build(),
            )
        })
    }

    /// CloudWatch in `region`: metrics live in the region that publishes them.
    pub(super) fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        regional(&self.inner.cloudwatch, region, || {
            aws_sdk_cloudwatch::Client::from_conf(
                aws_sdk_cloudwatch::config::Builder::from(&self.inner.sdk)
                    .region(Region::new(region.to_string()))
                    .build(),
            )
        })
    }

    pub(super) fn site<'a>(
        &'a self,
        service: Service,
        operation: &'static str,
        region: Option<&'a str>,
    ) -> CallSite<'a> {
        CallSite { service, operation, region, endpoint: self.inner.endpoint.as_deref() }
    }

    /// One SDK operation under the budget: `send` builds and sends a fresh request per attempt.
    pub(super) async fn call<T, E, F, Fut>(
        &self,
        service: Service,
        operation: &'static str,
        region: Option<&str>,
        mut send: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let site = self.site(service, operation, region);
        self.inner
            .budget
            .call(service, operation, || {
                let attempt = send();
                async move { attempt.await.map_err(|e| site.classify(e)) }
            })
            .await
    }
}

fn regional<C: Clone>(clients: &Mutex<HashMap<String, C>>, region: &str, make: impl FnOnce() -> C) -> C {
    let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
    clients.entry(region.to_string()).or_insert_with(make).clone()
}

/// `Some(v)` for a value, `None` when the resource does not exist, the error otherwise.
pub(super) fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// SDK timestamps as chrono's.
pub(super) fn to_chrono(t: &aws_sdk_route53::primitives::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
