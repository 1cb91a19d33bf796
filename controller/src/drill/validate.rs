//! I/O: the post-failover validation (seed 004): while DNS answers with the secondary, one real
//! request through the record's own name to the endpoint DNS answers with, judged against
//! `spec.postFailoverValidation` (docs/architecture.md, "The RTO waterfall").

use std::time::Duration;

use chrono::Utc;

use super::http_probe;
use crate::api::{HealthCheckType, PostFailoverValidation, RegionalFailoverSpec, ValidationResult};

/// Sends the request and says whether the standby served as expected.
pub async fn standby(spec: &RegionalFailoverSpec, v: &PostFailoverValidation) -> ValidationResult {
    let hc = &spec.health_check;
    // The scheme and port the API is served with: the health check's, or its probe settings for
    // the kinds that name no endpoint.
    let tls = !matches!(hc.probe_kind(), HealthCheckType::HTTP);
    let host = spec.dns.record_name.trim_end_matches('.').to_string();
    let target = spec.secondary.endpoint.clone();
    let url = format!("{}://{host}:{}{}", if tls { "https" } else { "http" }, hc.port, v.path);
    let timeout = Duration::from_secs(u64::from(v.timeout_seconds));
    let answer = tokio::time::timeout(timeout, http_probe::get(&target, hc.port, &v.path, &host, tls, timeout)).await;
    let (status_code, latency_ms, error) = match answer {
        Ok(Ok((code, took))) => {
            let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
            let error = if code != v.expect_status {
                Some(format!("HTTP {code}, expected {}", v.expect_status))
            } else {
                v.max_latency_ms
                    .filter(|max| ms > u64::from(*max))
                    .map(|max| format!("answered in {ms} ms, slower than the {max} ms allowed"))
            };
            (Some(code), Some(ms), error)
        }
        Ok(Err(e)) => (None, None, Some(e)),
        Err(_) => (None, None, Some(format!("no answer within {} s", v.timeout_seconds))),
    };
    ValidationResult { url, target, status_code, latency_ms, ok: error.is_none(), error, at: Utc::now() }
}
