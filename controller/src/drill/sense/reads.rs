//! The drill's AWS reads: the health check, Route 53's checkers (or what drives a CALCULATED or
//! CLOUDWATCH_METRIC check) and the settings preflight compares (docs/architecture.md, "Drills: evidence").

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{
    api::{HealthCheckSpec, HealthState, RegionalFailoverSpec},
    aws::{Aws, Reading},
    drill::evidence::{CheckState, CheckerVerdict, Evidence, ReadError, SettingsFacts},
    status,
    verify::{self, VerifyContext},
};

/// `GetHealthCheck`, uncached: preflight captures these settings and the version the drill's
/// changes are conditional on.
pub(super) async fn read_check(aws: Aws, id: String) -> Evidence<Option<CheckState>> {
    let read = aws.get_health_check(&id).await.map(|hc| {
        hc.map(|hc| CheckState { id: hc.id, inverted: hc.inverted, disabled: hc.disabled, version: hc.version })
    });
    Evidence::from_result(read.map_err(ReadError::from))
}

/// Route 53's checkers' raw verdict (before `Inverted`): what the endpoint really is.
///
/// HTTP/HTTPS/TCP: `GetHealthCheckStatus` and the 18 % rule. Route 53 refuses that call for
/// CALCULATED checks and reports no checkers for CLOUDWATCH_METRIC ones, so for those the verdict
/// comes from what drives them: a CALCULATED check's children (their raw verdicts against its
/// `HealthThreshold`; a disabled child is no evidence), a CLOUDWATCH_METRIC check's alarm state
/// (`INSUFFICIENT_DATA` is no evidence: `NoReports`, which preflight refuses). Either way
/// `Inverted` on the check itself is not applied, as for the checkers.
pub(super) async fn read_checkers(aws: Aws, hc: HealthCheckSpec) -> Evidence<CheckerVerdict> {
    let verdict = if hc.kind.polls_endpoint() {
        aws.get_health_check_status(&hc.id)
            .await
            .map(|observations| verify::health_from_observations(&observations, Utc::now()).status)
    } else {
        match aws.cached_health_check(&hc.id).await {
            Ok(Some(observed)) if !verify::polls_endpoint(&observed.kind) => {
                aws.raw_verdict(&observed, Reading::Evidence, Duration::ZERO).await
            }
            Ok(Some(observed)) => {
                return Evidence::unreadable(format!(
                    "the health check is of type {}, not {:?}: its verdict cannot be read as declared",
                    observed.kind, hc.kind
                ));
            }
            Ok(None) => return Evidence::unreadable("the health check does not exist"),
            Err(e) => Err(e),
        }
    };
    match verdict {
        Ok(HealthState::Healthy) => Evidence::Read(CheckerVerdict::Healthy),
        Ok(HealthState::Unhealthy) => Evidence::Read(CheckerVerdict::Unhealthy),
        Ok(HealthState::Unknown) => Evidence::Read(CheckerVerdict::NoReports),
        Err(e) => Evidence::Unreadable(e.into()),
    }
}

/// While injected, "nobody reports" is a warning sign, not neutral: an alarm whose canary stopped
/// publishing (`INSUFFICIENT_DATA`) may mean the primary's region is failing, and inverting a check
/// that Route 53 then reads as unhealthy turns it healthy. So it counts as unreadable evidence,
/// which aborts and restores (fail closed; preflight already refuses `NoReports`).
pub(super) fn no_reports_while_injected(e: Evidence<CheckerVerdict>) -> Evidence<CheckerVerdict> {
    match e {
        Evidence::Read(CheckerVerdict::NoReports) => {
            Evidence::unreadable("no checker, child or alarm reports on the primary while the drill is injected")
        }
        other => other,
    }
}

/// Drift, replicas, replication and the SECONDARY's health check, read fresh.
pub(super) async fn read_settings(aws: Aws, spec: RegionalFailoverSpec, now: DateTime<Utc>) -> Evidence<SettingsFacts> {
    match Box::pin(aws.snapshot(&spec, false)).await {
        Ok(mut snapshot) => {
            // The lag above the RPO, or unknown (missing while writes happen, unreadable), refuses.
            let replication = status::replication::replication_status(&spec, &snapshot, None, now);
            let lag = status::replication::lag_verdict(
                &spec.primary.region,
                &replication,
                spec.objectives.rpo_seconds,
                status::replication::metrics_error(&snapshot),
            );
            let replication_behind = status::replication::behind_reason(&lag, spec.objectives.rpo_seconds);
            // Required here (not the optional verification read): an unhealthy SECONDARY check
            // keeps DNS on the primary, so the drill could not fail over; unknown fails closed.
            let secondary = match aws.secondary_health_now(&spec, &snapshot).await {
                Ok(Some(HealthState::Unknown)) => {
                    return Evidence::unreadable("the SECONDARY record's health check has no verdict yet");
                }
                Ok(verdict) => verdict,
                Err(e) => return Evidence::Unreadable(e.into()),
            };
            snapshot.secondary_health = secondary;
            let id = verify::failover_record(&spec, &snapshot, verify::FailoverRole::Secondary)
                .and_then(|r| r.health_check_id.clone())
                .unwrap_or_default();
            let secondary_unanswerable = (secondary == Some(HealthState::Unhealthy)).then(|| {
                format!(
                    "The SECONDARY record's health check {id} is unhealthy: Route 53 keeps answering with the primary \
                     whatever its health, so the drill could not fail over. Make the standby healthy first."
                )
            });
            let replicas = verify::replica_states(&spec, snapshot.primary_table.as_ref(), &snapshot.replica_tables);
            let replicas_not_active = replicas.into_iter().filter(|r| r.status != "ACTIVE").map(|r| r.region).collect();
            let mut drift_codes: Vec<String> =
                verify::verify(&spec, &snapshot, &VerifyContext::default()).into_iter().map(|f| f.code).collect();
            drift_codes.sort();
            drift_codes.dedup();
            Evidence::Read(SettingsFacts {
                replicas_not_active,
                drift_codes,
                replication_behind,
                secondary_unanswerable,
            })
        }
        Err(e) => Evidence::Unreadable(e.into()),
    }
}
