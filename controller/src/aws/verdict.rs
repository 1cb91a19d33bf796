//! Route 53's verdict on any kind of health check, read through the budget: endpoint checks from
//! `GetHealthCheckStatus` (which Route 53 refuses for CALCULATED checks and answers empty for
//! alarm checks), CALCULATED checks from their children, CLOUDWATCH_METRIC checks from their alarm
//! (`DescribeAlarms`). Combining is `verify`'s (pure); this file only reads.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use futures::future::{BoxFuture, try_join_all};
use tokio::time::Instant;

use super::{AwsError, client::Aws};
use crate::{
    api::HealthState,
    verify::{self, AwsSnapshot, HealthCheckObserved},
};

/// Calculated checks of calculated checks are followed this deep, no further.
const MAX_DEPTH: u32 = 4;
/// How long a SECONDARY verdict stands in while no optional token is free.
const SECONDARY_STALE_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Which question a verdict answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// What Route 53 decides: children after their own `Inverted`/`Disabled`, an alarm with too
    /// little data per `InsufficientDataHealthStatus`. Used for the SECONDARY's health.
    Route53,
    /// What the endpoints really are, for drill evidence (fail closed): children's raw verdicts (a
    /// disabled child is no evidence), an alarm's own state (`INSUFFICIENT_DATA` is no evidence).
    Evidence,
}

/// Last SECONDARY verdicts by health check ID, with when they were read.
#[derive(Debug, Default)]
pub struct SecondaryVerdicts(Mutex<HashMap<String, (Instant, HealthState)>>);

impl Aws {
    /// The verdict on `hc` before its own `Inverted`/`Disabled` (statuses and alarms no older than
    /// `max_age`; `Duration::ZERO` reads them now). `Unknown` when nobody reports.
    pub fn raw_verdict<'a>(
        &'a self,
        hc: &'a HealthCheckObserved,
        reading: Reading,
        max_age: Duration,
    ) -> BoxFuture<'a, Result<HealthState, AwsError>> {
        Box::pin(self.raw_verdict_at(hc, reading, max_age, 0))
    }

    async fn raw_verdict_at(
        &self,
        hc: &HealthCheckObserved,
        reading: Reading,
        max_age: Duration,
        depth: u32,
    ) -> Result<HealthState, AwsError> {
        match hc.kind.as_str() {
            "CALCULATED" if depth >= MAX_DEPTH => Ok(HealthState::Unknown),
            "CALCULATED" => {
                let children = try_join_all(hc.child_health_checks.iter().map(|id| async move {
                    let Some(child) = self.cached_health_check(id).await? else {
                        return Ok::<_, AwsError>(HealthState::Unknown);
                    };
                    if reading == Reading::Evidence && child.disabled {
                        return Ok(HealthState::Unknown);
                    }
                    let raw = Box::pin(self.raw_verdict_at(&child, reading, max_age, depth + 1)).await?;
                    Ok(match reading {
                        Reading::Route53 => verify::effective_health(raw, child.inverted, child.disabled),
                        Reading::Evidence => raw,
                    })
                }))
                .await?;
                Ok(match hc.health_threshold {
                    Some(t) => verify::calculated_verdict(t, &children),
                    None => HealthState::Unknown,
                })
            }
            "CLOUDWATCH_METRIC" => {
                let Some(alarm) = &hc.alarm else { return Ok(HealthState::Unknown) };
                let state = self.cached_alarm_within(alarm, max_age).await?.map(|a| a.state);
                Ok(match reading {
                    Reading::Route53 => {
                        verify::alarm_check_verdict(state.as_deref(), hc.insufficient_data_health_status.as_deref())
                    }
                    Reading::Evidence => verify::alarm_state_verdict(state.as_deref()),
                })
            }
            "RECOVERY_CONTROL" => Ok(HealthState::Unknown),
            _ => {
                let observations = self.cached_health_check_status_within(&hc.id, max_age).await?;
                Ok(verify::health_from_observations(&observations, chrono::Utc::now()).status)
            }
        }
    }

    /// Route 53's verdict on the SECONDARY record's health check (after its own flags), read now:
    /// `Ok(None)` when the SECONDARY has no health check (or the check does not exist).
    pub async fn secondary_health_now(
        &self,
        spec: &crate::api::RegionalFailoverSpec,
        snap: &AwsSnapshot,
    ) -> Result<Option<HealthState>, AwsError> {
        let Some(hc) = secondary_check(spec, snap) else { return Ok(None) };
        let raw = self.raw_verdict(hc, Reading::Route53, Duration::ZERO).await?;
        let verdict = verify::effective_health(raw, hc.inverted, hc.disabled);
        self.inner.secondary_verdicts.store(&hc.id, verdict);
        Ok(Some(verdict))
    }

    /// The same during verification, within the request budget: a verdict younger than `fresh` is
    /// reused; otherwise it is read when an optional token is free
    /// (`BudgetConfig::secondary_health_rps`), else one up to 15 minutes old stands in, else it is
    /// unknown this cycle (`Ok(None)`, no finding either way).
    pub async fn secondary_health_within(
        &self,
        spec: &crate::api::RegionalFailoverSpec,
        snap: &AwsSnapshot,
        fresh: Duration,
    ) -> Result<Option<HealthState>, AwsError> {
        let Some(hc) = secondary_check(spec, snap) else { return Ok(None) };
        let cache = &self.inner.secondary_verdicts;
        if let Some(v) = cache.younger_than(&hc.id, fresh) {
            return Ok(Some(v));
        }
        if self.budget().try_secondary_health() {
            let raw = self.raw_verdict(hc, Reading::Route53, fresh).await?;
            let verdict = verify::effective_health(raw, hc.inverted, hc.disabled);
            cache.store(&hc.id, verdict);
            return Ok(Some(verdict));
        }
        Ok(cache.younger_than(&hc.id, SECONDARY_STALE_LIMIT))
    }
}

/// The SECONDARY record's health check as listed in the snapshot, when it has one.
fn secondary_check<'a>(
    spec: &crate::api::RegionalFailoverSpec,
    snap: &'a AwsSnapshot,
) -> Option<&'a HealthCheckObserved> {
    let id = verify::failover_record(spec, snap, verify::FailoverRole::Secondary)?.health_check_id.as_deref()?;
    snap.health_check_by_id(id)
}

impl SecondaryVerdicts {
    fn store(&self, id: &str, verdict: HealthState) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (at, _)| at.elapsed() < SECONDARY_STALE_LIMIT);
        map.insert(id.to_string(), (Instant::now(), verdict));
    }

    fn younger_than(&self, id: &str, age: Duration) -> Option<HealthState> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id).filter(|(at, _)| at.elapsed() < age).map(|(_, v)| *v)
    }
}
