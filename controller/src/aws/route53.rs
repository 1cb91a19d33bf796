//! Route 53: health checks, hosted zones, record sets.

use aws_sdk_route53::types::{
    DelegationSet, HealthCheck, HealthCheckObservation, HostedZone, ResourceRecordSet, ResourceRecordSetFailover,
    RrType,
};

use std::{collections::HashMap, sync::Arc};

use super::{
    AwsError, ErrorKind, HealthCheckList,
    budget::Service,
    client::{Aws, found, to_chrono},
};
use crate::verify::{AlarmRef, CheckerObservation, FailoverRole, HealthCheckObserved, RecordObserved, ZoneObserved};

/// A malformed endpoint could otherwise page forever.
const MAX_RECORD_PAGES: usize = 1000;

/// Health checks per `ListHealthChecks` page: the most Route 53's API reference allows (older
/// versions of it said 100; a server that sends fewer is paged on by its `NextMarker`). At
/// Route 53's 5 requests/s, 1,000 checks cost one call instead of ten, which is most of the wait
/// for an operator's first status (docs/architecture.md, "The AWS request budget").
const HEALTH_CHECK_PAGE_SIZE: i32 = 1000;

/// Record sets per page when reading one name's: a failover pair per record type, with room for
/// a few types, and small enough that the page costs the endpoint little.
const NAMED_RECORDS_PAGE: i32 = 20;

impl Aws {
    /// `GetHealthCheck`; `None` when the health check does not exist.
    pub async fn get_health_check(&self, id: &str) -> Result<Option<HealthCheckObserved>, AwsError> {
        let client = &self.inner.route53;
        let out = found(
            self.call(Service::Route53, "GetHealthCheck", None, || {
                client.get_health_check().health_check_id(id).send()
            })
            .await,
        )?;
        Ok(out.and_then(|o| o.health_check().map(health_check_observed)))
    }

    /// Every health check of the account (`ListHealthChecks`, 1,000 per page): one listing serves
    /// every object, where `GetHealthCheck` would cost one call per object.
    pub async fn list_health_checks(&self) -> Result<HealthCheckList, AwsError> {
        let client = &self.inner.route53;
        let mut checks = HashMap::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_RECORD_PAGES {
            let page = self
                .call(Service::Route53, "ListHealthChecks", None, || {
                    client.list_health_checks().max_items(HEALTH_CHECK_PAGE_SIZE).set_marker(marker.clone()).send()
                })
                .await?;
            for hc in page.health_checks() {
                checks.insert(hc.id().to_string(), health_check_observed(hc));
            }
            match page.next_marker().filter(|_| page.is_truncated()) {
                Some(next) if marker.as_deref() != Some(next) => marker = Some(next.to_string()),
                Some(_) => break,
                None => return Ok(Arc::new(checks)),
            }
        }
        Err(self
            .site(Service::Route53, "ListHealthChecks", None)
            .error(ErrorKind::Other, "the endpoint's pagination did not advance".to_string()))
    }

    /// `GetHealthCheckStatus`: one observation per checker region.
    pub async fn get_health_check_status(&self, id: &str) -> Result<Vec<CheckerObservation>, AwsError> {
        let client = &self.inner.route53;
        let out = self
            .call(Service::Route53, "GetHealthCheckStatus", None, || {
                client.get_health_check_status().health_check_id(id).send()
            })
            .await?;
        Ok(out.health_check_observations().iter().map(checker_observation).collect())
    }

    /// `GetHostedZone`; `None` when the zone does not exist.
    pub async fn get_hosted_zone(&self, zone_id: &str) -> Result<Option<ZoneObserved>, AwsError> {
        let client = &self.inner.route53;
        let out = found(
            self.call(Service::Route53, "GetHostedZone", None, || client.get_hosted_zone().id(zone_id).send()).await,
        )?;
        Ok(out.and_then(|o| o.hosted_zone().map(|z| zone_observed(z, o.delegation_set()))))
    }

    /// Every record set of the zone (all pages; each page is one budgeted call).
    pub async fn list_records(&self, zone_id: &str) -> Result<Vec<RecordObserved>, AwsError> {
        self.record_pages(zone_id, None, None).await
    }

    /// The record sets named `name` (as [`normalize_name`] gives it): one page of
    /// `NAMED_RECORDS_PAGE` that starts at the name (Route 53 sorts by name, so a name's records
    /// are adjacent), and the next only while a page ends inside the name.
    pub async fn list_records_named(&self, zone_id: &str, name: &str) -> Result<Vec<RecordObserved>, AwsError> {
        let mut records = self.record_pages(zone_id, Some(name), Some(NAMED_RECORDS_PAGE)).await?;
        records.retain(|r| r.name == name);
        Ok(records)
    }

    /// Pages of `ListResourceRecordSets` from the zone's start, or from `named` on and only while
    /// the pages hold that name.
    async fn record_pages(
        &self,
        zone_id: &str,
        named: Option<&str>,
        page_size: Option<i32>,
    ) -> Result<Vec<RecordObserved>, AwsError> {
        let client = &self.inner.route53;
        let mut records = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut start: Option<(String, Option<RrType>, Option<String>)> = named.map(|n| (n.to_string(), None, None));
        for _ in 0..MAX_RECORD_PAGES {
            let page = self
                .call(Service::Route53, "ListResourceRecordSets", None, || {
                    let mut req = client.list_resource_record_sets().hosted_zone_id(zone_id).set_max_items(page_size);
                    if let Some((name, kind, ident)) = &start {
                        req = req
                            .start_record_name(name.clone())
                            .set_start_record_type(kind.clone())
                            .set_start_record_identifier(ident.clone());
                    }
                    req.send()
                })
                .await?;
            for record in page.resource_record_sets().iter().map(record_observed) {
                // (name, type, set identifier) is unique in a zone; an endpoint that cannot resume at
                // an identifier repeats the records before it on the next page.
                if seen.insert((record.name.clone(), record.kind.clone(), record.set_identifier.clone())) {
                    records.push(record);
                }
            }
            let past_name = named.is_some_and(|n| page.next_record_name().is_none_or(|next| normalize_name(next) != n));
            if !page.is_truncated() || past_name {
                return Ok(records);
            }
            let next = match (page.next_record_name(), page.next_record_type()) {
                (Some(name), Some(kind)) => {
                    (name.to_string(), Some(kind.clone()), page.next_record_identifier().map(str::to_string))
                }
                _ => break,
            };
            if start.as_ref() == Some(&next) {
                break;
            }
            start = Some(next);
        }
        Err(self
            .site(Service::Route53, "ListResourceRecordSets", None)
            .error(ErrorKind::Other, format!("zone {zone_id}: the endpoint's pagination did not advance")))
    }

    /// Sets only `Inverted` (drills change nothing else), conditional on `version` when given:
    /// Route 53 then refuses with `HealthCheckVersionMismatch` (kind `Conflict`) if anyone changed
    /// the check since it was read. Returns the new `HealthCheckVersion`.
    pub async fn update_health_check_inverted(
        &self,
        id: &str,
        inverted: bool,
        version: Option<i64>,
    ) -> Result<Option<i64>, AwsError> {
        let client = &self.inner.route53;
        let out = self
            .call(Service::Route53, "UpdateHealthCheck", None, || {
                client
                    .update_health_check()
                    .health_check_id(id)
                    .inverted(inverted)
                    .set_health_check_version(version)
                    .send()
            })
            .await;
        self.inner.health_checks.invalidate(&id.to_string());
        self.inner.health_status.invalidate(&id.to_string());
        self.inner.health_check_list.invalidate(&());
        Ok(out?.health_check().map(|hc| hc.health_check_version()))
    }
}

/// `/hostedzone/Z123` → `Z123`.
pub(super) fn zone_id_bare(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// DNS names as the snapshot holds them: lower case, no trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Record values: names (CNAME, alias, NS, ...) normalized; addresses and text untouched.
fn normalize_value(kind: &str, value: &str) -> String {
    match kind {
        "A" | "AAAA" | "TXT" | "SPF" | "CAA" => value.to_string(),
        _ => normalize_name(value),
    }
}

pub(super) fn health_check_observed(hc: &HealthCheck) -> HealthCheckObserved {
    let c = hc.health_check_config();
    HealthCheckObserved {
        id: hc.id().to_string(),
        kind: c.map(|c| c.r#type().as_str().to_string()).unwrap_or_default(),
        fqdn: c.and_then(|c| c.fully_qualified_domain_name()).map(normalize_name),
        ip_address: c.and_then(|c| c.ip_address()).map(str::to_string),
        port: c.and_then(|c| c.port()).and_then(|p| u32::try_from(p).ok()),
        resource_path: c.and_then(|c| c.resource_path()).map(str::to_string),
        request_interval: c.and_then(|c| c.request_interval()).and_then(|p| u32::try_from(p).ok()),
        failure_threshold: c.and_then(|c| c.failure_threshold()).and_then(|p| u32::try_from(p).ok()),
        inverted: c.and_then(|c| c.inverted()).unwrap_or(false),
        disabled: c.and_then(|c| c.disabled()).unwrap_or(false),
        version: Some(hc.health_check_version()),
        regions: c.map(|c| c.regions().iter().map(|r| r.as_str().to_string()).collect()).unwrap_or_default(),
        child_health_checks: c.map(|c| c.child_health_checks().to_vec()).unwrap_or_default(),
        health_threshold: c.and_then(|c| c.health_threshold()).and_then(|t| u32::try_from(t).ok()),
        alarm: c
            .and_then(|c| c.alarm_identifier())
            .map(|a| AlarmRef { region: a.region().as_str().to_string(), name: a.name().to_string() }),
        insufficient_data_health_status: c
            .and_then(|c| c.insufficient_data_health_status())
            .map(|s| s.as_str().to_string()),
    }
}

fn checker_observation(o: &HealthCheckObservation) -> CheckerObservation {
    let report = o.status_report();
    CheckerObservation {
        region: o.region().map(|r| r.as_str().to_string()).unwrap_or_default(),
        status: report.and_then(|r| r.status()).unwrap_or_default().to_string(),
        checked_at: report.and_then(|r| r.checked_time()).and_then(to_chrono),
    }
}

fn zone_observed(zone: &HostedZone, delegation: Option<&DelegationSet>) -> ZoneObserved {
    ZoneObserved {
        id: zone_id_bare(zone.id()).to_string(),
        name: normalize_name(zone.name()),
        name_servers: delegation
            .map(|d| d.name_servers().iter().map(|n| normalize_name(n)).collect())
            .unwrap_or_default(),
    }
}

pub(super) fn record_observed(r: &ResourceRecordSet) -> RecordObserved {
    let kind = r.r#type().as_str().to_string();
    let alias = r.alias_target();
    let values = match alias {
        Some(a) => vec![normalize_name(a.dns_name())],
        None => r.resource_records().iter().map(|v| normalize_value(&kind, v.value())).collect(),
    };
    RecordObserved {
        name: normalize_name(r.name()),
        set_identifier: r.set_identifier().map(str::to_string),
        failover: r.failover().and_then(|f| match f {
            ResourceRecordSetFailover::Primary => Some(FailoverRole::Primary),
            ResourceRecordSetFailover::Secondary => Some(FailoverRole::Secondary),
            _ => None,
        }),
        health_check_id: r.health_check_id().map(str::to_string),
        ttl: r.ttl().and_then(|t| u32::try_from(t).ok()),
        values,
        alias: alias.is_some(),
        evaluate_target_health: alias.is_some_and(|a| a.evaluate_target_health()),
        alias_zone: alias.map(|a| zone_id_bare(a.hosted_zone_id()).to_string()),
        kind,
    }
}

#[cfg(test)]
mod tests;
