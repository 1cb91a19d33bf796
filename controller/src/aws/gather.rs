//! Assembling one object's [`AwsSnapshot`] from the shared caches, so N objects cost one zone
//! read, one record listing per zone and one health-check listing per 100 checks, not N of each.
//!
//! Every read accepts a value as old as the object's own verify interval: objects spread over
//! that interval share one read instead of each causing a fresh one. Table settings change
//! rarely and DynamoDB asks clients to cache control-plane answers, so they are re-read at most
//! every `AwsOptions::table_max_age`.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use futures::future::try_join_all;

use super::{
    AwsError,
    client::Aws,
    route53::{normalize_name, zone_id_bare},
};
use crate::{
    api::RegionalFailoverSpec,
    verify::{
        self, AlarmRef, AwsSnapshot, CheckerObservation, FailoverRole, HealthCheckObserved, RecordObserved,
        ReplicationMetrics, TableObserved, ZoneObserved,
    },
};

/// Calculated checks of calculated checks are followed this deep, no further.
const MAX_CHECK_DEPTH: usize = 4;

/// Objects per zone that read their own records by name before its first listing: the first
/// statuses after a start come from these, and they cost at most this many calls per zone.
const NAMED_READS_BEFORE_LISTING: u32 = 2;

/// A zone's first listing by this process: done yet, and the reads by name before it.
#[derive(Debug, Default)]
pub(super) struct FirstListing {
    pub(super) listed: bool,
    named_reads: u32,
}

/// Every health check of the account, by ID.
pub type HealthCheckList = Arc<HashMap<String, HealthCheckObserved>>;

impl Aws {
    /// Everything verification needs for one object. Health checker status (the most tightly
    /// limited call, one per check) is read only when `read_health_status` is set.
    pub async fn snapshot(
        &self,
        spec: &RegionalFailoverSpec,
        read_health_status: bool,
    ) -> Result<AwsSnapshot, AwsError> {
        let fresh = freshness(spec);
        let table_fresh = fresh.max(self.inner.table_max_age);
        let zone_id = zone_id_bare(&spec.dns.hosted_zone_id);
        let hc_id = spec.health_check.id.as_str();
        let table = spec.table.name.as_str();
        let name = normalize_name(&spec.dns.record_name);
        let status = async {
            if read_health_status {
                self.cached_health_check_status_within(hc_id, fresh).await
            } else {
                Ok(Arc::new(Vec::new()))
            }
        };
        let replicas = try_join_all(spec.table.replica_regions.iter().map(|region| async move {
            Ok::<_, AwsError>((region.clone(), self.cached_table_within(region, table, table_fresh).await?))
        }));
        let settings = async {
            tokio::try_join!(
                self.cached_health_check_within(hc_id, fresh),
                status,
                self.cached_hosted_zone_within(zone_id, fresh),
                self.records_named_within(zone_id, &name, fresh),
                self.cached_table_within(&spec.primary.region, table, table_fresh),
                replicas,
            )
        };
        // CloudWatch failing makes only the replication judgement Unknown, not the whole snapshot.
        // Boxed: the joined futures are deep types, and every caller's future would nest them.
        let (settings, metrics) = tokio::join!(Box::pin(settings), Box::pin(self.replication_metrics_of(spec, fresh)));
        let (health_check, checker_observations, zone, records, primary_table, replica_tables) = settings?;
        let mut snapshot = AwsSnapshot {
            health_check,
            checker_observations: checker_observations.as_ref().clone(),
            records,
            zone,
            primary_table,
            replica_tables,
            replication_metrics: Some(metrics),
            ..AwsSnapshot::default()
        };
        self.read_failover_path(spec, &mut snapshot, fresh).await?;
        Ok(snapshot)
    }

    /// The health checks and alarms the failover path depends on besides the primary check: a
    /// CALCULATED check's children (and theirs), the SECONDARY record's check, and the alarms of
    /// the CLOUDWATCH_METRIC checks among them. Settings come from the shared health-check
    /// listing (no extra call unless a check is missing from it); each alarm costs one
    /// `DescribeAlarms` per freshness window, shared by every object that names it.
    async fn read_failover_path(
        &self,
        spec: &RegionalFailoverSpec,
        snap: &mut AwsSnapshot,
        fresh: Duration,
    ) -> Result<(), AwsError> {
        let mut pending: Vec<String> = snap.health_check.iter().flat_map(|hc| hc.child_health_checks.clone()).collect();
        let secondary = verify::failover_record(spec, snap, FailoverRole::Secondary);
        pending.extend(secondary.and_then(|r| r.health_check_id.clone()));
        let mut seen: HashSet<String> = snap.health_check.iter().map(|hc| hc.id.clone()).collect();
        for _ in 0..MAX_CHECK_DEPTH {
            let batch: Vec<String> = pending.drain(..).filter(|id| seen.insert(id.clone())).collect();
            if batch.is_empty() {
                break;
            }
            let read = try_join_all(batch.iter().map(|id| self.cached_health_check_within(id, fresh))).await?;
            for (id, hc) in batch.into_iter().zip(read) {
                pending.extend(hc.iter().flat_map(|h| h.child_health_checks.clone()));
                snap.related_health_checks.push((id, hc));
            }
        }
        let checks = snap.health_check.iter().chain(snap.related_health_checks.iter().filter_map(|(_, h)| h.as_ref()));
        let alarms: BTreeSet<AlarmRef> =
            checks.filter(|h| h.kind == "CLOUDWATCH_METRIC").filter_map(|h| h.alarm.clone()).collect();
        let read = try_join_all(alarms.iter().map(|a| self.cached_alarm_within(a, fresh))).await?;
        snap.alarms = alarms.into_iter().zip(read).collect();
        Ok(())
    }

    /// `ReplicationLatency` both ways between the primary and each replica: one shared
    /// `GetMetricData` per table per source region (see `cloudwatch.rs` for why not one per table).
    async fn replication_metrics_of(
        &self,
        spec: &RegionalFailoverSpec,
        fresh: Duration,
    ) -> Result<Vec<ReplicationMetrics>, AwsError> {
        let table = spec.table.name.as_str();
        let minutes = spec.objectives.rpo_window();
        let primary = vec![spec.primary.region.clone()];
        let reads = std::iter::once((&spec.primary.region, &spec.table.replica_regions))
            .chain(spec.table.replica_regions.iter().map(|r| (r, &primary)))
            .map(|(source, receivers)| {
                self.cached_replication_metrics_within(source, table, receivers, minutes, fresh)
            });
        try_join_all(reads).await
    }

    /// Forgets what is cached about one object's resources, so the next snapshot is read fresh
    /// (drill preflight judges the present, not the last cycle).
    pub fn forget(&self, spec: &RegionalFailoverSpec) {
        self.invalidate_zone(&spec.dns.hosted_zone_id);
        self.inner.health_check_list.invalidate(&());
        self.inner.health_checks.invalidate(&spec.health_check.id);
        self.inner.health_status.invalidate(&spec.health_check.id);
        if let Some(a) = &spec.health_check.alarm {
            self.inner.alarms.invalidate(&AlarmRef { region: a.region.clone(), name: a.name.clone() });
        }
        for region in std::iter::once(&spec.primary.region).chain(&spec.table.replica_regions) {
            self.inner.tables.invalidate(&(region.clone(), spec.table.name.clone()));
        }
        let minutes = spec.objectives.rpo_window();
        let table = &spec.table.name;
        self.inner.replication_metrics.invalidate(&(
            spec.primary.region.clone(),
            table.clone(),
            spec.table.replica_regions.clone(),
            minutes,
        ));
        for replica in &spec.table.replica_regions {
            let key = (replica.clone(), table.clone(), vec![spec.primary.region.clone()], minutes);
            self.inner.replication_metrics.invalidate(&key);
        }
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Makes everything cached `by` older, as if that much time had passed (benchmarks step
    /// through verification cycles with it).
    pub fn age_caches(&self, by: Duration) {
        let i = &self.inner;
        i.zones.age(by);
        i.records.age(by);
        i.health_check_list.age(by);
        i.health_checks.age(by);
        i.health_status.age(by);
        i.tables.age(by);
        i.replication_metrics.age(by);
        i.alarms.age(by);
    }

    #[cfg(any(test, feature = "test-support"))]
    /// `GetMetricData` reads started so far (benchmarks: they grow with tables, not objects).
    pub fn replication_metrics_fetches(&self) -> u64 {
        self.inner.replication_metrics.fetches()
    }

    /// The health check's settings, from the shared account-wide listing; a check the listing
    /// lacks (created after it) is asked for by ID before it is called missing.
    pub async fn cached_health_check(&self, id: &str) -> Result<Option<HealthCheckObserved>, AwsError> {
        self.cached_health_check_within(id, self.inner.default_max_age).await
    }

    async fn cached_health_check_within(
        &self,
        id: &str,
        max_age: Duration,
    ) -> Result<Option<HealthCheckObserved>, AwsError> {
        let list = self.inner.health_check_list.get_within(&(), max_age, || self.list_health_checks()).await?;
        if let Some(hc) = list.get(id) {
            return Ok(Some(hc.clone()));
        }
        self.inner.health_checks.get_within(&id.to_string(), max_age, || self.get_health_check(id)).await
    }

    /// `GetHealthCheckStatus` no older than `max_age`; empty for a missing check.
    pub async fn cached_health_check_status_within(
        &self,
        id: &str,
        max_age: Duration,
    ) -> Result<Arc<Vec<CheckerObservation>>, AwsError> {
        self.inner
            .health_status
            .get_within(&id.to_string(), max_age, || async {
                match self.get_health_check_status(id).await {
                    Ok(v) => Ok(Arc::new(v)),
                    Err(e) if e.is_not_found() => Ok(Arc::new(Vec::new())),
                    Err(e) => Err(e),
                }
            })
            .await
    }

    /// `GetHealthCheck` now, not from the listing. A listing that disagrees with it about
    /// `Inverted` or `Disabled` was made while someone changed the check (another process's
    /// drill): it is dropped, so the next object does not read the same stale settings.
    pub async fn health_check_now(&self, id: &str) -> Result<Option<HealthCheckObserved>, AwsError> {
        let now =
            self.inner.health_checks.get_within(&id.to_string(), Duration::ZERO, || self.get_health_check(id)).await?;
        let listed = self.inner.health_check_list.peek_within(&(), Duration::MAX).and_then(|l| l.get(id).cloned());
        if let (Some(listed), Some(read)) = (&listed, &now)
            && (listed.inverted, listed.disabled) != (read.inverted, read.disabled)
        {
            self.inner.health_check_list.invalidate(&());
        }
        Ok(now)
    }

    /// `GetHostedZone`, shared within the freshness window.
    pub async fn cached_hosted_zone(&self, zone_id: &str) -> Result<Option<ZoneObserved>, AwsError> {
        self.cached_hosted_zone_within(zone_id, self.inner.default_max_age).await
    }

    async fn cached_hosted_zone_within(
        &self,
        zone_id: &str,
        max_age: Duration,
    ) -> Result<Option<ZoneObserved>, AwsError> {
        let zone_id = zone_id_bare(zone_id);
        let read = self.inner.zones.get_within(&zone_id.to_string(), max_age, || self.get_hosted_zone(zone_id)).await;
        if let Ok(Some(zone)) = &read {
            self.inner.last_zones.lock().unwrap_or_else(|p| p.into_inner()).insert(zone_id.to_string(), zone.clone());
        }
        read
    }

    /// The zone as last read successfully, however long ago (its delegation set rarely changes):
    /// what to ask for the authoritative answer while Route 53's control plane does not answer.
    pub fn last_known_zone(&self, zone_id: &str) -> Option<ZoneObserved> {
        self.inner.last_zones.lock().unwrap_or_else(|p| p.into_inner()).get(zone_id_bare(zone_id)).cloned()
    }

    /// `GetHostedZone` now, not from the cache (the cache would answer for a region that is gone).
    pub async fn hosted_zone_now(&self, zone_id: &str) -> Result<Option<ZoneObserved>, AwsError> {
        self.cached_hosted_zone_within(zone_id, Duration::ZERO).await
    }

    /// `DescribeTable` (and its backups) now, not from the cache.
    pub async fn table_now(&self, region: &str, name: &str) -> Result<Option<TableObserved>, AwsError> {
        self.cached_table_within(region, name, Duration::ZERO).await
    }

    /// One object's record sets, from the zone's shared listing. Until this process has listed the
    /// zone once, the first [`NAMED_READS_BEFORE_LISTING`] objects read theirs by name instead,
    /// each only if a Route 53 token is spare right now, and the listing starts after the read (or
    /// instead of it, when the read finds nothing or fails): a
    /// large zone takes a page per 300 records at 4 pages a second, and the first statuses after a
    /// start need not wait for all of them (docs/architecture.md, "The AWS request budget").
    async fn records_named_within(
        &self,
        zone_id: &str,
        name: &str,
        max_age: Duration,
    ) -> Result<Vec<RecordObserved>, AwsError> {
        let zone_id = zone_id_bare(zone_id);
        if self.take_named_read(zone_id) {
            // Nothing found by name is no proof of absence (an endpoint may order names another
            // way, e.g. by case): only the whole listing may report the records missing.
            if let Ok(records) = self.list_records_named(zone_id, name).await
                && !records.is_empty()
            {
                let (aws, zone) = (self.clone(), zone_id.to_string());
                tokio::spawn(async move { aws.cached_zone_records_within(&zone, max_age).await });
                return Ok(records);
            }
        }
        let all = self.cached_zone_records_within(zone_id, max_age).await?;
        Ok(all.iter().filter(|r| r.name == name).cloned().collect())
    }

    /// Whether this object reads its records by name: the zone not yet listed, a read of the few
    /// left, and a Route 53 token spare now (never waited for).
    fn take_named_read(&self, zone_id: &str) -> bool {
        let mut listings = self.inner.first_listings.lock().unwrap_or_else(|p| p.into_inner());
        let first = listings.entry(zone_id.to_string()).or_default();
        let take = !first.listed
            && first.named_reads < NAMED_READS_BEFORE_LISTING
            && self.inner.budget.spare(super::Service::Route53, "ListResourceRecordSets");
        first.named_reads += u32::from(take);
        take
    }

    async fn cached_zone_records_within(
        &self,
        zone_id: &str,
        max_age: Duration,
    ) -> Result<Arc<Vec<RecordObserved>>, AwsError> {
        let zone_id = zone_id_bare(zone_id);
        self.inner
            .records
            .get_within(&zone_id.to_string(), max_age, || async {
                match self.list_records(zone_id).await {
                    Ok(v) => {
                        let mut listings = self.inner.first_listings.lock().unwrap_or_else(|p| p.into_inner());
                        listings.entry(zone_id.to_string()).or_default().listed = true;
                        Ok(Arc::new(v))
                    }
                    Err(e) if e.is_not_found() => Ok(Arc::new(Vec::new())),
                    Err(e) => Err(e),
                }
            })
            .await
    }

    async fn cached_table_within(
        &self,
        region: &str,
        name: &str,
        max_age: Duration,
    ) -> Result<Option<TableObserved>, AwsError> {
        self.inner
            .tables
            .get_within(&(region.to_string(), name.to_string()), max_age, || self.describe_table(region, name))
            .await
    }

    /// Drops everything cached about a zone (e.g. before a drill measures it).
    pub fn invalidate_zone(&self, zone_id: &str) {
        let zone_id = zone_id_bare(zone_id).to_string();
        self.inner.records.invalidate(&zone_id);
        self.inner.zones.invalidate(&zone_id);
    }
}

/// How old a shared read one object accepts: its own verify interval.
pub fn freshness(spec: &RegionalFailoverSpec) -> Duration {
    Duration::from_secs(u64::from(spec.verify_interval_seconds.max(1)))
}
