//! Thin adapters over the official AWS SDK: Route 53, DynamoDB and CloudWatch (one client per
//! region), and EventBridge Scheduler, all behind one shared request budget (docs/architecture.md,
//! "The AWS request budget").
//!
//! The adapters only translate: SDK responses become the plain data of
//! [`crate::verify::AwsSnapshot`]; judging that data is `verify`'s job.

mod alarms;
mod budget;
mod cache;
mod client;
mod cloudwatch;
mod dynamodb;
mod error;
mod gather;
mod route53;
mod scheduler;
mod verdict;

pub use budget::{Budget, BudgetConfig, CallStat, Outcome, RetryPolicy, Service};
pub use cache::SingleFlight;
pub use client::{Aws, AwsOptions};
pub use cloudwatch::{MetricsKey, PERIOD_SECONDS, window as metrics_window};
pub use dynamodb::{PROBE_KEY_PREFIX, ProbeItem};
pub use error::{AwsError, ErrorKind};
pub use gather::{HealthCheckList, freshness};
pub use route53::normalize_name;
pub use scheduler::{FailsafeSchedule, ScheduleObserved, UPDATE_HEALTH_CHECK_TARGET};
pub use verdict::Reading;

/// Records of one hosted zone, listed once per freshness window and shared by every object in it.
pub type ZoneRecords = SingleFlight<String, std::sync::Arc<Vec<crate::verify::RecordObserved>>>;

/// Installs aws-lc-rs as the process-wide rustls provider.
///
/// kube and the AWS SDK link different rustls providers; with more than one linked, rustls
/// refuses to pick and panics at the first TLS handshake. The binary calls this first thing.
/// Calling it again (tests do) is harmless.
pub fn install_crypto_provider() {
    // Err only means a provider is installed already, which is the state we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
