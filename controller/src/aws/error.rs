//! AWS call failures, classified once so the budget can decide on retries and people get a
//! sentence they can act on.

use std::error::Error as StdError;

use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{ProvideErrorMetadata, SdkError};

use super::budget::Service;

/// What kind of failure, as far as retrying and reporting care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The service asked us to slow down; the request was not executed.
    Throttled,
    /// 5xx answer: the service failed this time.
    Transient,
    /// No answer in time.
    Timeout,
    /// No connection to the endpoint.
    Unreachable,
    /// The resource does not exist.
    NotFound,
    /// The endpoint does not implement the operation (local emulators answer 404 without body).
    Unsupported,
    /// IAM refused: the operator's role lacks a permission (or an explicit deny matched).
    AccessDenied,
    /// The credentials themselves were refused (unknown key, expired session, bad signature).
    Unauthenticated,
    /// A conditional change lost: the resource changed since it was read, or already exists.
    Conflict,
    /// The service refused the request (access denied, validation, conflict, ...).
    Rejected,
    /// We could not build the request from our input.
    Invalid,
    /// Anything else, e.g. an unreadable response.
    Other,
}

impl ErrorKind {
    /// Worth another attempt after a short wait (throttling has its own allowance).
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Timeout | ErrorKind::Unreachable)
    }

    /// Low-cardinality label for metrics: what an operator's alert should tell apart.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Throttled => "throttled",
            ErrorKind::Transient => "server_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::AccessDenied => "denied",
            ErrorKind::Unauthenticated => "credentials",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Other => "other",
        }
    }
}

/// A failed AWS call.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{service} {operation}{} failed: {detail}{}", region_suffix(.region), attempts_suffix(*.attempts))]
pub struct AwsError {
    pub service: Service,
    pub operation: &'static str,
    /// Region of regional services (DynamoDB, CloudWatch, Scheduler).
    pub region: Option<String>,
    pub kind: ErrorKind,
    /// AWS error code, e.g. `Throttling`, `NoSuchHealthCheck`.
    pub code: Option<String>,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    pub detail: String,
    /// Attempts made, including retries.
    pub attempts: u32,
}

fn region_suffix(region: &Option<String>) -> String {
    region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default()
}

fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() }
}

impl AwsError {
    pub(crate) fn new(service: Service, operation: &'static str, kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self { service, operation, region: None, kind, code: None, status: None, detail: detail.into(), attempts: 1 }
    }

    pub(crate) fn in_region(mut self, region: Option<&str>) -> Self {
        self.region = region.map(str::to_string);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// True when the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// The IAM action a denial names: AWS's message says it ("not authorized to perform: X"),
    /// e.g. `iam:PassRole` for a CreateSchedule; otherwise the operation's own action.
    pub fn denied_action(&self) -> String {
        self.detail
            .split("perform: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|a| a.trim_end_matches([',', '.']).to_string())
            .unwrap_or_else(|| format!("{}:{}", self.service.label(), self.operation))
    }

    /// The resource a denial names, when AWS's message says which.
    pub fn denied_resource(&self) -> Option<String> {
        self.detail
            .split("on resource: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|r| r.trim_end_matches([',', '.']).to_string())
    }
}

/// Where a call went: enough to write an error message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallSite<'a> {
    pub service: Service,
    pub operation: &'static str,
    pub region: Option<&'a str>,
    /// The endpoint override, or `None` for AWS's own endpoints.
    pub endpoint: Option<&'a str>,
}

impl CallSite<'_> {
    fn endpoint_text(&self) -> String {
        match self.endpoint {
            Some(e) => format!("endpoint {e}"),
            None => format!("the {} endpoint", self.service),
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> AwsError {
        AwsError::new(self.service, self.operation, kind, detail).in_region(self.region)
    }

    /// Classifies an SDK error; the SDK runs with retries off, so this is one attempt.
    pub(crate) fn classify<E>(&self, err: SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let body_empty =
            err.raw_response().map(|r| r.body().bytes().is_none_or(|b| b.iter().all(u8::is_ascii_whitespace)));
        let code = err.code().map(str::to_string);
        let message = err.message().map(str::to_string);
        let (kind, detail) = match &err {
            SdkError::ConstructionFailure(_) => {
                (ErrorKind::Invalid, format!("request could not be built: {}", chain(&err)))
            }
            SdkError::TimeoutError(_) => (
                ErrorKind::Timeout,
                format!("no response from {} in time ({})", self.endpoint_text(), root_cause(&err)),
            ),
            // The SDK resolves credentials (e.g. IRSA's AssumeRoleWithWebIdentity) before sending:
            // a failure there is about the identity, not the network.
            SdkError::DispatchFailure(_) if mentions_credentials(&err) => (
                ErrorKind::Unauthenticated,
                format!("could not get credentials to call {} ({})", self.endpoint_text(), root_cause(&err)),
            ),
            SdkError::DispatchFailure(d) if d.is_timeout() => {
                (ErrorKind::Timeout, format!("{} timed out ({})", self.endpoint_text(), root_cause(&err)))
            }
            SdkError::DispatchFailure(_) => {
                (ErrorKind::Unreachable, format!("{} unreachable ({})", self.endpoint_text(), root_cause(&err)))
            }
            SdkError::ResponseError(_) | SdkError::ServiceError(_) => {
                let kind = kind_for(status, code.as_deref());
                let detail = match (&code, kind) {
                    (None, ErrorKind::Unsupported) => format!(
                        "{} does not implement {} (HTTP {}{})",
                        self.endpoint_text(),
                        self.operation,
                        status.unwrap_or(0),
                        if body_empty == Some(true) { ", empty body" } else { ", body is not an AWS error" }
                    ),
                    (Some(code), _) => match &message {
                        Some(m) if !m.is_empty() => format!("{code}: {m}"),
                        _ => code.clone(),
                    },
                    (None, _) => format!("unreadable response (HTTP {}): {}", status.unwrap_or(0), root_cause(&err)),
                };
                (kind, detail)
            }
            _ => (ErrorKind::Other, chain(&err)),
        };
        let mut e = self.error(kind, detail);
        e.code = code;
        e.status = status;
        e
    }
}

/// Error codes meaning "slow down", across Route 53 (XML), DynamoDB and the JSON services.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
];

const NOT_FOUND_CODES: &[&str] = &[
    "NoSuchHealthCheck",
    "NoSuchHostedZone",
    "ResourceNotFoundException",
    "TableNotFoundException",
    "ResourceNotFound",
];

const ACCESS_DENIED_CODES: &[&str] =
    &["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "NotAuthorized"];

/// The caller's credentials were refused before any permission was looked at.
const CREDENTIAL_CODES: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "IncompleteSignature",
];

/// A conditional write lost against someone else's (Route 53's optimistic `HealthCheckVersion`,
/// Scheduler's unique schedule names).
const CONFLICT_CODES: &[&str] = &["HealthCheckVersionMismatch", "ConflictException", "ConditionalCheckFailedException"];

const SERVER_CODES: &[&str] =
    &["InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException"];

/// Kind of an answer from its HTTP status and AWS error code.
pub(crate) fn kind_for(status: Option<u16>, code: Option<&str>) -> ErrorKind {
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) {
            return ErrorKind::Throttled;
        }
        if NOT_FOUND_CODES.contains(&code) {
            return ErrorKind::NotFound;
        }
        if SERVER_CODES.contains(&code) {
            return ErrorKind::Transient;
        }
        if ACCESS_DENIED_CODES.contains(&code) {
            return ErrorKind::AccessDenied;
        }
        if CREDENTIAL_CODES.contains(&code) {
            return ErrorKind::Unauthenticated;
        }
        if CONFLICT_CODES.contains(&code) {
            return ErrorKind::Conflict;
        }
    }
    match (status, code) {
        (Some(429), _) => ErrorKind::Throttled,
        (Some(s), _) if s >= 500 && s != 501 => ErrorKind::Transient,
        // An endpoint without the operation answers 404/405/501 with no AWS error in the body:
        // the SDK would otherwise report an opaque XML/JSON decode failure.
        (Some(404 | 405 | 501), None) => ErrorKind::Unsupported,
        (Some(s), Some(_)) if (400..500).contains(&s) => ErrorKind::Rejected,
        (_, Some(_)) => ErrorKind::Rejected,
        _ => ErrorKind::Other,
    }
}

/// Whether the error chain says the credentials provider failed.
fn mentions_credentials(err: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.to_string().contains("credentials") {
            return true;
        }
        cur = e.source();
    }
    false
}

/// "outer: inner: innermost", skipping repeats (hyper and the SDK often nest the same text).
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// The most specific cause: an I/O error in plain words, else the innermost message.
pub(crate) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    let mut last = err.to_string();
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io_words(io);
        }
        last = e.to_string();
        cur = e.source();
    }
    last
}

fn io_words(io: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset".into(),
        K::ConnectionAborted => "connection aborted".into(),
        K::TimedOut => "timed out".into(),
        K::NotFound => format!("name not found: {io}"),
        _ => io.to_string(),
    }
}

#[cfg(test)]
mod tests;
