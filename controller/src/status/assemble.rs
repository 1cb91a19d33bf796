//! PURE: one cycle's observations → the whole status to write, and the events to emit.

use chrono::{DateTime, Utc};

use super::{StatusInput, Transition, conditions, transitions};
use crate::{
    api::{HealthSource, HealthState, HealthStatus, RegionalFailoverSpec, RegionalFailoverStatus, ReplicationStatus},
    verify::{self, AwsSnapshot, VerifyContext},
};

/// A completed replication probe: lag per replica region (`None` = not seen within the wait).
#[derive(Clone, Debug, PartialEq)]
pub struct LagProbe {
    pub lags: Vec<(String, Option<f64>)>,
    pub probed_at: DateTime<Utc>,
}

/// What the adapters brought back this cycle; errors are already human sentences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// Why the spec cannot be used (CEL rules, cron); nothing else was read.
    pub spec_error: Option<String>,
    pub snapshot: Option<Result<AwsSnapshot, String>>,
    /// Values the authoritative servers answered for the record.
    pub dns_answer: Option<Result<Vec<String>, String>>,
    pub lag_probe: Option<LagProbe>,
}

/// The status to apply and the events its transitions deserve.
#[derive(Clone, Debug, PartialEq)]
pub struct Assembled {
    pub status: RegionalFailoverStatus,
    pub events: Vec<Transition>,
}

/// Builds the next status from the previous one: fields that could not be observed this cycle
/// keep their last value (and their age is visible in `observedAt`/`probedAt`), while the
/// conditions say Unknown.
pub fn assemble(
    spec: &RegionalFailoverSpec,
    generation: Option<i64>,
    previous: &RegionalFailoverStatus,
    observed: &Observed,
    now: DateTime<Utc>,
) -> Assembled {
    let mut next = previous.clone();
    next.observed_generation = generation;
    let predicted = verify::predicted_rto_seconds(spec);
    next.predicted_rto_seconds = Some(predicted);
    let drill_in_progress = previous.drill.as_ref().is_some_and(|d| d.current.is_some());

    let aws_error = match (&observed.spec_error, &observed.snapshot) {
        (Some(_), _) => None,
        (None, Some(Ok(snapshot))) => {
            let ctx = VerifyContext { drill_in_progress };
            next.drift = verify::verify(spec, snapshot, &ctx);
            if !snapshot.checker_observations.is_empty() {
                next.health = Some(verify::health_from_observations(&snapshot.checker_observations, now));
            } else if snapshot.health_check.is_none() {
                next.health = Some(HealthStatus {
                    status: HealthState::Unknown,
                    checkers_healthy: 0,
                    checkers_reporting: 0,
                    observed_at: now,
                    source: HealthSource::Checkers,
                    checkers_observed_at: None,
                });
            } else if let Some(Ok(values)) = &observed.dns_answer
                && let Some(active) = verify::active_region(values, spec)
            {
                next.health = Some(health_from_dns(active == spec.primary.region, previous.health.as_ref(), now));
            }
            let mut replication = previous.replication.clone().unwrap_or_default();
            replication.replicas =
                verify::replica_states(spec, snapshot.primary_table.as_ref(), &snapshot.replica_tables);
            apply_probe(&mut replication, observed.lag_probe.as_ref());
            next.replication = Some(replication);
            next.last_verified_at = Some(now);
            None
        }
        (None, Some(Err(e))) => Some(e.clone()),
        (None, None) => Some("AWS was not read this cycle.".to_string()),
    };
    match &observed.dns_answer {
        Some(Ok(values)) => next.active_region = verify::active_region(values, spec),
        Some(Err(_)) => next.active_region = None,
        None => {}
    }

    let last_drill = previous.drill.as_ref().and_then(|d| d.last.as_ref());
    let input = StatusInput {
        spec_error: observed.spec_error.as_deref(),
        aws_error: aws_error.as_deref(),
        findings: &next.drift,
        health: next.health.as_ref(),
        replication: next.replication.as_ref(),
        objectives: &spec.objectives,
        predicted_rto_seconds: predicted,
        last_drill,
        drill_in_progress,
    };
    next.conditions = conditions(&input, &previous.conditions, now, generation);
    let events = transitions(&previous.conditions, &next.conditions);
    Assembled { status: next, events }
}

/// Route 53 answers with a failover pair's primary while its health check passes and with the
/// secondary when it fails, so the authoritative answer is a verdict that costs no API call
/// (when both records are unhealthy Route 53 answers with the primary; the secondary usually has
/// no health check). The checker counts stay as last read.
fn health_from_dns(primary_answered: bool, previous: Option<&HealthStatus>, now: DateTime<Utc>) -> HealthStatus {
    HealthStatus {
        status: if primary_answered { HealthState::Healthy } else { HealthState::Unhealthy },
        checkers_healthy: previous.map_or(0, |h| h.checkers_healthy),
        checkers_reporting: previous.map_or(0, |h| h.checkers_reporting),
        observed_at: now,
        source: HealthSource::Dns,
        checkers_observed_at: previous.and_then(|h| h.checkers_observed_at),
    }
}

fn apply_probe(replication: &mut ReplicationStatus, probe: Option<&LagProbe>) {
    let Some(probe) = probe else { return };
    for replica in &mut replication.replicas {
        replica.lag_seconds = probe.lags.iter().find(|(r, _)| *r == replica.region).and_then(|(_, l)| *l);
    }
    // The pair is only as fresh as its slowest replica; a replica never seen counts as unknown.
    replication.lag_seconds =
        probe.lags.iter().map(|(_, l)| *l).collect::<Option<Vec<f64>>>().and_then(|l| l.into_iter().reduce(f64::max));
    replication.probed_at = Some(probe.probed_at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::find_condition;
    use crate::verify::fixtures;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("time").with_timezone(&Utc)
    }

    #[test]
    fn matching_snapshot_is_in_sync_and_primary_active() {
        let spec = fixtures::spec();
        let observed = Observed {
            snapshot: Some(Ok(fixtures::snapshot())),
            dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
            ..Observed::default()
        };
        let a = assemble(&spec, Some(3), &RegionalFailoverStatus::default(), &observed, now());
        assert!(a.status.drift.is_empty(), "{:?}", a.status.drift);
        assert_eq!(a.status.active_region.as_deref(), Some(spec.primary.region.as_str()));
        assert_eq!(a.status.observed_generation, Some(3));
        assert_eq!(a.status.last_verified_at, Some(now()));
        let in_sync = find_condition(&a.status.conditions, "InSync").expect("InSync");
        assert_eq!(in_sync.status, crate::api::ConditionStatus::True);
        assert_eq!(in_sync.observed_generation, Some(3));
    }

    #[test]
    fn without_a_checker_read_an_answer_naming_the_primary_is_the_health_verdict() {
        let spec = fixtures::spec();
        let mut with_checkers = fixtures::snapshot();
        with_checkers.checker_observations = ["us-east-1", "eu-west-1", "ap-southeast-2"]
            .map(|region| crate::verify::CheckerObservation {
                region: region.into(),
                status: "Success: HTTP Status Code 200, OK".into(),
                checked_at: Some(now()),
            })
            .to_vec();
        let read = Observed {
            snapshot: Some(Ok(with_checkers)),
            dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
            ..Observed::default()
        };
        let first = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &read, now());
        let checkers = first.status.health.clone().expect("health");
        assert_eq!(checkers.source, HealthSource::Checkers);
        assert_eq!((checkers.checkers_healthy, checkers.checkers_reporting), (3, 3));

        let mut no_read = fixtures::snapshot();
        no_read.checker_observations.clear();
        let later = now() + chrono::Duration::seconds(60);
        let by_dns = Observed { snapshot: Some(Ok(no_read.clone())), ..read.clone() };
        let second = assemble(&spec, Some(1), &first.status, &by_dns, later);
        let health = second.status.health.clone().expect("health");
        assert_eq!(
            (health.status, health.source, health.observed_at),
            (HealthState::Healthy, HealthSource::Dns, later)
        );
        assert_eq!(
            (health.checkers_healthy, health.checkers_reporting, health.checkers_observed_at),
            (checkers.checkers_healthy, checkers.checkers_reporting, Some(now()))
        );
        let healthy = find_condition(&second.status.conditions, "PrimaryHealthy").expect("PrimaryHealthy");
        assert_eq!(healthy.status, crate::api::ConditionStatus::True);
        assert!(healthy.message.contains("name servers answer with the primary"), "{}", healthy.message);

        // An answer naming the secondary means the primary's check fails.
        let secondary = Observed {
            snapshot: Some(Ok(no_read.clone())),
            dns_answer: Some(Ok(vec![spec.secondary.endpoint.clone()])),
            ..Observed::default()
        };
        let third = assemble(&spec, Some(1), &second.status, &secondary, later + chrono::Duration::seconds(60));
        let health = third.status.health.clone().expect("health");
        assert_eq!((health.status, health.source), (HealthState::Unhealthy, HealthSource::Dns));
        assert_eq!(third.status.active_region.as_deref(), Some(spec.secondary.region.as_str()));
        let unhealthy = find_condition(&third.status.conditions, "PrimaryHealthy").expect("PrimaryHealthy");
        assert_eq!(unhealthy.status, crate::api::ConditionStatus::False);
        assert!(unhealthy.message.contains("answer with the secondary"), "{}", unhealthy.message);

        // No answer naming either endpoint is no verdict: the health stays as last known.
        let unknown =
            Observed { snapshot: Some(Ok(no_read)), dns_answer: Some(Err("no answer".into())), ..Observed::default() };
        let fourth = assemble(&spec, Some(1), &third.status, &unknown, later + chrono::Duration::seconds(120));
        assert_eq!(fourth.status.health, third.status.health);
    }

    #[test]
    fn aws_error_keeps_last_observations_but_conditions_go_unknown() {
        let spec = fixtures::spec();
        let ok = Observed { snapshot: Some(Ok(fixtures::snapshot())), ..Observed::default() };
        let first = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &ok, now());
        let failed = Observed { snapshot: Some(Err("Route 53 unreachable.".into())), ..Observed::default() };
        let second = assemble(&spec, Some(1), &first.status, &failed, now() + chrono::Duration::seconds(60));
        assert_eq!(second.status.last_verified_at, Some(now()), "last successful verification stays");
        assert_eq!(second.status.replication, first.status.replication);
        let in_sync = find_condition(&second.status.conditions, "InSync").expect("InSync");
        assert_eq!(in_sync.status, crate::api::ConditionStatus::Unknown);
    }

    #[test]
    fn probe_lag_is_the_slowest_replica() {
        let spec = fixtures::spec();
        let region = spec.secondary.region.clone();
        let observed = Observed {
            snapshot: Some(Ok(fixtures::snapshot())),
            lag_probe: Some(LagProbe { lags: vec![(region.clone(), Some(0.8))], probed_at: now() }),
            ..Observed::default()
        };
        let a = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &observed, now());
        let repl = a.status.replication.expect("replication");
        assert_eq!(repl.lag_seconds, Some(0.8));
        assert_eq!(repl.replicas.iter().find(|r| r.region == region).and_then(|r| r.lag_seconds), Some(0.8));
        let unseen = Observed {
            snapshot: Some(Ok(fixtures::snapshot())),
            lag_probe: Some(LagProbe { lags: vec![(region, None)], probed_at: now() }),
            ..Observed::default()
        };
        let b = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &unseen, now());
        assert_eq!(b.status.replication.and_then(|r| r.lag_seconds), None);
    }

    #[test]
    fn invalid_spec_reports_without_touching_observations() {
        let spec = fixtures::spec();
        let observed = Observed { spec_error: Some("schedule does not parse.".into()), ..Observed::default() };
        let a = assemble(&spec, Some(2), &RegionalFailoverStatus::default(), &observed, now());
        let ready = find_condition(&a.status.conditions, "Ready").expect("Ready");
        assert_eq!(ready.status, crate::api::ConditionStatus::False);
        assert_eq!(ready.reason, "InvalidSpec");
        assert!(a.status.last_verified_at.is_none());
    }
}
