//! I/O: one [`Observation`] for the drill machine — the health check as it is now, Route 53's
//! verdict on it, the authoritative servers' answer, and (in preflight) the checks that can refuse.

use chrono::{DateTime, Utc};

use super::machine::{AbortCause, DnsAnswer, Observation, Preflight};
use super::probe;
use crate::{
    api::{DrillPhase, HealthState, OriginalHealthCheck, RegionalFailoverSpec},
    aws::Aws,
    observe,
    verify::{self, VerifyContext},
};

/// `GetHealthCheckStatus` is limited account-wide, so it is read at most this often during a drill.
const HEALTH_STATUS_EVERY: chrono::Duration = chrono::Duration::seconds(3);

/// Outside preflight the health check's settings only matter for reading its status right.
const HEALTH_CHECK_EVERY: chrono::Duration = chrono::Duration::seconds(2);

/// Remembers the last reads between steps.
#[derive(Debug, Default)]
pub struct Senses {
    health_check: Option<OriginalHealthCheck>,
    health_check_read_at: Option<DateTime<Utc>>,
    health_read_at: Option<DateTime<Utc>>,
    primary_unhealthy: bool,
    last_dns: Option<DnsAnswer>,
    /// When the authoritative servers gave the last answer: the time the step is taken at, so
    /// that the measured RTO does not include the other reads.
    pub answered_at: Option<DateTime<Utc>>,
}

/// What preflight cannot learn from AWS: decided by whoever runs the drill.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostFacts {
    pub other_drill_running: bool,
    pub suspended: bool,
    pub abort: Option<AbortCause>,
}

impl Senses {
    pub async fn observe(
        &mut self,
        spec: &RegionalFailoverSpec,
        aws: &Aws,
        phase: DrillPhase,
        facts: HostFacts,
        now: DateTime<Utc>,
    ) -> Observation {
        let dns = self.dns(spec, aws).await;
        self.answered_at = Some(Utc::now());
        let hc_id = spec.health_check.id.as_str();
        let preflight_phase = phase == DrillPhase::Preflight;
        if preflight_phase || self.health_check_read_at.is_none_or(|t| now - t >= HEALTH_CHECK_EVERY) {
            self.health_check_read_at = Some(now);
            // Uncached: preflight captures these settings to restore them later.
            self.health_check = match aws.get_health_check(hc_id).await {
                Ok(Some(hc)) => Some(OriginalHealthCheck { id: hc.id, inverted: hc.inverted, disabled: hc.disabled }),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "drill: cannot read the health check");
                    None
                }
            };
        }
        let health_check = self.health_check.clone();
        let watching = matches!(phase, DrillPhase::AwaitingFailover | DrillPhase::Restoring);
        let due = self.health_read_at.is_none_or(|t| now - t >= HEALTH_STATUS_EVERY);
        if preflight_phase || (watching && due) {
            self.health_read_at = Some(now);
            match aws.get_health_check_status(hc_id).await {
                Ok(obs) => {
                    let raw = verify::health_from_observations(&obs, now).status;
                    self.primary_unhealthy = !effective_healthy(raw, health_check.as_ref());
                }
                Err(e) => tracing::warn!(error = %e, "drill: cannot read the health status"),
            }
        }
        let preflight =
            if preflight_phase { Some(Box::pin(self.preflight(spec, aws, facts, now)).await) } else { None };
        Observation { health_check, primary_unhealthy: self.primary_unhealthy, dns, preflight, abort: facts.abort }
    }

    async fn dns(&mut self, spec: &RegionalFailoverSpec, aws: &Aws) -> DnsAnswer {
        let zone = if spec.dns.nameservers.is_empty() {
            aws.cached_hosted_zone(&spec.dns.hosted_zone_id).await.ok().flatten()
        } else {
            None
        };
        let answer = match observe::authoritative_answer(spec, zone.as_ref()).await {
            Ok(values) => dns_answer(spec, &values),
            Err(e) => {
                tracing::debug!(error = %e, "drill: DNS query failed");
                DnsAnswer::Unknown
            }
        };
        if self.last_dns.is_some_and(|last| last != answer) && answer != DnsAnswer::Unknown {
            self.cross_check(spec, aws, answer).await;
        }
        self.last_dns = Some(answer);
        answer
    }

    /// When the answer changes, Route 53's own view (TestDNSAnswer) should agree; a disagreement
    /// is logged, not acted on, because the authoritative servers are what clients see.
    async fn cross_check(&self, spec: &RegionalFailoverSpec, aws: &Aws, seen: DnsAnswer) {
        let kind = verify::record_type_str(spec.dns.record_type);
        let zone = spec.dns.hosted_zone_id.trim_start_matches("/hostedzone/");
        match aws.test_dns_answer(zone, &spec.dns.record_name, kind).await {
            Ok(values) if dns_answer(spec, &values) == seen => {}
            Ok(values) => tracing::warn!(?values, ?seen, "drill: TestDNSAnswer disagrees with the name servers"),
            Err(e) => tracing::debug!(error = %e, "drill: TestDNSAnswer unavailable"),
        }
    }

    async fn preflight(
        &self,
        spec: &RegionalFailoverSpec,
        aws: &Aws,
        facts: HostFacts,
        now: DateTime<Utc>,
    ) -> Preflight {
        let hc = &spec.health_check;
        let secondary = probe::probe(hc.kind, &spec.secondary.endpoint, hc.port, &hc.resource_path).await;
        if let Err(e) = &secondary {
            tracing::info!(error = %e, "drill preflight: the secondary does not answer");
        }
        // Shared reads may be a cycle (tables: minutes) old; the go/no-go needs the present.
        aws.forget(spec);
        let (replicas_not_active, drift_codes) = match Box::pin(aws.snapshot(spec, false)).await {
            Ok(snapshot) => {
                let replicas = verify::replica_states(spec, snapshot.primary_table.as_ref(), &snapshot.replica_tables);
                let not_active = replicas.into_iter().filter(|r| r.status != "ACTIVE").map(|r| r.region).collect();
                let mut codes: Vec<String> =
                    verify::verify(spec, &snapshot, &VerifyContext::default()).into_iter().map(|f| f.code).collect();
                codes.dedup();
                (not_active, codes)
            }
            Err(e) => (Vec::new(), vec![format!("AwsUnreadable: {e}")]),
        };
        let _ = now;
        Preflight {
            primary_healthy: !self.primary_unhealthy,
            secondary_answers: secondary.is_ok(),
            replicas_not_active,
            drift_codes,
            other_drill_running: facts.other_drill_running,
            suspended: facts.suspended,
        }
    }
}

/// Route 53 reports raw checker observations even for an `Inverted` check; what routing uses is
/// the verdict after `Inverted`/`Disabled` are applied.
fn effective_healthy(raw: HealthState, hc: Option<&OriginalHealthCheck>) -> bool {
    match hc {
        Some(hc) if hc.disabled => true,
        Some(hc) if hc.inverted => raw == HealthState::Unhealthy,
        _ => raw != HealthState::Unhealthy,
    }
}

/// The region an answer points at, as the machine sees it.
pub fn dns_answer(spec: &RegionalFailoverSpec, values: &[String]) -> DnsAnswer {
    match verify::active_region(values, spec) {
        Some(r) if r == spec.primary.region => DnsAnswer::Primary,
        Some(r) if r == spec.secondary.region => DnsAnswer::Secondary,
        _ => DnsAnswer::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(inverted: bool, disabled: bool) -> OriginalHealthCheck {
        OriginalHealthCheck { id: "hc".into(), inverted, disabled }
    }

    #[test]
    fn inverted_and_disabled_change_the_verdict() {
        assert!(effective_healthy(HealthState::Healthy, Some(&hc(false, false))));
        assert!(!effective_healthy(HealthState::Healthy, Some(&hc(true, false))));
        assert!(effective_healthy(HealthState::Unhealthy, Some(&hc(true, false))));
        assert!(effective_healthy(HealthState::Unhealthy, Some(&hc(false, true))));
        assert!(effective_healthy(HealthState::Unknown, None));
    }
}
