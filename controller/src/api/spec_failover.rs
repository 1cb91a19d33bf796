//! Spec types of the failover path beyond the HTTP/HTTPS/TCP check: the CloudWatch alarm behind a
//! `CLOUDWATCH_METRIC` check, how the operator probes endpoints a check names none of, and what
//! the team expects of the SECONDARY record's health (docs/architecture.md, "Failover path").

use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spec::{HealthCheckSpec, HealthCheckType};

/// The CloudWatch alarm a `CLOUDWATCH_METRIC` health check follows (Route 53's `AlarmIdentifier`).
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AlarmSpec {
    /// Alarm name, e.g. `profile-api-deep-canary`.
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    /// Region the alarm lives in (its metric's region), e.g. `us-east-1`.
    #[schemars(length(min = 1, max = 32))]
    #[x_kube(validation = Rule::new("self.matches('^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$')").message("alarm.region must be an AWS region name such as us-east-1"))]
    pub region: String,
}

/// What Route 53 decides while the alarm has too little data (`InsufficientDataHealthStatus`).
///
/// A deep canary that dies with its region stops publishing: its alarm goes to
/// `INSUFFICIENT_DATA`, and with `Healthy` (or a `LastKnownStatus` that was healthy) the
/// primary never fails over. `Unhealthy` fails over when the signal disappears.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsufficientDataHealthStatus {
    Healthy,
    Unhealthy,
    LastKnownStatus,
}

impl InsufficientDataHealthStatus {
    /// Route 53's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InsufficientDataHealthStatus::Healthy => "Healthy",
            InsufficientDataHealthStatus::Unhealthy => "Unhealthy",
            InsufficientDataHealthStatus::LastKnownStatus => "LastKnownStatus",
        }
    }
}

/// Protocol of the operator's own probes when the health check names no endpoint.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum ProbeType {
    HTTP,
    HTTPS,
    TCP,
}

/// What the team expects of the SECONDARY record's health, a conscious choice either way.
///
/// `Absent`: the SECONDARY carries no health check and does not evaluate its alias target's
/// health, so Route 53 answers with it whenever the primary fails, even if the standby is down
/// (what most teams want). `Present`: it carries a health check (or `EvaluateTargetHealth`), so a
/// dead standby is never served, and while it is unhealthy Route 53 answers with the primary
/// whatever the primary's health: failover is impossible during that time.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondaryHealthCheck {
    Absent,
    Present,
}

impl HealthCheckType {
    /// Route 53's checkers poll an endpoint (HTTP, HTTPS, TCP); the other kinds combine children
    /// or follow an alarm, and name no endpoint.
    pub fn polls_endpoint(self) -> bool {
        matches!(self, HealthCheckType::HTTP | HealthCheckType::HTTPS | HealthCheckType::TCP)
    }
}

impl HealthCheckSpec {
    /// How the operator's own probes reach an endpoint: the check's own protocol when Route 53
    /// polls one, else `probeType` (default HTTPS).
    pub fn probe_kind(&self) -> HealthCheckType {
        if self.kind.polls_endpoint() {
            return self.kind;
        }
        match self.probe_type.unwrap_or(ProbeType::HTTPS) {
            ProbeType::HTTP => HealthCheckType::HTTP,
            ProbeType::HTTPS => HealthCheckType::HTTPS,
            ProbeType::TCP => HealthCheckType::TCP,
        }
    }
}
