//! What the AWS adapters observed, as plain data: the input of the pure verification.
//!
//! Adapters fill these from API responses; nothing here performs I/O.

use chrono::{DateTime, Utc};

use crate::aws::AwsError;

/// Everything verification needs for one RegionalFailover, read in one cycle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AwsSnapshot {
    /// `None` when `GetHealthCheck` reports NoSuchHealthCheck.
    pub health_check: Option<HealthCheckObserved>,
    /// Checker observations from `GetHealthCheckStatus` (empty when not read this cycle).
    pub checker_observations: Vec<CheckerObservation>,
    /// All record sets of the zone with the spec's record name (any type, any routing).
    pub records: Vec<RecordObserved>,
    /// `None` when the hosted zone does not exist.
    pub zone: Option<ZoneObserved>,
    /// `DescribeTable` + `DescribeContinuousBackups` in the primary region.
    pub primary_table: Option<TableObserved>,
    /// The same, in each region named by `spec.table.replicaRegions` (`None` = table missing there).
    pub replica_tables: Vec<(String, Option<TableObserved>)>,
    /// DynamoDB's `ReplicationLatency` (and the source table's writes) from CloudWatch, one read per
    /// source region: `None` when not read, the error when CloudWatch could not be read (only the
    /// replication judgement becomes Unknown then, not the whole snapshot).
    pub replication_metrics: Option<Result<Vec<ReplicationMetrics>, AwsError>>,
    /// Other health checks the failover path depends on, by ID (`None` = Route 53 has no such
    /// check): a CALCULATED primary check's children (and theirs) and the SECONDARY record's check.
    pub related_health_checks: Vec<(String, Option<HealthCheckObserved>)>,
    /// CloudWatch alarms behind CLOUDWATCH_METRIC checks (`DescribeAlarms`; `None` = no such alarm).
    pub alarms: Vec<(AlarmRef, Option<AlarmObserved>)>,
    /// Route 53's verdict on the SECONDARY record's health check (after its `Inverted`/`Disabled`),
    /// when it was read this cycle; `None` when not read (or the SECONDARY has no check).
    pub secondary_health: Option<crate::api::HealthState>,
}

impl AwsSnapshot {
    /// A health check by ID: the primary's or a related one; `None` when unknown or missing.
    pub fn health_check_by_id(&self, id: &str) -> Option<&HealthCheckObserved> {
        match &self.health_check {
            Some(hc) if hc.id == id => Some(hc),
            _ => self.related_health_checks.iter().find(|(i, _)| i == id).and_then(|(_, hc)| hc.as_ref()),
        }
    }

    /// The alarm as read: `Some(None)` when it does not exist, `None` when it was not read.
    pub fn alarm(&self, alarm: &AlarmRef) -> Option<Option<&AlarmObserved>> {
        self.alarms.iter().find(|(r, _)| r == alarm).map(|(_, a)| a.as_ref())
    }
}

/// A CloudWatch alarm as Route 53 names it (`AlarmIdentifier`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlarmRef {
    pub region: String,
    pub name: String,
}

/// A CloudWatch metric alarm (`DescribeAlarms`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmObserved {
    pub region: String,
    pub name: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    /// Seconds per evaluated period.
    pub period: Option<u32>,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
}

/// A Route 53 health check's configuration (`GetHealthCheck`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheckObserved {
    pub id: String,
    /// `HTTP`, `HTTPS`, `TCP`, `HTTP_STR_MATCH`, `CALCULATED`, ...
    pub kind: String,
    pub fqdn: Option<String>,
    pub ip_address: Option<String>,
    pub port: Option<u32>,
    pub resource_path: Option<String>,
    pub request_interval: Option<u32>,
    pub failure_threshold: Option<u32>,
    pub inverted: bool,
    pub disabled: bool,
    /// `HealthCheckVersion`, incremented by Route 53 on every change.
    pub version: Option<i64>,
    /// Checker regions configured; empty means Route 53's default (all regions).
    pub regions: Vec<String>,
    /// CALCULATED: the children's IDs (`ChildHealthChecks`).
    pub child_health_checks: Vec<String>,
    /// CALCULATED: how many children must be healthy (`HealthThreshold`).
    pub health_threshold: Option<u32>,
    /// CLOUDWATCH_METRIC: the alarm followed (`AlarmIdentifier`).
    pub alarm: Option<AlarmRef>,
    /// CLOUDWATCH_METRIC: `Healthy`, `Unhealthy` or `LastKnownStatus`.
    pub insufficient_data_health_status: Option<String>,
}

/// One checker's last observation (`GetHealthCheckStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckerObservation {
    pub region: String,
    /// Status text, e.g. `Success: HTTP Status Code 200, OK` or `Failure: Connection refused`.
    pub status: String,
    pub checked_at: Option<DateTime<Utc>>,
}

impl CheckerObservation {
    /// Route 53 prefixes healthy observations with "Success".
    pub fn healthy(&self) -> bool {
        self.status.starts_with("Success")
    }
}

/// A hosted zone (`GetHostedZone`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneObserved {
    pub id: String,
    /// Zone apex, without trailing dot.
    pub name: String,
    /// Delegation set name servers.
    pub name_servers: Vec<String>,
}

/// Failover role of a record set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverRole {
    Primary,
    Secondary,
}

/// A resource record set (`ListResourceRecordSets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordObserved {
    /// Name without trailing dot, lower case.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, ...
    pub kind: String,
    pub set_identifier: Option<String>,
    pub failover: Option<FailoverRole>,
    pub health_check_id: Option<String>,
    /// `None` for alias records.
    pub ttl: Option<u32>,
    /// Values (addresses or names, without trailing dot); for an alias, its DNS name.
    pub values: Vec<String>,
    pub alias: bool,
    /// Alias only: the record inherits its target's health (`EvaluateTargetHealth`).
    pub evaluate_target_health: bool,
    /// Alias only: the hosted zone of the alias target (`AliasTarget.HostedZoneId`).
    pub alias_zone: Option<String>,
}

/// A DynamoDB table in one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableObserved {
    pub region: String,
    pub name: String,
    /// `ACTIVE`, `CREATING`, ...
    pub status: String,
    /// `2019.11.21` for current global tables; `None` when not a global table.
    pub global_table_version: Option<String>,
    /// Replicas as listed by this region's `DescribeTable` (region, `ReplicaStatus`).
    pub replicas: Vec<(String, String)>,
    pub stream_enabled: bool,
    /// `NEW_AND_OLD_IMAGES`, ...
    pub stream_view_type: Option<String>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing_mode: Option<String>,
    /// SSE type: `AES256` (owned key, default), `KMS` (+ key ARN in `sse_kms_key`).
    pub sse_type: Option<String>,
    pub sse_kms_key: Option<String>,
    /// `DescribeContinuousBackups`: point-in-time recovery enabled.
    pub pitr_enabled: bool,
    /// `ReplicaInaccessibleDateTime` of listed replicas that report one (region, time): when DynamoDB
    /// first found the replica inaccessible, the start of its 20-hour conversion clock.
    pub replica_inaccessible_since: Vec<(String, DateTime<Utc>)>,
    /// `MultiRegionConsistency` (`EVENTUAL` or `STRONG`); `None` when DynamoDB does not say (a table
    /// that is no global table, or an answer from before the field existed: eventual).
    pub multi_region_consistency: Option<String>,
    /// `GlobalTableWitnesses`: (region, `WitnessStatus`).
    pub witnesses: Vec<(String, String)>,
}

/// One `GetMetricData` answer about a table's replication out of one source region: per receiving
/// region, `AWS/DynamoDB ReplicationLatency` Average and Maximum per period, and the source
/// table's own writes (`ConsumedWriteCapacityUnits` Sum) per period, to tell "nothing was written"
/// from "written but nothing arrived".
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationMetrics {
    /// The region that publishes the metric: the one the writes were made in.
    pub source_region: String,
    pub table: String,
    pub period_seconds: u32,
    /// The window asked for (`objectives.rpoWindowMinutes`), in seconds.
    pub window_seconds: u32,
    /// The window read, `[start, end)`, aligned to whole periods: from the period holding
    /// `now - window` to the end of the current one.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Per receiving region, its datapoints oldest first (periods without a sample have none).
    pub latency: Vec<(String, Vec<LatencyPoint>)>,
    /// Periods in which the source table took writes (Sum > 0), oldest first.
    pub writes: Vec<DateTime<Utc>>,
}

/// One period of `ReplicationLatency`, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyPoint {
    /// Start of the period.
    pub at: DateTime<Utc>,
    pub average_ms: f64,
    pub maximum_ms: f64,
}
