//! `RegionalFailover` spec: what the team declares about its two-region deployment.
//!
//! Doc comments become `kubectl explain` text; `#[x_kube(validation)]` rules become the CRD's
//! CEL rules (enforced by API servers ≥ 1.25 and client-side by [`super::validate`]).

use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    spec_drills::{DrillSpec, Objectives, PostFailoverValidation},
    spec_failover::{AlarmSpec, InsufficientDataHealthStatus, ProbeType, SecondaryHealthCheck},
    spec_table::TableSpec,
    status::RegionalFailoverStatus,
};

/// A two-region active-passive deployment whose failover the operator verifies and drills.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "regionalfailover.io",
    version = "v1alpha1",
    kind = "RegionalFailover",
    plural = "regionalfailovers",
    shortname = "rf",
    category = "all",
    namespaced,
    doc = "A two-region active-passive deployment whose failover the operator verifies and drills.",
    status = "RegionalFailoverStatus",
    printcolumn(
        name = "ACTIVE",
        type_ = "string",
        description = "Region the authoritative DNS servers answer with now",
        json_path = ".status.activeRegion"
    ),
    printcolumn(
        name = "HEALTH",
        type_ = "string",
        description = "Primary health check as Route 53 sees it",
        json_path = ".status.health.status"
    ),
    printcolumn(
        name = "IN-SYNC",
        type_ = "string",
        description = "True when live AWS matches the spec",
        json_path = ".status.conditions[?(@.type==\"InSync\")].status"
    ),
    printcolumn(
        name = "REPL-LAG",
        type_ = "number",
        description = "Last measured replication lag in seconds",
        json_path = ".status.replication.lagSeconds"
    ),
    printcolumn(
        name = "LAST-RTO",
        type_ = "number",
        description = "Seconds from injection to DNS answering with the secondary in the last drill",
        json_path = ".status.drill.last.measuredRtoSeconds"
    ),
    printcolumn(name = "AGE", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[x_kube(validation = Rule::new("self.primary.region != self.secondary.region").message("primary.region and secondary.region must differ: a failover pair needs two regions"))]
#[x_kube(validation = Rule::new("self.primary.endpoint != self.secondary.endpoint").message("primary.endpoint and secondary.endpoint must differ: failing over to the same endpoint proves nothing"))]
#[x_kube(validation = Rule::new("self.table.replicaRegions.exists(r, r == self.secondary.region)").message("table.replicaRegions must contain secondary.region: the standby needs a local replica of the table"))]
#[x_kube(validation = Rule::new("!self.table.replicaRegions.exists(r, r == self.primary.region)").message("table.replicaRegions must not contain primary.region: the primary table is not its own replica"))]
#[x_kube(validation = Rule::new("self.drills.all(d, self.drills.filter(e, e.name == d.name).size() == 1)").message("drill names must be unique: the run-drill annotation selects a drill by name"))]
#[x_kube(validation = Rule::new("self.drills.all(d, d.timeoutSeconds >= 2 * self.healthCheck.requestIntervalSeconds * self.healthCheck.failureThreshold + 2 * self.dns.maxTtlSeconds)").message("each drill's timeoutSeconds must be at least 2 × (requestIntervalSeconds × failureThreshold + maxTtlSeconds): shorter drills abort before DNS can fail over and back"))]
#[serde(rename_all = "camelCase")]
pub struct RegionalFailoverSpec {
    /// The active region and the host its health check polls.
    pub primary: RegionEndpoint,
    /// The warm standby region and its endpoint.
    pub secondary: RegionEndpoint,
    /// The Route 53 failover record pair in front of the endpoints.
    pub dns: DnsSpec,
    /// The Route 53 health check behind the PRIMARY record.
    pub health_check: HealthCheckSpec,
    /// The DynamoDB global table the API reads in both regions.
    pub table: TableSpec,
    /// Recovery objectives the measured and predicted failover times are judged against.
    #[serde(default)]
    pub objectives: Objectives,
    /// How often the live AWS resources are compared with this spec, in seconds.
    #[serde(default = "default_verify_interval")]
    #[schemars(range(min = 10, max = 3600))]
    #[x_kube(validation = Rule::new("self >= 10 && self <= 3600").message("verifyIntervalSeconds must be between 10 and 3600"))]
    pub verify_interval_seconds: u32,
    /// Failover drills: each forces the primary health check unhealthy, measures how long DNS takes
    /// to answer with the secondary, and restores. Run one now with
    /// `kubectl annotate rf NAME regionalfailover.io/run-drill=DRILL --overwrite`.
    #[serde(default)]
    #[schemars(length(max = 10))]
    pub drills: Vec<DrillSpec>,
    /// Stops drills and restores any running drill; verification and status reporting continue.
    #[serde(default)]
    pub suspend: bool,
    /// A request drills send to the standby while DNS answers with it: a drill whose standby does
    /// not serve fails (`StandbyNotServing`) even though DNS failed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_failover_validation: Option<PostFailoverValidation>,
}

/// A region and the host name or IP address serving the API there.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegionEndpoint {
    /// AWS region, e.g. `us-east-1`.
    #[schemars(length(min = 1, max = 32))]
    #[x_kube(validation = Rule::new("self.matches('^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$')").message("region must be an AWS region name such as us-east-1"))]
    pub region: String,
    /// Host name or IP address of the API in this region (what the failover record points to).
    #[schemars(length(min = 1, max = 253))]
    #[x_kube(validation = Rule::new("self.matches('^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$')").message("endpoint must be a host name or an IP address, without scheme, port or path"))]
    pub endpoint: String,
}

/// Route 53 record types a failover pair can use.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordType {
    A,
    #[allow(clippy::upper_case_acronyms)]
    AAAA,
    #[allow(clippy::upper_case_acronyms)]
    CNAME,
}

/// The failover record pair.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.primarySetIdentifier != self.secondarySetIdentifier").message("primarySetIdentifier and secondarySetIdentifier must differ: Route 53 tells the two records apart by them"))]
pub struct DnsSpec {
    /// Route 53 hosted zone ID, e.g. `Z0123456789ABCDEFGHIJ`.
    // The schema's bound is looser than the rule's 32 on purpose: a value that is only a little
    // too long (a pasted `/hostedzone/Z…`) must reach the rule and get its message, not a bare
    // "Too long" (maxLength is checked before CEL); the bound still caps the rule's cost.
    #[schemars(length(min = 1, max = 64))]
    #[x_kube(validation = Rule::new("self.matches('^[A-Z0-9]{1,32}$')").message("hostedZoneId must be a Route 53 zone ID such as Z0123456789ABCDEFGHIJ (without /hostedzone/)"))]
    pub hosted_zone_id: String,
    /// The name clients resolve, e.g. `api.example.com`.
    #[schemars(length(min = 1, max = 253))]
    #[x_kube(validation = Rule::new("self.matches('^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\\\\.)+[A-Za-z0-9-]{1,63}\\\\.?$')").message("recordName must be a fully qualified DNS name such as api.example.com"))]
    pub record_name: String,
    /// Record type of both failover records (`A`, `AAAA` or `CNAME`; alias targets allowed).
    #[serde(default = "default_record_type")]
    pub record_type: RecordType,
    /// Highest TTL the records may carry: resolvers keep a failed-over answer this long.
    #[serde(default = "default_max_ttl")]
    #[schemars(range(min = 0, max = 300))]
    #[x_kube(validation = Rule::new("self <= 300").message("maxTtlSeconds must be at most 300: longer TTLs keep clients on a dead primary past the RTO"))]
    pub max_ttl_seconds: u32,
    /// `SetIdentifier` of the PRIMARY record.
    #[serde(default = "default_primary_set_id")]
    #[schemars(length(min = 1, max = 128))]
    pub primary_set_identifier: String,
    /// `SetIdentifier` of the SECONDARY record.
    #[serde(default = "default_secondary_set_id")]
    #[schemars(length(min = 1, max = 128))]
    pub secondary_set_identifier: String,
    /// Authoritative servers to query (`host` or `host:port`) instead of the zone's delegation set.
    #[serde(default)]
    #[schemars(length(max = 8), inner(length(min = 1, max = 261)))]
    #[x_kube(validation = Rule::new("self.all(n, n.matches('^[A-Za-z0-9.-]+(:[0-9]{1,5})?$'))").message("each nameserver must be host or host:port, e.g. ns-1.awsdns-01.org or 127.0.0.1:5353"))]
    pub nameservers: Vec<String>,
    /// Seconds between the operator's checks of the authoritative answer between verifications, so
    /// a real failover shows in status within seconds (default: the operator's setting, 5 s; 1 s
    /// while anything looks wrong). Each check is one DNS query to Route 53, billed per million.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 300))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 300").message("dns.watchIntervalSeconds must be between 1 and 300"))]
    pub watch_interval_seconds: Option<u32>,
    /// The TTL the SECONDARY record must carry (the failback TTL); when unset, the SECONDARY is held
    /// to `maxTtlSeconds` like the PRIMARY. A SECONDARY TTL higher than the PRIMARY's drains traffic
    /// back gradually on failback: resolvers keep answering with the standby until their copy
    /// expires, so the primary is not hit by every client at once the moment it recovers. It has
    /// no effect on the RTO: during a failover clients hold the PRIMARY's answer, whose TTL is
    /// bounded by `maxTtlSeconds`. It lengthens the predicted failback time
    /// (`status.predictedFailbackSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 3600))]
    #[x_kube(validation = Rule::new("self <= 3600").message("dns.failbackTtlSeconds must be at most 3600: a longer failback TTL keeps clients on the standby for more than an hour after the primary recovers"))]
    pub failback_ttl_seconds: Option<u32>,
    /// Whether the SECONDARY record may be withheld when it is unhealthy: `Absent` (no health check,
    /// no `EvaluateTargetHealth`: always answered when the primary fails) or `Present` (a dead
    /// standby is never served, but while it is unhealthy failover is impossible). Unset: either is
    /// accepted, and a SECONDARY without one is mentioned in the InSync condition so the choice is
    /// a conscious one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_health_check: Option<SecondaryHealthCheck>,
}

/// Kinds of Route 53 health check this operator understands.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum HealthCheckType {
    HTTP,
    HTTPS,
    TCP,
    /// Healthy while at least `healthThreshold` of `childHealthChecks` are healthy.
    #[serde(rename = "CALCULATED")]
    Calculated,
    /// Follows a CloudWatch alarm (`alarm`), e.g. on a deep synthetic canary's metric.
    #[serde(rename = "CLOUDWATCH_METRIC")]
    CloudWatchMetric,
}

/// The Route 53 health check behind the PRIMARY record, as it must be configured.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.type != 'CALCULATED' || (has(self.childHealthChecks) && size(self.childHealthChecks) > 0)").message("type CALCULATED needs childHealthChecks: the IDs of the health checks it combines"))]
#[x_kube(validation = Rule::new("self.type != 'CALCULATED' || has(self.healthThreshold)").message("type CALCULATED needs healthThreshold: how many childHealthChecks must be healthy for the primary to be healthy"))]
#[x_kube(validation = Rule::new("self.type == 'CALCULATED' || ((!has(self.childHealthChecks) || size(self.childHealthChecks) == 0) && !has(self.healthThreshold))").message("childHealthChecks and healthThreshold apply only to type CALCULATED"))]
#[x_kube(validation = Rule::new("!has(self.healthThreshold) || !has(self.childHealthChecks) || self.healthThreshold <= size(self.childHealthChecks)").message("healthThreshold must not exceed the number of childHealthChecks: Route 53 would consider the check unhealthy forever"))]
#[x_kube(validation = Rule::new("!has(self.childHealthChecks) || !self.childHealthChecks.exists(c, c == self.id)").message("a CALCULATED health check cannot list itself in childHealthChecks"))]
#[x_kube(validation = Rule::new("self.type != 'CLOUDWATCH_METRIC' || has(self.alarm)").message("type CLOUDWATCH_METRIC needs alarm: the name and region of the CloudWatch alarm the check follows"))]
#[x_kube(validation = Rule::new("self.type == 'CLOUDWATCH_METRIC' || (!has(self.alarm) && !has(self.insufficientDataHealthStatus))").message("alarm and insufficientDataHealthStatus apply only to type CLOUDWATCH_METRIC"))]
#[x_kube(validation = Rule::new("(self.type != 'CALCULATED' && self.type != 'CLOUDWATCH_METRIC') || (self.requestIntervalSeconds == 10 && self.failureThreshold == 3)").message("requestIntervalSeconds and failureThreshold do not apply to CALCULATED or CLOUDWATCH_METRIC checks (Route 53 takes the timing from the children or the alarm): leave them unset"))]
#[x_kube(validation = Rule::new("self.type == 'CALCULATED' || self.type == 'CLOUDWATCH_METRIC' || !has(self.probeType)").message("probeType applies only to CALCULATED and CLOUDWATCH_METRIC checks: the operator probes the other types the way the health check does"))]
pub struct HealthCheckSpec {
    /// Route 53 health check ID.
    #[schemars(length(min = 1, max = 64))]
    pub id: String,
    /// Protocol the checkers use, or `CALCULATED` / `CLOUDWATCH_METRIC` for checks that combine
    /// children or follow an alarm.
    #[serde(rename = "type", default = "default_hc_type")]
    pub kind: HealthCheckType,
    /// Port the checkers connect to (`CALCULATED`, `CLOUDWATCH_METRIC`: where the operator's own
    /// drill probes reach the endpoints).
    #[serde(default = "default_hc_port")]
    #[schemars(range(min = 1, max = 65535))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 65535").message("port must be between 1 and 65535"))]
    pub port: u32,
    /// Path the checkers request (HTTP and HTTPS only; `CALCULATED`, `CLOUDWATCH_METRIC`: the
    /// path of the operator's own drill probes).
    #[serde(default = "default_hc_path")]
    #[schemars(length(min = 1, max = 255))]
    #[x_kube(validation = Rule::new("self.startsWith('/')").message("resourcePath must start with /"))]
    pub resource_path: String,
    /// Seconds between checks by each checker: Route 53 supports only 10 (fast) and 30 (standard).
    #[serde(default = "default_interval")]
    #[schemars(extend("enum" = [10, 30]))]
    #[x_kube(validation = Rule::new("self == 10 || self == 30").message("requestIntervalSeconds must be 10 or 30: Route 53 supports no other interval"))]
    pub request_interval_seconds: u32,
    /// Consecutive failures before a checker considers the endpoint unhealthy.
    #[serde(default = "default_threshold")]
    #[schemars(range(min = 1, max = 10))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 10").message("failureThreshold must be between 1 and 10"))]
    pub failure_threshold: u32,
    /// `CALCULATED` only: the health checks it combines (Route 53 `ChildHealthChecks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 256), inner(length(min = 1, max = 64)))]
    #[x_kube(validation = Rule::new("self.all(c, self.filter(d, d == c).size() == 1)").message("childHealthChecks must not list a health check twice"))]
    pub child_health_checks: Vec<String>,
    /// `CALCULATED` only: how many children must be healthy (Route 53 `HealthThreshold`). 0 would
    /// make Route 53 consider the check healthy forever, so failover could never happen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 256))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 256").message("healthThreshold must be between 1 and 256: 0 makes Route 53 consider the check healthy forever, so failover could never happen"))]
    pub health_threshold: Option<u32>,
    /// `CLOUDWATCH_METRIC` only: the alarm the check follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<AlarmSpec>,
    /// `CLOUDWATCH_METRIC` only: Route 53's verdict while the alarm has too little data (Route 53's
    /// default is `LastKnownStatus`). `Unhealthy` fails over when a canary dies with its region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insufficient_data_health_status: Option<InsufficientDataHealthStatus>,
    /// `CALCULATED` and `CLOUDWATCH_METRIC` only: protocol of the operator's own drill probes of
    /// both endpoints, sent to `port` and `resourcePath` (default `HTTPS`). These checks name no
    /// endpoint, so the spec says how the API answers in each region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_type: Option<ProbeType>,
}

fn default_verify_interval() -> u32 {
    60
}
fn default_record_type() -> RecordType {
    RecordType::CNAME
}
fn default_max_ttl() -> u32 {
    60
}
fn default_primary_set_id() -> String {
    "primary".into()
}
fn default_secondary_set_id() -> String {
    "secondary".into()
}
fn default_hc_type() -> HealthCheckType {
    HealthCheckType::HTTPS
}
fn default_hc_port() -> u32 {
    443
}
fn default_hc_path() -> String {
    "/health".into()
}
fn default_interval() -> u32 {
    10
}
fn default_threshold() -> u32 {
    3
}
