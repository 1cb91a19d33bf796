//! `status.lastFailover`: a real failover or failback the operator saw happen (not a drill), with
//! the stages it has evidence for (docs/architecture.md, "Witnessed failovers").

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status_drill::{ServerTimeline, ValidationResult, WaterfallStage};

/// Which way DNS moved.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum FlipDirection {
    /// From the primary to the secondary.
    Failover,
    /// Back to the primary.
    Failback,
}

/// The last change of the authoritative answer that no drill of this object caused.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WitnessedFailover {
    pub direction: FlipDirection,
    /// Region DNS answered with before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_region: Option<String>,
    /// Region DNS answers with now.
    pub to_region: String,
    /// The last time the operator saw the old answer: Route 53 flipped after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_old_answer_at: Option<DateTime<Utc>>,
    /// When the operator first saw the new answer.
    pub observed_at: DateTime<Utc>,
    /// Each authoritative server's first answer with the new region, as the watch saw it
    /// (`failedOverAt` for a failover, `failedBackAt` for a failback).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerTimeline>,
    /// When every server that answered agreed on the new region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_servers_at: Option<DateTime<Utc>>,
    /// The request to the standby (`spec.postFailoverValidation`) after a failover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_failover_validation: Option<ValidationResult>,
    /// The stages with evidence, seconds counted from the last old answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waterfall: Vec<WaterfallStage>,
}

/// A drill of another process (typically the operator in the other region's cluster) holds the
/// health check: its AWS-side lock exists and the check is changed. This operator reports it and
/// leaves the check alone; the holder restores it, or its fail-safe does at `restoresAt`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForeignDrill {
    /// Who holds the lock, as it wrote itself into it ("operator POD (REGION) for ns/name, drill ...").
    pub holder: String,
    /// The lock: the fail-safe schedule's name.
    pub lock: String,
    /// When its fail-safe restores the check if the holder does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restores_at: Option<DateTime<Utc>>,
    pub first_seen_at: DateTime<Utc>,
}
