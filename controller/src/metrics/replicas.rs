//! Per-replica series: the conversion countdown of replica states that end a global table and
//! DynamoDB's replication latency per direction (docs/architecture.md, "Metrics").

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;

use super::{Metrics, ObjectLabels};
use crate::api::RegionalFailoverStatus;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RegionLabels {
    namespace: Arc<str>,
    name: Arc<str>,
    region: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct LatencyLabels {
    namespace: Arc<str>,
    name: Arc<str>,
    replica: String,
    /// `from_primary` (primary → replica) or `to_primary` (replica → primary).
    direction: &'static str,
}

/// The per-replica series one object has now, so the stale ones can be removed.
pub(super) type ReplicaSeries = (Vec<RegionLabels>, Vec<LatencyLabels>);

impl Metrics {
    /// Per replica: the conversion countdown (while one runs) and the latency per direction.
    pub(super) fn record_replicas(&self, obj: &ObjectLabels, s: &RegionalFailoverStatus) {
        let now = chrono::Utc::now();
        let mut deadlines = Vec::new();
        let mut latencies = Vec::new();
        for replica in s.replication.iter().flat_map(|r| &r.replicas) {
            let left =
                replica.conversion_at.map(|at| (at - now).num_seconds().max(0)).or(replica.conversion_seconds_left);
            if let Some(left) = left {
                let labels = RegionLabels {
                    namespace: obj.namespace.clone(),
                    name: obj.name.clone(),
                    region: replica.region.clone(),
                };
                self.replica_conversion_deadline.get_or_create(&labels).set(left);
                deadlines.push(labels);
            }
            for (direction, window) in
                [("from_primary", &replica.latency_ms), ("to_primary", &replica.latency_to_primary_ms)]
            {
                if let Some(max) = window.as_ref().and_then(|w| w.maximum) {
                    let labels = LatencyLabels {
                        namespace: obj.namespace.clone(),
                        name: obj.name.clone(),
                        replica: replica.region.clone(),
                        direction,
                    };
                    self.replication_latency_ms.get_or_create(&labels).set(max.round() as i64);
                    latencies.push(labels);
                }
            }
        }
        let mut current = self.replica_series.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((old_deadlines, old_latencies)) = current.remove(obj) {
            for old in old_deadlines.iter().filter(|l| !deadlines.contains(l)) {
                self.replica_conversion_deadline.remove(old);
            }
            for old in old_latencies.iter().filter(|l| !latencies.contains(l)) {
                self.replication_latency_ms.remove(old);
            }
        }
        current.insert(obj.clone(), (deadlines, latencies));
    }

    pub(super) fn forget_replicas(&self, obj: &ObjectLabels) {
        let mut current = self.replica_series.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((deadlines, latencies)) = current.remove(obj) {
            for old in &deadlines {
                self.replica_conversion_deadline.remove(old);
            }
            for old in &latencies {
                self.replication_latency_ms.remove(old);
            }
        }
    }
}
