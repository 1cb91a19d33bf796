//! What one drill step saw, as plain data (docs/architecture.md, "Drills: evidence").
//!
//! Every input is either read or unreadable with the reason; nothing defaults to "fine". The pure
//! machine refuses or aborts on missing evidence (fail closed), so a throttled, slow or failing
//! read can never let a drill invert the check of a primary that is really down.

use chrono::{DateTime, Utc};

use crate::aws::AwsError;

/// An input of a drill step, named in refusals and aborts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Dns,
    HealthCheck,
    Checkers,
    PrimaryProbe,
    SecondaryProbe,
    AwsSettings,
    StopSwitch,
}

impl Input {
    /// What a person calls it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Input::Dns => "the authoritative DNS answer",
            Input::HealthCheck => "the health check's settings (GetHealthCheck)",
            Input::Checkers => "Route 53's checkers (GetHealthCheckStatus)",
            Input::PrimaryProbe => "the operator's own probe of the primary's health path",
            Input::SecondaryProbe => "the operator's own probe of the secondary's health path",
            Input::AwsSettings => "the records and tables (drift)",
            Input::StopSwitch => "the cluster-wide drill stop switch",
        }
    }
}

/// Why a read failed, kept typed to the edge: an AWS denial must read as one (docs/architecture.md,
/// "Errors").
#[derive(Clone, Debug, PartialEq)]
pub enum ReadError {
    Aws(AwsError),
    /// DNS, an HTTP probe, the Kubernetes API: already a sentence.
    Other(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Aws(e) => f.write_str(&crate::status::sentences::aws_error(e)),
            ReadError::Other(s) => f.write_str(s),
        }
    }
}

impl ReadError {
    /// The AWS error, when it was IAM refusing the operator's role.
    pub fn access_denied(&self) -> Option<&AwsError> {
        match self {
            ReadError::Aws(e) if e.kind == crate::aws::ErrorKind::AccessDenied => Some(e),
            _ => None,
        }
    }
}

impl From<AwsError> for ReadError {
    fn from(e: AwsError) -> Self {
        ReadError::Aws(e)
    }
}

impl From<String> for ReadError {
    fn from(s: String) -> Self {
        ReadError::Other(s)
    }
}

/// A read that succeeded, or why it did not.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence<T> {
    Read(T),
    Unreadable(ReadError),
}

impl<T> Evidence<T> {
    pub fn read(&self) -> Option<&T> {
        match self {
            Evidence::Read(v) => Some(v),
            Evidence::Unreadable(_) => None,
        }
    }

    pub fn from_result<E: Into<ReadError>>(r: Result<T, E>) -> Self {
        match r {
            Ok(v) => Evidence::Read(v),
            Err(e) => Evidence::Unreadable(e.into()),
        }
    }

    /// Shorthand for tests and callers with a sentence.
    pub fn unreadable(why: impl Into<String>) -> Self {
        Evidence::Unreadable(ReadError::Other(why.into()))
    }
}

/// Which endpoint one authoritative answer names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Primary,
    Secondary,
    /// An answer naming neither endpoint (or both).
    Other,
}

/// One authoritative server's answer in this step.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerAnswer {
    /// As written in the spec or the zone's delegation set.
    pub server: String,
    pub answer: Evidence<Answer>,
}

/// Every authoritative server asked in this step, and when the answers came back (the time DNS
/// transitions are recorded at, so the other reads of the step add no error to the RTO).
#[derive(Clone, Debug, PartialEq)]
pub struct DnsView {
    pub servers: Vec<ServerAnswer>,
    pub answered_at: DateTime<Utc>,
}

impl DnsView {
    /// No server could be asked at all (no server list, resolution failure).
    pub fn unreadable(reason: impl Into<String>, at: DateTime<Utc>) -> DnsView {
        let server = ServerAnswer { server: "(name servers)".into(), answer: Evidence::unreadable(reason) };
        DnsView { servers: vec![server], answered_at: at }
    }

    /// Some server answers with the secondary.
    pub fn any(&self, a: Answer) -> bool {
        self.servers.iter().any(|s| s.answer.read() == Some(&a))
    }

    /// Every server answered, all with `a`.
    pub fn all(&self, a: Answer) -> bool {
        !self.servers.is_empty() && self.servers.iter().all(|s| s.answer.read() == Some(&a))
    }

    /// No server answered.
    pub fn none_read(&self) -> bool {
        self.servers.iter().all(|s| s.answer.read().is_none())
    }

    /// The first server whose answer could not be read, with why.
    pub fn first_unreadable(&self) -> Option<(&str, &ReadError)> {
        self.servers.iter().find_map(|s| match &s.answer {
            Evidence::Unreadable(e) => Some((s.server.as_str(), e)),
            Evidence::Read(_) => None,
        })
    }

    /// One sentence: "ns-1 → primary, ns-2 → secondary".
    pub fn summary(&self) -> String {
        let part = |s: &ServerAnswer| match &s.answer {
            Evidence::Read(Answer::Primary) => format!("{} answers with the primary", s.server),
            Evidence::Read(Answer::Secondary) => format!("{} answers with the secondary", s.server),
            Evidence::Read(Answer::Other) => format!("{} answers with neither endpoint", s.server),
            Evidence::Unreadable(e) => format!("{} gave no answer ({e})", s.server),
        };
        self.servers.iter().map(part).collect::<Vec<_>>().join("; ")
    }
}

/// The health check as `GetHealthCheck` reports it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckState {
    pub id: String,
    pub inverted: bool,
    pub disabled: bool,
    /// `HealthCheckVersion`; Route 53 increments it on every change.
    pub version: Option<i64>,
}

/// Route 53's checkers' raw verdict on the endpoint, before `Inverted`/`Disabled`: what the
/// endpoint really is. An inverted check of a healthy endpoint still reports healthy here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckerVerdict {
    Healthy,
    Unhealthy,
    /// No checker has reported (new or disabled check): no evidence either way.
    NoReports,
}

/// What preflight alone reads: drift, replicas and replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsFacts {
    /// Regions whose replica is not ACTIVE.
    pub replicas_not_active: Vec<String>,
    /// Codes of the drift findings.
    pub drift_codes: Vec<String>,
    /// Why replication is too far behind for a drill (lag above the RPO, or unknown), if it is.
    pub replication_behind: Option<String>,
    /// Why Route 53 could not answer with the SECONDARY (its health check is unhealthy), if so.
    pub secondary_unanswerable: Option<String>,
}

/// What the caller (operator or CLI) knows that AWS does not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostFacts {
    pub suspended: bool,
    /// The cluster-wide stop switch is on, with the reason given; `Unreadable` fails closed.
    pub drills_stopped: Option<Evidence<String>>,
    /// A fail-safe role is configured (without one there is no AWS-side restore and no lock).
    pub failsafe_configured: bool,
    pub abort: Option<AbortCause>,
    /// What the last verification could not reach from this operator's region (two-cluster mode):
    /// a drill never starts while the other region is unreachable.
    pub unreachable: Option<String>,
}

/// Why the caller stops a drill (suspension and the stop switch are facts above: before the
/// injection they refuse, after it they abort).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortCause {
    Deleted,
    /// The `drill` command was interrupted (Ctrl-C, SIGTERM).
    Interrupted,
    /// The operator is shutting down or lost its lease.
    OperatorStopping,
}

/// The request to the standby after DNS failed over (`spec.postFailoverValidation`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Standby {
    /// The spec asks for none.
    #[default]
    NotConfigured,
    /// Asked for, not answered yet.
    Pending,
    Done(crate::api::ValidationResult),
}

/// One look at the world. Fields that are `None` were not read in this step (reads are spaced
/// to stay inside Route 53's limits); the machine judges only what was read.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub dns: Option<DnsView>,
    pub health_check: Option<Evidence<Option<CheckState>>>,
    pub checkers: Option<Evidence<CheckerVerdict>>,
    /// When `checkers` was answered (background reads are picked up by a later step).
    pub checkers_at: Option<DateTime<Utc>>,
    pub primary_probe: Option<Evidence<()>>,
    pub secondary_probe: Option<Evidence<()>>,
    /// Read in preflight only.
    pub settings: Option<Evidence<SettingsFacts>>,
    /// While DNS answers with the secondary.
    pub standby: Standby,
    pub host: HostFacts,
}

impl Observation {
    /// Nothing read: only the host's facts (a step that needs no AWS).
    pub fn host_only(host: HostFacts) -> Observation {
        Observation {
            dns: None,
            health_check: None,
            checkers: None,
            checkers_at: None,
            primary_probe: None,
            secondary_probe: None,
            settings: None,
            standby: Standby::NotConfigured,
            host,
        }
    }
}
