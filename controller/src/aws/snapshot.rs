//! Assembling one object's [`AwsSnapshot`] from the per-cycle caches, so N objects in one zone
//! cost one zone read and one record listing, not N.

use std::sync::Arc;

use futures::future::try_join_all;

use super::{
    AwsError,
    client::Aws,
    route53::{normalize_name, zone_id_bare},
};
use crate::{
    api::RegionalFailoverSpec,
    verify::{AwsSnapshot, CheckerObservation, HealthCheckObserved, RecordObserved, TableObserved, ZoneObserved},
};

impl Aws {
    /// Everything verification needs for one object. Health checker status (the most tightly
    /// limited call) is read only when `read_health_status` is set.
    pub async fn snapshot(
        &self,
        spec: &RegionalFailoverSpec,
        read_health_status: bool,
    ) -> Result<AwsSnapshot, AwsError> {
        let zone_id = zone_id_bare(&spec.dns.hosted_zone_id);
        let hc_id = spec.health_check.id.as_str();
        let table = spec.table.name.as_str();
        let status = async {
            if read_health_status { self.cached_health_check_status(hc_id).await } else { Ok(Arc::new(Vec::new())) }
        };
        let replicas =
            try_join_all(spec.table.replica_regions.iter().map(|region| async move {
                Ok::<_, AwsError>((region.clone(), self.cached_table(region, table).await?))
            }));
        let (health_check, checker_observations, zone, records, primary_table, replica_tables) = tokio::try_join!(
            self.cached_health_check(hc_id),
            status,
            self.cached_hosted_zone(zone_id),
            self.cached_zone_records(zone_id),
            self.cached_table(&spec.primary.region, table),
            replicas,
        )?;
        let name = normalize_name(&spec.dns.record_name);
        Ok(AwsSnapshot {
            health_check,
            checker_observations: checker_observations.as_ref().clone(),
            records: records.iter().filter(|r| r.name == name).cloned().collect(),
            zone,
            primary_table,
            replica_tables,
        })
    }

    /// `GetHealthCheck`, shared within the freshness window.
    pub async fn cached_health_check(&self, id: &str) -> Result<Option<HealthCheckObserved>, AwsError> {
        self.inner.health_checks.get(&id.to_string(), || self.get_health_check(id)).await
    }

    /// `GetHealthCheckStatus`, shared within the freshness window; empty for a missing check.
    pub async fn cached_health_check_status(&self, id: &str) -> Result<Arc<Vec<CheckerObservation>>, AwsError> {
        self.inner
            .health_status
            .get(&id.to_string(), || async {
                match self.get_health_check_status(id).await {
                    Ok(v) => Ok(Arc::new(v)),
                    Err(e) if e.is_not_found() => Ok(Arc::new(Vec::new())),
                    Err(e) => Err(e),
                }
            })
            .await
    }

    /// `GetHostedZone`, shared within the freshness window.
    pub async fn cached_hosted_zone(&self, zone_id: &str) -> Result<Option<ZoneObserved>, AwsError> {
        let zone_id = zone_id_bare(zone_id);
        self.inner.zones.get(&zone_id.to_string(), || self.get_hosted_zone(zone_id)).await
    }

    /// All records of a zone, listed once per freshness window however many objects ask
    /// (concurrent askers join the listing in flight). Empty for a missing zone.
    pub async fn cached_zone_records(&self, zone_id: &str) -> Result<Arc<Vec<RecordObserved>>, AwsError> {
        let zone_id = zone_id_bare(zone_id);
        self.inner
            .records
            .get(&zone_id.to_string(), || async {
                match self.list_records(zone_id).await {
                    Ok(v) => Ok(Arc::new(v)),
                    Err(e) if e.is_not_found() => Ok(Arc::new(Vec::new())),
                    Err(e) => Err(e),
                }
            })
            .await
    }

    /// `describe_table`, shared within the freshness window.
    pub async fn cached_table(&self, region: &str, name: &str) -> Result<Option<TableObserved>, AwsError> {
        self.inner.tables.get(&(region.to_string(), name.to_string()), || self.describe_table(region, name)).await
    }

    /// Drops everything cached about a zone (e.g. before a drill measures it).
    pub fn invalidate_zone(&self, zone_id: &str) {
        let zone_id = zone_id_bare(zone_id).to_string();
        self.inner.records.invalidate(&zone_id);
        self.inner.zones.invalidate(&zone_id);
    }
}
