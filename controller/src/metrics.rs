//! The Prometheus registry: every metric the operator exports (names are an interface: dashboards
//! and the chart's alerts use them; docs/architecture.md, "Metrics").

mod aws;
mod conditions;
mod http;
mod replicas;

use std::sync::Arc;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

use aws::AwsCollector;
pub use aws::{AwsCallCount, AwsStatsFn};
use conditions::{ConditionLabels, Series};
pub use http::{Probes, router};
use replicas::{LatencyLabels, RegionLabels, ReplicaSeries};

use crate::api::{DrillPhase, DrillRecord, HealthState, RegionalFailoverStatus};

/// Labels identifying one RegionalFailover. Shared, not copied: an object has a series in a dozen
/// families, and a fleet of 1,000 held its names as tens of thousands of small strings
/// (docs/architecture.md, "Memory").
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ObjectLabels {
    pub namespace: Arc<str>,
    pub name: Arc<str>,
}

impl ObjectLabels {
    pub fn new(namespace: &str, name: &str) -> ObjectLabels {
        ObjectLabels { namespace: namespace.into(), name: name.into() }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    namespace: Arc<str>,
    name: Arc<str>,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    namespace: Arc<str>,
    name: Arc<str>,
    stage: String,
}

/// 0.25 s to about 68 minutes: a drill's stages span from sub-second DNS flips to long TTLs.
fn stage_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.25, 2.0, 15))
}

/// Every metric the operator exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub reconcile_duration: Histogram,
    pub reconcile_local_duration: Histogram,
    pub status_write_duration: Histogram,
    pub slot_wait: Histogram,
    reconciliations: Family<ResultLabels, Counter>,
    findings: Family<ObjectLabels, Gauge>,
    primary_healthy: Family<ObjectLabels, Gauge>,
    active_secondary: Family<ObjectLabels, Gauge>,
    replication_lag_ms: Family<ObjectLabels, Gauge>,
    predicted_rto_seconds: Family<ObjectLabels, Gauge>,
    conditions: Family<ConditionLabels, Gauge>,
    /// The condition series each object has now, so the stale ones can be removed.
    condition_series: Arc<std::sync::Mutex<std::collections::HashMap<ObjectLabels, Vec<Series>>>>,
    dns_flips: Family<OutcomeLabels, Counter>,
    dns_flip_at: Family<ObjectLabels, Gauge>,
    drills: Family<OutcomeLabels, Counter>,
    drill_restore_failures: Family<ObjectLabels, Counter>,
    drill_stages: Family<StageLabels, Histogram, fn() -> Histogram>,
    last_rto_ms: Family<ObjectLabels, Gauge>,
    replica_conversion_deadline: Family<RegionLabels, Gauge>,
    replication_latency_ms: Family<LatencyLabels, Gauge>,
    replica_series: Arc<std::sync::Mutex<std::collections::HashMap<ObjectLabels, ReplicaSeries>>>,
    pub leader: Gauge,
}

/// Measures one reconcile; [`ReconcileTimer::finish`] records it with its result.
pub struct ReconcileTimer<'a> {
    metrics: &'a Metrics,
    started: std::time::Instant,
}

impl ReconcileTimer<'_> {
    pub fn finish(self, result: &str) {
        self.metrics.reconcile_duration.observe(self.started.elapsed().as_secs_f64());
        self.metrics.reconciliations.get_or_create(&ResultLabels { result: result.to_string() }).inc();
    }
}

impl Metrics {
    pub fn new(aws_stats: Option<AwsStatsFn>) -> Metrics {
        let mut r = Registry::with_prefix("regionalfailover");
        let reconcile_duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        r.register("reconcile_duration_seconds", "Time one reconcile took", reconcile_duration.clone());
        let reconcile_local_duration = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        r.register(
            "reconcile_local_duration_seconds",
            "Time assembling one verification's status took (pure work, no I/O)",
            reconcile_local_duration.clone(),
        );
        let status_write_duration = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        r.register(
            "status_write_duration_seconds",
            "Time one status write (server-side apply) took, the API server's answer included",
            status_write_duration.clone(),
        );
        // 1 ms to about 65 s: seconds here mean the operator is saturated (docs/architecture.md,
        // "One reconcile").
        let slot_wait = Histogram::new(exponential_buckets(0.001, 2.0, 17));
        r.register(
            "reconcile_slot_wait_seconds",
            "Time a due reconcile waited for a free slot before it started (a sign of saturation)",
            slot_wait.clone(),
        );
        let m = Metrics {
            registry: Arc::new(Registry::default()),
            reconcile_duration,
            reconcile_local_duration,
            status_write_duration,
            slot_wait,
            reconciliations: Family::default(),
            findings: Family::default(),
            primary_healthy: Family::default(),
            active_secondary: Family::default(),
            replication_lag_ms: Family::default(),
            predicted_rto_seconds: Family::default(),
            conditions: Family::default(),
            condition_series: Arc::default(),
            dns_flips: Family::default(),
            dns_flip_at: Family::default(),
            drills: Family::default(),
            drill_restore_failures: Family::default(),
            drill_stages: Family::new_with_constructor(stage_histogram),
            last_rto_ms: Family::default(),
            replica_conversion_deadline: Family::default(),
            replication_latency_ms: Family::default(),
            replica_series: Arc::default(),
            leader: Gauge::default(),
        };
        r.register(
            "reconciliations",
            "Reconciles by result: ok, or what failed (denied, throttled, unreachable, timeout, kube, ...)",
            m.reconciliations.clone(),
        );
        r.register("drift_findings", "Differences between live AWS and the spec", m.findings.clone());
        r.register(
            "primary_healthy",
            "1 healthy, 0 unhealthy, -1 unknown (after Inverted/Disabled)",
            m.primary_healthy.clone(),
        );
        r.register(
            "active_region_secondary",
            "1 while the authoritative DNS servers answer with the secondary (failed over), 0 with the primary",
            m.active_secondary.clone(),
        );
        r.register("replication_lag_milliseconds", "Last measured replication lag", m.replication_lag_ms.clone());
        r.register(
            "predicted_rto_seconds",
            "detection (interval × threshold, a calculated check's children, an alarm's periods) + propagation + TTL",
            m.predicted_rto_seconds.clone(),
        );
        r.register(
            "status_condition",
            "1 for each condition's current status and reason (alert on status=\"False\" or reason=\"AccessDenied\")",
            m.conditions.clone(),
        );
        r.register(
            "dns_flips_observed",
            "Changes of the authoritative answer seen between verifications, by the region answered now",
            m.dns_flips.clone(),
        );
        r.register(
            "dns_flip_observed_timestamp_seconds",
            "When the operator last saw the authoritative answer change region (Unix time)",
            m.dns_flip_at.clone(),
        );
        r.register(
            "drills",
            "Finished drills by outcome (succeeded, missed_objective, failed, aborted)",
            m.drills.clone(),
        );
        r.register(
            "drill_restore_failures",
            "Drill restores of the health check that did not verify (each retried)",
            m.drill_restore_failures.clone(),
        );
        r.register(
            "drill_stage_seconds",
            "Each RTO waterfall stage of finished drills: seconds from the injection (failover) or the restore (failback)",
            m.drill_stages.clone(),
        );
        r.register("drill_measured_rto_milliseconds", "RTO measured by the last drill", m.last_rto_ms.clone());
        r.register(
            "replica_conversion_deadline_seconds",
            "Seconds until DynamoDB removes a replica in REPLICATION_NOT_AUTHORIZED, INACCESSIBLE_ENCRYPTION_CREDENTIALS \
             or REGION_DISABLED from the global table (a standalone single-Region table remains); present only then",
            m.replica_conversion_deadline.clone(),
        );
        r.register(
            "replication_latency_milliseconds",
            "Largest DynamoDB ReplicationLatency over the RPO window (CloudWatch), per replica and direction \
             (from_primary, to_primary)",
            m.replication_latency_ms.clone(),
        );
        r.register("leader", "1 while this replica holds the lease", m.leader.clone());
        if let Some(stats) = aws_stats {
            r.register_collector(Box::new(AwsCollector(stats)));
        }
        Metrics { registry: Arc::new(r), ..m }
    }

    pub fn reconcile_timer(&self) -> ReconcileTimer<'_> {
        ReconcileTimer { metrics: self, started: std::time::Instant::now() }
    }

    /// Every gauge of one object, from its status.
    pub fn record_status(&self, obj: &ObjectLabels, primary_region: &str, s: &RegionalFailoverStatus) {
        self.findings.get_or_create(obj).set(s.drift.len() as i64);
        let health = match s.health.as_ref().map(|h| h.status) {
            Some(HealthState::Healthy) => 1,
            Some(HealthState::Unhealthy) => 0,
            _ => -1,
        };
        self.primary_healthy.get_or_create(obj).set(health);
        if let Some(active) = &s.active_region {
            self.active_secondary.get_or_create(obj).set(i64::from(active != primary_region));
        }
        if let Some(lag) = s.replication.as_ref().and_then(|r| r.lag_seconds) {
            self.replication_lag_ms.get_or_create(obj).set((lag * 1000.0) as i64);
        }
        if let Some(p) = s.predicted_rto_seconds {
            self.predicted_rto_seconds.get_or_create(obj).set(i64::from(p));
        }
        self.record_replicas(obj, s);
        self.record_conditions(obj, s);
    }

    /// A finished drill: its outcome, measured RTO and failed restores.
    pub fn record_drill(&self, obj: &ObjectLabels, record: &DrillRecord) {
        let outcome = match (record.phase, record.passed) {
            (DrillPhase::Succeeded, Some(true)) => "succeeded",
            (DrillPhase::Succeeded, _) => "missed_objective",
            (DrillPhase::Aborted, _) => "aborted",
            _ => "failed",
        };
        let labels =
            OutcomeLabels { namespace: obj.namespace.clone(), name: obj.name.clone(), outcome: outcome.into() };
        self.drills.get_or_create(&labels).inc();
        if let Some(rto) = record.measured_rto_seconds {
            self.last_rto_ms.get_or_create(obj).set((rto * 1000.0) as i64);
        }
        if let Some(n) = record.restore_failures {
            self.drill_restore_failures.get_or_create(obj).inc_by(u64::from(n));
        }
        for stage in &record.waterfall {
            if let Some(seconds) = stage.seconds {
                let labels = StageLabels {
                    namespace: obj.namespace.clone(),
                    name: obj.name.clone(),
                    stage: stage.stage.clone(),
                };
                self.drill_stages.get_or_create(&labels).observe(seconds);
            }
        }
    }

    /// The DNS watch saw the authoritative answer change.
    /// The moment the operator saw DNS change region: counted by the region answered now, and
    /// timestamped.
    pub fn dns_flip_observed(
        &self,
        obj: &ObjectLabels,
        now_answering: Option<&str>,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let outcome = now_answering.unwrap_or("unknown").to_string();
        let labels = OutcomeLabels { namespace: obj.namespace.clone(), name: obj.name.clone(), outcome };
        self.dns_flips.get_or_create(&labels).inc();
        self.dns_flip_at.get_or_create(obj).set(at.timestamp());
    }

    /// Removes a deleted object's series, so its gauges stop alerting.
    pub fn forget(&self, obj: &ObjectLabels) {
        for family in [
            &self.findings,
            &self.primary_healthy,
            &self.active_secondary,
            &self.replication_lag_ms,
            &self.predicted_rto_seconds,
            &self.last_rto_ms,
            &self.dns_flip_at,
        ] {
            family.remove(obj);
        }
        self.drill_restore_failures.remove(obj);
        self.forget_conditions(obj);
        self.forget_replicas(obj);
    }

    #[cfg(test)]
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
