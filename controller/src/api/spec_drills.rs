//! Objectives and drills: what the failover is judged against and how it is proven.

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Recovery objectives.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Objectives {
    /// Recovery time objective: the longest acceptable time from outage to DNS answering with the secondary.
    #[serde(default = "default_rto")]
    #[schemars(range(min = 1, max = 3600))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 3600").message("objectives.rtoSeconds must be between 1 and 3600"))]
    pub rto_seconds: u32,
    /// Recovery point objective: the largest acceptable replication lag.
    #[serde(default = "default_rpo")]
    #[schemars(range(min = 0, max = 3600))]
    #[x_kube(validation = Rule::new("self <= 3600").message("objectives.rpoSeconds must be at most 3600"))]
    pub rpo_seconds: u32,
    /// Minutes of DynamoDB's `ReplicationLatency` (CloudWatch, one-minute periods) whose maximum is
    /// judged against `rpoSeconds`, ending now (default 5). Shorter windows clear sooner after a
    /// lag is gone; longer ones remember a spike longer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 60))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 60").message("objectives.rpoWindowMinutes must be between 1 and 60"))]
    pub rpo_window_minutes: Option<u32>,
}

/// Minutes of `ReplicationLatency` judged when `objectives.rpoWindowMinutes` is not set.
pub const DEFAULT_RPO_WINDOW_MINUTES: u32 = 5;

impl Objectives {
    /// `rpoWindowMinutes`, defaulted.
    pub fn rpo_window(&self) -> u32 {
        self.rpo_window_minutes.unwrap_or(DEFAULT_RPO_WINDOW_MINUTES)
    }
}

/// How a drill makes the primary look down.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrillMethod {
    /// Set `Inverted` on the primary health check, so a healthy endpoint reports unhealthy.
    InvertHealthCheck,
}

/// Which cluster runs a drill when the same object is applied to a cluster in each region
/// (two-cluster mode: each operator knows its `--cluster-region`). An operator without a cluster
/// region runs every drill. The AWS-side lock keeps two starts from overlapping whatever this says.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum RunFrom {
    /// The cluster in `spec.primary.region` (the default: one side drills, the other watches).
    #[default]
    Primary,
    /// The cluster in `spec.secondary.region`.
    Secondary,
    /// Either: whichever takes the lock first runs it; the other's start is refused.
    Any,
}

impl RunFrom {
    /// The cluster regions that run it (`None`: any).
    pub fn region<'a>(self, primary: &'a str, secondary: &'a str) -> Option<&'a str> {
        match self {
            RunFrom::Primary => Some(primary),
            RunFrom::Secondary => Some(secondary),
            RunFrom::Any => None,
        }
    }
}

/// A declared failover drill.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DrillSpec {
    /// Name used by the run-drill annotation and in status.
    #[schemars(length(min = 1, max = 63))]
    #[x_kube(validation = Rule::new("self.matches('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')").message("drill name must be a lowercase DNS label such as weekly"))]
    pub name: String,
    /// Cron schedule in UTC (`minute hour day-of-month month day-of-week`); omit for on-demand only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128))]
    #[x_kube(validation = Rule::new("self.matches('^\\\\S+\\\\s+\\\\S+\\\\s+\\\\S+\\\\s+\\\\S+\\\\s+\\\\S+$')").message("schedule must be a 5-field cron expression in UTC, e.g. \"0 3 * * TUE\""))]
    pub schedule: Option<String>,
    /// How the outage is simulated.
    #[serde(default = "default_method")]
    pub method: DrillMethod,
    /// The drill restores the health check and fails when it has not finished by then.
    #[serde(default = "default_drill_timeout")]
    #[schemars(range(min = 60, max = 3600))]
    #[x_kube(validation = Rule::new("self >= 60 && self <= 3600").message("timeoutSeconds must be between 60 and 3600"))]
    pub timeout_seconds: u32,
    /// In two-cluster mode, the cluster that runs it: `primary` (default), `secondary` or `any`.
    #[serde(default)]
    pub run_from: RunFrom,
}

impl Default for Objectives {
    fn default() -> Self {
        Self { rto_seconds: default_rto(), rpo_seconds: default_rpo(), rpo_window_minutes: None }
    }
}

fn default_rto() -> u32 {
    300
}
fn default_rpo() -> u32 {
    5
}
fn default_method() -> DrillMethod {
    DrillMethod::InvertHealthCheck
}
fn default_drill_timeout() -> u32 {
    600
}

/// A real request to the standby while DNS answers with it, through the record's own name: it
/// proves the secondary serves, not only that DNS moved (seed 004's post-failover validation).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PostFailoverValidation {
    /// Path requested, e.g. `/v1/profiles/health-probe`.
    #[serde(default = "default_validation_path")]
    #[schemars(length(min = 1, max = 2048))]
    #[x_kube(validation = Rule::new("self.startsWith('/')").message("postFailoverValidation.path must start with /"))]
    pub path: String,
    /// HTTP status the standby must answer with.
    #[serde(default = "default_expect_status")]
    #[schemars(range(min = 100, max = 599))]
    #[x_kube(validation = Rule::new("self >= 100 && self <= 599").message("postFailoverValidation.expectStatus must be an HTTP status code (100-599)"))]
    pub expect_status: u16,
    /// How long the request may take before it counts as failed.
    #[serde(default = "default_validation_timeout")]
    #[schemars(range(min = 1, max = 60))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 60").message("postFailoverValidation.timeoutSeconds must be between 1 and 60"))]
    pub timeout_seconds: u32,
    /// Slowest acceptable answer, in milliseconds; unset: any answer within the timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 60000))]
    #[x_kube(validation = Rule::new("self >= 1 && self <= 60000").message("postFailoverValidation.maxLatencyMs must be between 1 and 60000"))]
    pub max_latency_ms: Option<u32>,
}

fn default_validation_path() -> String {
    "/".into()
}
fn default_expect_status() -> u16 {
    200
}
fn default_validation_timeout() -> u32 {
    5
}
