//! `status.drill`: the running drill, the last ones, and their timelines.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Drill bookkeeping.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrillStatus {
    /// The drill in progress, written before every AWS change so a restarted operator can restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<DrillRecord>,
    /// The most recently finished drill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<DrillRecord>,
    /// Finished drills, newest first, at most 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<DrillRecord>,
    /// The `regionalfailover.io/run-drill` annotation value last acted on (each value runs once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_run_request: Option<String>,
    /// Per drill name, the last scheduled time that was run (or skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<ScheduledRun>,
}

/// Last scheduled fire time handled for one drill.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledRun {
    /// Drill name.
    pub name: String,
    /// Scheduled time that was handled.
    pub at: DateTime<Utc>,
}

/// Drill phases (docs/architecture.md, "Drills").
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum DrillPhase {
    Pending,
    Preflight,
    Injecting,
    AwaitingFailover,
    Restoring,
    AwaitingFailback,
    Succeeded,
    Failed,
    Aborted,
}

/// What started a drill.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum DrillTrigger {
    Schedule,
    Annotation,
    Cli,
}

/// Health-check settings captured before injection and restored afterwards.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OriginalHealthCheck {
    /// Route 53 health check ID.
    pub id: String,
    /// `Inverted` before the drill.
    pub inverted: bool,
    /// `Disabled` before the drill.
    pub disabled: bool,
    /// `HealthCheckVersion` read in preflight: the drill's changes are conditional on it, so a
    /// change by anyone else in between is detected instead of overwritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// When one authoritative server changed its answer during a drill (servers converge separately).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerTimeline {
    /// The server as written in `spec.dns.nameservers`, or the zone's delegation-set name.
    pub server: String,
    /// First answer with the secondary after the injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_over_at: Option<DateTime<Utc>>,
    /// First answer with the primary after the restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_back_at: Option<DateTime<Utc>>,
}

/// One drill's timeline and verdict.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DrillRecord {
    /// Drill name from `spec.drills`.
    pub name: String,
    /// What started it.
    pub trigger: DrillTrigger,
    /// Current phase.
    pub phase: DrillPhase,
    /// CamelCase reason for the phase (why it failed or was aborted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Health-check settings to restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalHealthCheck>,
    /// When the drill must have restored by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// Name of the AWS-side fail-safe schedule that restores the health check at the deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failsafe_schedule: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected_at: Option<DateTime<Utc>>,
    /// First read of Route 53's checkers after the injection with a checker reporting failure
    /// (with `Inverted` every checker's report fails at once, so this is also the verdict's read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_checker_failed_at: Option<DateTime<Utc>>,
    /// First read after the injection of Route 53's verdict unhealthy (18 % or fewer healthy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_unhealthy_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_failed_over_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_failed_back_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// injectedAt → dnsFailedOverAt, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_rto_seconds: Option<f64>,
    /// restoredAt → dnsFailedBackAt, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failback_seconds: Option<f64>,
    /// `objectives.rtoSeconds` at the time of the drill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective_rto_seconds: Option<u32>,
    /// Whether the measured RTO met the objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// Who ran the drill (the holder named in its AWS-side lock): operator pod or CLI, and object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// `HealthCheckVersion` after the drill inverted the check: any other version while injected
    /// means someone else changed the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected_version: Option<i64>,
    /// Restores that did not verify (each retried with backoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_failures: Option<u32>,
    /// Each authoritative server's failover and failback times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerTimeline>,
    /// When every authoritative server answered with the secondary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_servers_failed_over_at: Option<DateTime<Utc>>,
    /// When every authoritative server answered with the primary again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_servers_failed_back_at: Option<DateTime<Utc>>,
    /// The request sent to the standby while DNS answered with it (`spec.postFailoverValidation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_failover_validation: Option<ValidationResult>,
    /// Every preflight check with its result, in the order they were judged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preflight: Vec<PreflightCheck>,
    /// The RTO waterfall: each stage's time, measured next to predicted (set when the drill ends).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waterfall: Vec<WaterfallStage>,
}

/// One preflight check as it was judged.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreflightCheck {
    /// Stable name, e.g. `DnsOnPrimary`.
    pub check: String,
    pub passed: bool,
    /// What was seen.
    pub detail: String,
}

/// A real request to the standby through the record's name, after DNS failed over.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResult {
    /// `https://<record name>:<port><path>`, sent to the endpoint DNS answered with.
    pub url: String,
    /// The endpoint the request was sent to.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Status as expected and within `maxLatencyMs`.
    pub ok: bool,
    /// Why not, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// One stage of the RTO waterfall (docs/architecture.md, "The RTO waterfall").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaterfallStage {
    /// Stable name, e.g. `AllServersFailedOver`.
    pub stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// Seconds since the injection (failover stages) or the restore (failback stages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// What the spec's settings predict for the same stage, in the same terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_seconds: Option<f64>,
}
