//! The DynamoDB global table part of the spec: what the table must look like in every region.

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// DynamoDB stream view types.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamViewType {
    NewAndOldImages,
    NewImage,
    OldImage,
    KeysOnly,
}

/// The DynamoDB global table (version 2019.11.21) behind the API.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TableSpec {
    /// Table name (the same in every region).
    #[schemars(length(min = 1, max = 255))]
    #[x_kube(validation = Rule::new("self.matches('^[a-zA-Z0-9_.-]{3,255}$')").message("table.name must be 3-255 characters of letters, digits, '_', '-' or '.'"))]
    pub name: String,
    /// Regions holding a replica besides the primary; must include the secondary region.
    #[schemars(length(min = 1, max = 10), inner(length(min = 1, max = 32)))]
    #[x_kube(validation = Rule::new("self.all(r, self.filter(s, s == r).size() == 1)").message("table.replicaRegions must not list a region twice"))]
    pub replica_regions: Vec<String>,
    /// Stream view type the table must have (global tables need streams).
    #[serde(default = "default_stream_view")]
    pub stream_view_type: StreamViewType,
    /// Whether point-in-time recovery must be on in the primary and in every replica.
    #[serde(default = "default_true")]
    pub point_in_time_recovery: bool,
    /// Opt-in canary write that measures replication lag end to end.
    #[serde(default)]
    pub replication_probe: ReplicationProbe,
    /// The consistency mode the global table must have: `EVENTUAL` (multi-Region eventual
    /// consistency, MREC, the default) or `STRONG` (MRSC: needs three regions, or two plus a witness).
    #[serde(default)]
    #[x_kube(validation = Rule::new("self == 'EVENTUAL' || self == 'STRONG'").message("table.multiRegionConsistency must be EVENTUAL (multi-Region eventual consistency) or STRONG (multi-Region strong consistency)"))]
    pub multi_region_consistency: MultiRegionConsistency,
}

/// A global table's `MultiRegionConsistency`.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MultiRegionConsistency {
    /// MREC: replicas converge asynchronously; a failover can lose the writes not yet replicated.
    #[default]
    Eventual,
    /// MRSC: a write succeeds once a second region has it, so a failover loses none.
    Strong,
}

impl MultiRegionConsistency {
    /// DynamoDB's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MultiRegionConsistency::Eventual => "EVENTUAL",
            MultiRegionConsistency::Strong => "STRONG",
        }
    }
}

/// A canary item written in the primary and read back in each replica.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReplicationProbe {
    /// Write probe items (key prefix `regionalfailover-probe#`, with a TTL attribute).
    #[serde(default)]
    pub enabled: bool,
    /// Name of the table's partition key attribute.
    #[serde(default = "default_key_attribute")]
    #[schemars(length(min = 1, max = 255))]
    pub key_attribute: String,
    /// Seconds between probes.
    #[serde(default = "default_probe_interval")]
    #[schemars(range(min = 30, max = 86400))]
    #[x_kube(validation = Rule::new("self >= 30 && self <= 86400").message("replicationProbe.intervalSeconds must be between 30 and 86400"))]
    pub interval_seconds: u32,
}

impl Default for ReplicationProbe {
    fn default() -> Self {
        Self { enabled: false, key_attribute: default_key_attribute(), interval_seconds: default_probe_interval() }
    }
}

fn default_stream_view() -> StreamViewType {
    StreamViewType::NewAndOldImages
}
fn default_true() -> bool {
    true
}
fn default_key_attribute() -> String {
    "pk".into()
}
fn default_probe_interval() -> u32 {
    300
}
