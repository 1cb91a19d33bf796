//! `RegionalFailover` status: what the operator observed and proved.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status_drill::DrillStatus;

/// Observed state, written by the operator only (server-side apply, field manager `regional-failover`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionalFailoverStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Ready, InSync, PrimaryHealthy, ReplicationHealthy, WithinObjective, DrillSucceeded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Region whose endpoint the zone's authoritative servers answer with now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_region: Option<String>,
    /// The primary health check as Route 53's checkers see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthStatus>,
    /// State of the table's replicas and the last measured lag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationStatus>,
    /// Differences between the live AWS resources and the spec; empty when in sync.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Finding>,
    /// Detection time of whatever drives the PRIMARY's health (interval × threshold; a calculated
    /// check's children; an alarm's period × evaluation periods) + propagation allowance + TTL, in
    /// seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_rto_seconds: Option<u32>,
    /// Seconds from the primary recovering to every resolver answering with it again: detection of
    /// the recovery + propagation allowance + the SECONDARY record's TTL (the failback TTL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_failback_seconds: Option<u32>,
    // Boxed, like `last_failover`: every cached object carries this field, most without a drill,
    // and inline it would make each one 1.2 KB larger (docs/architecture.md, "Memory"). A `//`
    // comment: the `///` text is the field's description in the CRD.
    /// The running drill, the last finished one and recent history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill: Option<Box<DrillStatus>>,
    /// The region of the cluster this status was written from (`--cluster-region`): in two-cluster
    /// mode each cluster's copy of the object shows what its operator sees from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_from: Option<String>,
    /// AWS services that did not answer from `observedFrom` in the last verification (code
    /// `Unreachable`; not drift): what they hold is unknown until they answer again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<Finding>,
    /// A drill of another process holds the health check right now (see `ForeignDrill`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_drill: Option<super::status_witness::ForeignDrill>,
    /// The last real failover or failback the operator saw (drills keep theirs in `drill`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failover: Option<Box<super::status_witness::WitnessedFailover>>,
    /// When the live AWS resources were last compared with the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<DateTime<Utc>>,
}

/// The metav1.Condition shape.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type, e.g. `Ready`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,
    /// The `metadata.generation` the condition was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When `status` last changed.
    pub last_transition_time: DateTime<Utc>,
    /// CamelCase reason, stable for automation.
    pub reason: String,
    /// What happened and what to do about it.
    pub message: String,
}

/// Tri-state condition status.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

/// Health of the primary as Route 53 reports it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthStatus {
    /// `Healthy` when more than 18 % of reporting checkers see the endpoint healthy (or, with
    /// source `DNS`, when Route 53's name servers answer with the primary).
    pub status: HealthState,
    /// Checkers whose last observation was healthy, as of the last `GetHealthCheckStatus` read.
    pub checkers_healthy: u32,
    /// Checkers that reported an observation, as of the last `GetHealthCheckStatus` read.
    pub checkers_reporting: u32,
    /// When the verdict was last confirmed.
    pub observed_at: DateTime<Utc>,
    /// Where the verdict came from: `Checkers` (GetHealthCheckStatus, limited to about one call
    /// per second per account) or `DNS` (Route 53's authoritative answer, which only names the
    /// primary while its health check passes; free, so read every cycle).
    #[serde(default)]
    pub source: HealthSource,
    /// When Route 53's checkers were last asked (the time of `checkersHealthy`/`checkersReporting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkers_observed_at: Option<DateTime<Utc>>,
}

/// Evidence behind [`HealthStatus::status`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum HealthSource {
    #[default]
    Checkers,
    #[serde(rename = "DNS")]
    Dns,
}

/// Health verdict.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum HealthState {
    Healthy,
    Unhealthy,
    Unknown,
}

/// Replication state of the global table.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplicationStatus {
    /// Each replica region and its `ReplicaStatus` as DynamoDB reports it.
    #[serde(default)]
    pub replicas: Vec<ReplicaState>,
    /// Largest replication lag last measured, in seconds: the maximum of DynamoDB's
    /// `ReplicationLatency` over the window (either direction), or the replication probe's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
    /// When the replication probe last measured the lag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probed_at: Option<DateTime<Utc>>,
    /// The replication probe's last failed call (its canary write in the primary, the read-back in a
    /// replica, or the cleanup), kept until a probe completes without one or the probe is turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_failure: Option<ProbeFailure>,
    /// When DynamoDB's `ReplicationLatency` was last read from CloudWatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_read_at: Option<DateTime<Utc>>,
    /// The global table's `MultiRegionConsistency` as DynamoDB reports it: `EVENTUAL` (MREC) or
    /// `STRONG` (MRSC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region_consistency: Option<String>,
    /// Witness regions of a strongly consistent table (`GlobalTableWitnesses`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witness_regions: Vec<String>,
}

/// A replication probe call that failed (docs/architecture.md, "Replication").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProbeFailure {
    /// The call's IAM action: `dynamodb:PutItem`, `dynamodb:GetItem` or `dynamodb:DeleteItem`.
    pub action: String,
    /// How it failed, labelled as in the AWS error metrics: `denied` (the operator's role lacks a
    /// permission), `throttled`, `timeout`, `unreachable`, `server_error`, ...
    pub error: String,
    /// What failed and what to do, as `ReplicationHealthy` says it.
    pub message: String,
    /// When the probe failed.
    pub at: DateTime<Utc>,
}

/// One replica.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaState {
    /// Replica region.
    pub region: String,
    /// `ACTIVE`, `CREATING`, `UPDATING`, `DELETING`, `CREATION_FAILED`, `REPLICATION_NOT_AUTHORIZED`,
    /// `INACCESSIBLE_ENCRYPTION_CREDENTIALS`, `REGION_DISABLED`, `ARCHIVING`, `ARCHIVED`, or `MISSING`.
    pub status: String,
    /// Lag measured for this replica by the replication probe, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
    /// Where this replica's lag figures come from: `CloudWatch` (DynamoDB's `ReplicationLatency`)
    /// or `Probe` (the canary item, the end-to-end cross-check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "optional_source_schema")]
    pub source: Option<ReplicationSource>,
    /// `ReplicationLatency` from the primary to this replica over the window, in milliseconds:
    /// what a failover to it would lose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<LatencyWindow>,
    /// `ReplicationLatency` from this replica back to the primary, in milliseconds (writes made
    /// here, e.g. after a failover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_to_primary_ms: Option<LatencyWindow>,
    /// When the operator first saw the replica in its current, not ACTIVE status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen_at: Option<DateTime<Utc>>,
    /// When DynamoDB removes this replica from the global table (20 hours after it became
    /// inaccessible; DynamoDB's `ReplicaInaccessibleDateTime`, else `firstSeenAt`), leaving a
    /// standalone single-Region table: set while the status is one that ends that way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_at: Option<DateTime<Utc>>,
    /// Seconds left until `conversionAt`, as of the last verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_seconds_left: Option<i64>,
}

/// Evidence behind a replica's lag figures.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ReplicationSource {
    CloudWatch,
    Probe,
}

/// `Option<ReplicationSource>` as a plain nullable string enum: schemars lists `null` among the
/// enum values, which a structural CRD schema does not need.
fn optional_source_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "Where this replica's lag figures come from: `CloudWatch` (DynamoDB's `ReplicationLatency`) \
                        or `Probe` (the canary item, the end-to-end cross-check).",
        "type": "string",
        "enum": ["CloudWatch", "Probe"],
        "nullable": true
    })
}

/// `ReplicationLatency` over a window of one-minute periods, in milliseconds.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatencyWindow {
    /// Mean of the per-minute averages; absent when no write was replicated in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    /// Largest single replication delay in the window; judged against `objectives.rpoSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// Length of the window, in seconds.
    pub window_seconds: u32,
    /// The source table took writes in the window but DynamoDB published no `ReplicationLatency`
    /// for the latest of them: replication may be stuck, so the lag is unknown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing_while_writing: bool,
}

/// One difference between the live AWS resources and the spec.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable code, e.g. `HealthCheckThresholdMismatch`.
    pub code: String,
    /// The AWS resource, e.g. `route53:healthcheck/0f3c…` or `dynamodb:us-west-2/profiles`.
    pub resource: String,
    /// The field that differs.
    pub field: String,
    /// What the spec (or the design's invariants) requires.
    pub expected: String,
    /// What AWS reports.
    pub actual: String,
    /// Why it matters and what to do.
    pub message: String,
}
