//! I/O edge of one verification cycle: read AWS and the authoritative DNS servers into plain
//! data (`status::Observed`). Judging it is `verify`/`status`'s job.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{
    api::{RegionalFailoverSpec, RegionalFailoverStatus},
    aws::{Aws, AwsError, ErrorKind, Service, freshness},
    dns,
    drill::{actions::FailsafeConfig, lock},
    status::{
        AwsRead, ForeignLock, LagProbe, Observed,
        vantage::{self, RemoteLoss},
        witness::ServerSaw,
    },
    verify::{self, ZoneObserved},
};

/// How long a probe item is given to appear in every replica before it counts as unseen.
const PROBE_WAIT: Duration = Duration::from_secs(10);
const PROBE_POLL: Duration = Duration::from_millis(100);

/// How long per-checker detail may go unread while DNS gives the verdict; refreshing it also
/// waits for a free optional token (`BudgetConfig::health_detail_rps`).
const HEALTH_DETAIL_MAX_AGE: chrono::Duration = chrono::Duration::minutes(15);

/// Whether this cycle asks Route 53's checkers (`GetHealthCheckStatus`, about 1/s per account).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckerRead {
    /// DNS gave no verdict (no answer, or one naming neither endpoint): the checkers must be asked.
    Required,
    /// DNS names the secondary, so the primary is down; the checkers say why, if a token is free.
    Diagnose,
    /// DNS names the primary; per-checker detail is stale and is refreshed if a token is free.
    Refresh,
    Skip,
}

/// Reads everything one status needs.
///
/// Route 53 answers with a failover pair's primary only while its health check passes, so the
/// authoritative answer (free, read every cycle) is the health verdict; the checkers are asked
/// only when DNS gives none, and otherwise on spare tokens that never queue. A fleet of any size
/// therefore costs no steady `GetHealthCheckStatus` calls, and a regional outage that fails
/// over every object at once cannot stall reconciles behind a 1/s limit.
pub async fn observe(
    spec: &RegionalFailoverSpec,
    previous: &RegionalFailoverStatus,
    aws: &Aws,
    now: DateTime<Utc>,
) -> Observed {
    // Boxed: the joined AWS reads make a deep future type for every caller to nest.
    Box::pin(observe_from(spec, previous, aws, now, &Vantage::default())).await
}

/// Where this operator looks from, and where drill locks live (the operator's settings).
#[derive(Clone, Copy, Debug, Default)]
pub struct Vantage<'a> {
    /// The region of its cluster (two-cluster mode).
    pub region: Option<&'a str>,
    /// The fail-safe settings: a changed check is explained by another process's lock there.
    pub failsafe: Option<&'a FailsafeConfig>,
}

/// [`observe`] by an operator that knows its own region (two-cluster mode): when the other
/// region does not answer, what still can be seen from here is read and reported as such
/// (docs/architecture.md, "Two regions").
pub async fn observe_from(
    spec: &RegionalFailoverSpec,
    previous: &RegionalFailoverStatus,
    aws: &Aws,
    now: DateTime<Utc>,
    vantage: &Vantage<'_>,
) -> Observed {
    let ours = previous.drill.as_ref().is_some_and(|d| d.current.is_some());
    let mut snapshot = aws.snapshot(spec, false).await;
    if !ours {
        snapshot = confirm_changed_check(spec, aws, snapshot).await;
    }
    if let (Err(e), Some(here)) = (&snapshot, vantage.region)
        && vantage::is_remote_loss(e, here)
    {
        let loss = Box::pin(remote_loss(spec, aws, here, e.clone())).await;
        let zone = aws.last_known_zone(&spec.dns.hosted_zone_id);
        let dns_answer = Some(authoritative_answer(spec, zone.as_ref()).await);
        let aws = AwsRead::Partial(Box::new(loss));
        return Observed { spec_error: None, aws, dns_answer, lag_probe: None, probe_error: None, foreign_lock: None };
    }
    let dns_answer = match &snapshot {
        Ok(s) => Some(authoritative_answer(spec, s.zone.as_ref()).await),
        Err(_) => None,
    };
    // Route 53 refuses GetHealthCheckStatus for CALCULATED checks and reports no checkers for
    // CLOUDWATCH_METRIC ones: for those, DNS alone gives the verdict.
    if let Ok(s) = &mut snapshot
        && s.health_check.as_ref().is_some_and(|hc| verify::polls_endpoint(&hc.kind))
    {
        let budget = aws.budget();
        let read = match checker_read(spec, previous, dns_answer.as_ref(), now) {
            CheckerRead::Required => true,
            CheckerRead::Diagnose => budget.try_health_diagnosis(),
            CheckerRead::Refresh => budget.try_health_detail(),
            CheckerRead::Skip => false,
        };
        if read {
            match aws.cached_health_check_status_within(&spec.health_check.id, freshness(spec)).await {
                Ok(observations) => s.checker_observations = observations.as_ref().clone(),
                Err(e) => snapshot = Err(e),
            }
        }
    }
    if let Ok(s) = &mut snapshot {
        // Optional (see `Aws::secondary_health_within`): a failed read is logged, not fatal, and
        // leaves the SECONDARY's verdict unknown this cycle.
        match aws.secondary_health_within(spec, s, freshness(spec)).await {
            Ok(verdict) => s.secondary_health = verdict,
            Err(e) => tracing::warn!(error = %e, "the SECONDARY record's health check could not be read"),
        }
    }
    let probe = &spec.table.replication_probe;
    let due = previous
        .replication
        .as_ref()
        .and_then(|r| r.probed_at)
        .is_none_or(|at| now - at >= chrono::Duration::seconds(i64::from(probe.interval_seconds)));
    let (lag_probe, probe_error) =
        if probe.enabled && due && snapshot.is_ok() { probe_lag(spec, aws, now).await } else { (None, None) };
    let changed =
        snapshot.as_ref().ok().and_then(|s| s.health_check.as_ref()).is_some_and(|hc| hc.inverted || hc.disabled);
    let foreign_lock = match vantage.failsafe {
        Some(f) if changed && !ours => foreign_lock(spec, aws, f).await,
        _ => None,
    };
    let aws = match snapshot {
        Ok(s) => AwsRead::Read(Box::new(s)),
        Err(e) => AwsRead::Failed(e),
    };
    Observed { spec_error: None, aws, dns_answer, lag_probe, probe_error, foreign_lock }
}

/// A check found inverted or disabled while no drill of ours runs is read again, now, before it
/// counts: the shared listing may have been made during another process's drill that has since
/// ended, and its lock is gone with it, so a cached "inverted" would read as drift. If the check
/// cannot be read now, the cycle has no evidence for it: the read's failure is the cycle's (a
/// lost region then reads as such), never drift (docs/architecture.md, "Two regions"). A check
/// that looks unchanged costs nothing.
async fn confirm_changed_check(
    spec: &RegionalFailoverSpec,
    aws: &Aws,
    snapshot: Result<verify::AwsSnapshot, AwsError>,
) -> Result<verify::AwsSnapshot, AwsError> {
    let mut s = snapshot?;
    if s.health_check.as_ref().is_some_and(|hc| hc.inverted || hc.disabled) {
        s.health_check = aws.health_check_now(&spec.health_check.id).await?;
    }
    Ok(s)
}

/// The drill lock on the check, when the check is found changed and no drill of ours runs: the
/// other cluster's drill (or any other process's) explains it. An unreadable lock explains nothing
/// (the change then reads as drift).
pub async fn foreign_lock(spec: &RegionalFailoverSpec, aws: &Aws, f: &FailsafeConfig) -> Option<ForeignLock> {
    let region = f.region.clone().unwrap_or_else(|| spec.primary.region.clone());
    let name = lock::lock_name(&spec.health_check.id);
    match aws.get_schedule(&region, &name, &f.group).await {
        Ok(Some(s)) => Some(ForeignLock {
            lock: name,
            holder: s.description.unwrap_or_else(|| "(no holder written)".into()),
            restores_at: lock::fires_at(&s.expression),
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "the drill lock could not be read");
            None
        }
    }
}

/// PURE: whether to ask the checkers this cycle (see [`CheckerRead`]).
pub fn checker_read(
    spec: &RegionalFailoverSpec,
    previous: &RegionalFailoverStatus,
    dns_answer: Option<&Result<Vec<String>, String>>,
    now: DateTime<Utc>,
) -> CheckerRead {
    let active = match dns_answer {
        Some(Ok(values)) => verify::active_region(values, spec),
        _ => None,
    };
    let detail_stale = || {
        previous.health.as_ref().and_then(|h| h.checkers_observed_at).is_none_or(|at| now - at >= HEALTH_DETAIL_MAX_AGE)
    };
    match active {
        None => CheckerRead::Required,
        Some(region) if region != spec.primary.region => CheckerRead::Diagnose,
        Some(_) if detail_stale() => CheckerRead::Refresh,
        Some(_) => CheckerRead::Skip,
    }
}

/// The authoritative servers' answer for the record: `spec.dns.nameservers`, else the zone's
/// delegation set.
pub async fn authoritative_answer(
    spec: &RegionalFailoverSpec,
    zone: Option<&ZoneObserved>,
) -> Result<Vec<String>, String> {
    let entries = if spec.dns.nameservers.is_empty() {
        zone.map(|z| z.name_servers.clone()).unwrap_or_default()
    } else {
        spec.dns.nameservers.clone()
    };
    let servers = dns::resolve_servers(&entries).await.map_err(|e| e.to_string())?;
    let answer = dns::query(&servers, &spec.dns.record_name, spec.dns.record_type).await.map_err(|e| e.to_string())?;
    Ok(answer.values)
}

/// What answers from `here` while another region does not: each table region and Route 53's
/// control plane asked now, the lost ones listed, the local table kept.
async fn remote_loss(spec: &RegionalFailoverSpec, aws: &Aws, here: &str, first: AwsError) -> RemoteLoss {
    let mut lost = vec![first];
    let mut local_table = None;
    for region in std::iter::once(&spec.primary.region).chain(&spec.table.replica_regions) {
        match aws.table_now(region, &spec.table.name).await {
            Ok(t) if region == here => local_table = t,
            Ok(_) => {}
            Err(e) if vantage::is_remote_loss(&e, here) => lost.push(e),
            Err(e) => tracing::warn!(error = %e, "table read failed while another region is unreachable"),
        }
    }
    if !lost.iter().any(|e| e.service == Service::Route53)
        && let Err(e) = aws.hosted_zone_now(&spec.dns.hosted_zone_id).await
        && vantage::is_remote_loss(&e, here)
    {
        lost.push(e);
    }
    RemoteLoss { vantage: here.to_string(), lost, local_table }
}

/// Each authoritative server asked on its own, at once (the watch while a failover converges:
/// servers change their answers separately).
pub async fn answers_per_server(spec: &RegionalFailoverSpec, zone: Option<&ZoneObserved>) -> Vec<ServerSaw> {
    let entries = if spec.dns.nameservers.is_empty() {
        zone.map(|z| z.name_servers.clone()).unwrap_or_default()
    } else {
        spec.dns.nameservers.clone()
    };
    let servers = dns::resolve_each(&entries).await;
    let asks = servers.into_iter().map(|(server, addrs)| async move {
        let region = match addrs {
            Ok(addrs) => match dns::query(&addrs, &spec.dns.record_name, spec.dns.record_type).await {
                Ok(a) => verify::active_region(&a.values, spec),
                Err(_) => None,
            },
            Err(_) => None,
        };
        ServerSaw { server, region }
    });
    futures::future::join_all(asks).await
}

/// Writes a canary item in the primary and times its arrival in each replica region. A failed call
/// comes back with it (the write's alone: nothing was measured), for the status to show
/// (docs/architecture.md, "Replication"); a denied read-back is not asked again within the wait.
async fn probe_lag(spec: &RegionalFailoverSpec, aws: &Aws, now: DateTime<Utc>) -> (Option<LagProbe>, Option<AwsError>) {
    let t = &spec.table;
    let (region, key) = (&spec.primary.region, &t.replication_probe.key_attribute);
    let id = format!("{}", now.timestamp_millis());
    if let Err(e) = aws.put_probe(region, &t.name, key, &id, now, Duration::from_secs(3600)).await {
        tracing::warn!(error = %e, "replication probe write failed");
        return (None, Some(e));
    }
    let started = tokio::time::Instant::now();
    let mut reads: Vec<ProbeRead> = t.replica_regions.iter().map(|r| ProbeRead::new(r)).collect();
    while started.elapsed() < PROBE_WAIT && reads.iter().any(ProbeRead::waiting) {
        for read in reads.iter_mut().filter(|r| r.waiting()) {
            match aws.get_probe(&read.region, &t.name, key, &id).await {
                Ok(Some(_)) => (read.lag, read.error) = (Some(started.elapsed().as_secs_f64()), None),
                Ok(None) => {}
                Err(e) => read.error = Some(e),
            }
        }
        tokio::time::sleep(PROBE_POLL).await;
    }
    let mut failed = None;
    for e in reads.iter().filter(|r| r.lag.is_none()).filter_map(|r| r.error.clone()) {
        tracing::warn!(error = %e, "replication probe read-back failed");
        failed = worse(failed, e);
    }
    if let Err(e) = aws.delete_probe(region, &t.name, key, &id).await {
        tracing::warn!(error = %e, "replication probe cleanup failed; the item's TTL removes it");
        failed = worse(failed, e);
    }
    let lags = reads.into_iter().map(|r| (r.region, r.lag)).collect();
    (Some(LagProbe { lags, probed_at: now }), failed)
}

/// One replica's read-back of the canary.
struct ProbeRead {
    region: String,
    lag: Option<f64>,
    /// The last failed read, while the canary is unseen.
    error: Option<AwsError>,
}

impl ProbeRead {
    fn new(region: &str) -> ProbeRead {
        ProbeRead { region: region.to_string(), lag: None, error: None }
    }

    /// Still worth asking: unseen, and not refused by IAM (that does not change within the wait).
    fn waiting(&self) -> bool {
        self.lag.is_none() && self.error.as_ref().is_none_or(|e| e.kind != ErrorKind::AccessDenied)
    }
}

/// PURE: which failed probe call to report: the first denial, else the first failure.
pub fn worse(kept: Option<AwsError>, next: AwsError) -> Option<AwsError> {
    match kept {
        Some(k) if k.kind == ErrorKind::AccessDenied || next.kind != ErrorKind::AccessDenied => Some(k),
        _ => Some(next),
    }
}

#[cfg(test)]
mod tests;
