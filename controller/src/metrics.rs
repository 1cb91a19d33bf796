//! Prometheus registry and the `/metrics`, `/healthz`, `/readyz` endpoints.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, text::encode},
    metrics::{
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// Labels identifying one RegionalFailover.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ObjectLabels {
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DrillLabels {
    namespace: String,
    name: String,
    outcome: String,
}

/// One cumulative AWS call count, as the request budget keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCallCount {
    pub service: String,
    pub operation: String,
    pub outcome: String,
    pub count: u64,
}

type AwsStatsFn = Arc<dyn Fn() -> Vec<AwsCallCount> + Send + Sync>;

/// Exposes the request budget's counters at scrape time, so they are never copied or double-counted.
struct AwsCollector(AwsStatsFn);

impl std::fmt::Debug for AwsCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsCollector")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AwsLabels {
    service: String,
    operation: String,
    outcome: String,
}

impl Collector for AwsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let stats = (self.0)();
        let mut family = encoder.encode_descriptor(
            "aws_requests",
            "AWS API calls by service, operation and outcome (ok, throttled, error, retried)",
            None,
            ConstCounter::new(0u64).metric_type(),
        )?;
        for s in stats {
            let labels = AwsLabels { service: s.service, operation: s.operation, outcome: s.outcome };
            ConstCounter::new(s.count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// Every metric the operator exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub reconcile_duration: Histogram,
    pub reconcile_local_duration: Histogram,
    reconciliations: Family<ResultLabels, Counter>,
    pub findings: Family<ObjectLabels, Gauge>,
    pub primary_healthy: Family<ObjectLabels, Gauge>,
    pub replication_lag_ms: Family<ObjectLabels, Gauge>,
    pub predicted_rto_seconds: Family<ObjectLabels, Gauge>,
    drills: Family<DrillLabels, Counter>,
    pub last_rto_ms: Family<ObjectLabels, Gauge>,
    pub leader: Gauge,
}

impl Metrics {
    pub fn new(aws_stats: Option<AwsStatsFn>) -> Metrics {
        let mut registry = Registry::with_prefix("regionalfailover");
        let reconcile_duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register("reconcile_duration_seconds", "Time one reconcile took", reconcile_duration.clone());
        let reconcile_local_duration = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "reconcile_local_duration_seconds",
            "Time one verifying reconcile took without the AWS and DNS reads (validation, status, events)",
            reconcile_local_duration.clone(),
        );
        let reconciliations = Family::<ResultLabels, Counter>::default();
        registry.register("reconciliations", "Reconciles by result (ok or an error label)", reconciliations.clone());
        let findings = Family::<ObjectLabels, Gauge>::default();
        registry.register("drift_findings", "Differences between live AWS and the spec", findings.clone());
        let primary_healthy = Family::<ObjectLabels, Gauge>::default();
        registry.register("primary_healthy", "1 healthy, 0 unhealthy, -1 unknown", primary_healthy.clone());
        let replication_lag_ms = Family::<ObjectLabels, Gauge>::default();
        registry.register("replication_lag_milliseconds", "Last measured replication lag", replication_lag_ms.clone());
        let predicted_rto_seconds = Family::<ObjectLabels, Gauge>::default();
        registry.register(
            "predicted_rto_seconds",
            "interval × threshold + propagation + TTL",
            predicted_rto_seconds.clone(),
        );
        let drills = Family::<DrillLabels, Counter>::default();
        registry.register("drills", "Finished drills by outcome", drills.clone());
        let last_rto_ms = Family::<ObjectLabels, Gauge>::default();
        registry.register("drill_measured_rto_milliseconds", "RTO measured by the last drill", last_rto_ms.clone());
        let leader = Gauge::default();
        registry.register("leader", "1 while this replica holds the lease", leader.clone());
        if let Some(stats) = aws_stats {
            registry.register_collector(Box::new(AwsCollector(stats)));
        }
        Metrics {
            registry: Arc::new(registry),
            reconcile_duration,
            reconcile_local_duration,
            reconciliations,
            findings,
            primary_healthy,
            replication_lag_ms,
            predicted_rto_seconds,
            drills,
            last_rto_ms,
            leader,
        }
    }

    pub fn count_reconcile(&self, result: &str) {
        self.reconciliations.get_or_create(&ResultLabels { result: result.to_string() }).inc();
    }

    pub fn count_drill(&self, obj: &ObjectLabels, outcome: &str) {
        let labels = DrillLabels { namespace: obj.namespace.clone(), name: obj.name.clone(), outcome: outcome.into() };
        self.drills.get_or_create(&labels).inc();
    }

    pub fn forget(&self, obj: &ObjectLabels) {
        for family in [&self.findings, &self.primary_healthy, &self.replication_lag_ms, &self.predicted_rto_seconds] {
            family.remove(obj);
        }
    }

    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Liveness and readiness evidence, updated by the loops that do the work.
#[derive(Debug, Default)]
pub struct Probes {
    /// Unix seconds of the last successful contact with the API server (lease loop or watch).
    last_api_contact: AtomicI64,
    /// The RegionalFailover watch has delivered its initial list (or we are a standby).
    watch_ready: AtomicBool,
}

impl Probes {
    pub fn api_contact(&self) {
        self.last_api_contact.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }
    pub fn set_watch_ready(&self, ready: bool) {
        self.watch_ready.store(ready, Ordering::Relaxed);
    }
    /// Alive while the API server was reached within `stale`: a wedged process stops renewing.
    pub fn alive(&self, stale: Duration) -> bool {
        let last = self.last_api_contact.load(Ordering::Relaxed);
        last > 0 && chrono::Utc::now().timestamp() - last <= stale.as_secs() as i64
    }
    pub fn ready(&self) -> bool {
        self.watch_ready.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
struct HttpState {
    metrics: Metrics,
    probes: Arc<Probes>,
    stale: Duration,
}

/// The HTTP endpoints for Prometheus and the kubelet.
pub fn router(metrics: Metrics, probes: Arc<Probes>, stale: Duration) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(HttpState { metrics, probes, stale })
}

async fn metrics_handler(State(s): State<HttpState>) -> impl IntoResponse {
    match s.metrics.render() {
        Ok(body) => (StatusCode::OK, [("content-type", "text/plain; version=0.0.4")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn healthz(State(s): State<HttpState>) -> impl IntoResponse {
    if s.probes.alive(s.stale) {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "no contact with the Kubernetes API server recently\n")
    }
}

async fn readyz(State(s): State<HttpState>) -> impl IntoResponse {
    if s.probes.ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "watch not established yet\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        m.count_reconcile("ok");
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
}
