//! Shared ground for the drill end-to-end tests: a loopback baseline in local AWS (time-scaled,
//! with a 3 s health-check propagation like AWS's), its manifest, and readings of local AWS's own
//! ground truth (DNS flip times).
#![allow(dead_code)]

use std::path::PathBuf;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, HealthCheckConfig};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{
    aws_fixtures as fx,
    endpoint::{ApiEndpoint, free_port_on_both},
    localaws::LocalAws,
};

pub const ROLE: &str = "arn:aws:iam::123456789012:role/regionalfailover-drill-failsafe";
pub const GROUP: &str = "regional-failover-drills";

pub fn epoch(v: &Value) -> f64 {
    let t: DateTime<Utc> = v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("timestamp: {v}"));
    t.timestamp_millis() as f64 / 1000.0
}

/// Local AWS's own time of the first DNS flip to `value` at or after `since`.
pub fn flip_at(local: &LocalAws, name: &str, value: &str, since: f64) -> Option<f64> {
    let history = local.control("GET", &format!("/dns/history?name={name}&type=A&since={}", since.floor()), None);
    history["history"].as_array()?.iter().find_map(|h| {
        let at = h["atEpoch"].as_f64()?;
        let hit = h["values"].as_array()?.iter().any(|v| v.as_str().is_some_and(|s| s.trim_end_matches('.') == value));
        (at >= since && hit).then_some(at)
    })
}

pub async fn config(r53: &aws_sdk_route53::Client, hc: &str) -> HealthCheckConfig {
    let out = r53.get_health_check().health_check_id(hc).send().await.expect("GetHealthCheck");
    out.health_check().expect("health check").health_check_config().expect("config").clone()
}

/// A loopback baseline, both endpoints serving, a 3 s (scaled) propagation like AWS's, and the
/// manifest with one drill `smoke`.
pub struct Ground {
    pub local: LocalAws,
    pub primary: ApiEndpoint,
    pub secondary: ApiEndpoint,
    pub zone: String,
    pub zone_name: String,
    pub port: u16,
    pub hc: String,
    pub record: String,
    pub manifest: PathBuf,
    pub _dir: tempfile::TempDir,
}

pub async fn ground(zone_name: &str, extra_spec: &str) -> Ground {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 3})));
    let port = free_port_on_both();
    let primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, zone_name, port).await;
    let scheduler = aws_sdk_scheduler::Client::new(&local.sdk_config("us-east-1").await);
    scheduler.create_schedule_group().name(GROUP).send().await.expect("schedule group");
    zero_ttl(&r53, &zone, zone_name).await;
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    std::fs::write(
        &manifest,
        manifest_yaml("drilled", "default", &zone, zone_name, &hc, port, &local, 120, extra_spec),
    )
    .expect("manifest written");
    Ground {
        local,
        primary,
        secondary,
        zone,
        zone_name: zone_name.to_string(),
        port,
        hc,
        record: format!("api.{zone_name}"),
        manifest,
        _dir: dir,
    }
}

/// TTL 0 so that `maxTtlSeconds: 0` is in sync and the CRD's shortest drill timeout (60 s) is valid.
pub async fn zero_ttl(r53: &aws_sdk_route53::Client, zone: &str, zone_name: &str) {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list");
    let name = format!("api.{zone_name}.");
    let changes: Vec<Change> = out
        .resource_record_sets()
        .iter()
        .filter(|r| r.name() == name && r.set_identifier().is_some())
        .map(|r| {
            let mut r = r.clone();
            r.ttl = Some(0);
            Change::builder().action(ChangeAction::Upsert).resource_record_set(r).build().expect("change")
        })
        .collect();
    assert_eq!(changes.len(), 2, "both failover records");
    let batch = ChangeBatch::builder().set_changes(Some(changes)).build().expect("batch");
    r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await.expect("TTL 0");
}

#[allow(clippy::too_many_arguments)]
pub fn manifest_yaml(
    name: &str,
    namespace: &str,
    zone: &str,
    zone_name: &str,
    hc: &str,
    port: u16,
    local: &LocalAws,
    timeout: u32,
    extra_spec: &str,
) -> String {
    format!(
        "apiVersion: regionalfailover.io/v1alpha1\nkind: RegionalFailover\nmetadata: {{ name: {name}, namespace: {namespace} }}\n\
         spec:\n  primary: {{ region: us-east-1, endpoint: 127.0.0.1 }}\n  secondary: {{ region: us-west-2, endpoint: 127.0.0.2 }}\n\
         \x20 dns: {{ hostedZoneId: {zone}, recordName: api.{zone_name}, recordType: A, maxTtlSeconds: 0, nameservers: [\"{dns}\"] }}\n\
         \x20 healthCheck: {{ id: {hc}, type: HTTP, port: {port}, resourcePath: /health }}\n\
         \x20 table: {{ name: profiles, replicaRegions: [us-west-2] }}\n  verifyIntervalSeconds: 10\n\
         \x20 objectives: {{ rtoSeconds: 90 }}\n  drills: [{{ name: smoke, timeoutSeconds: {timeout} }}]\n{extra_spec}",
        dns = local.dns
    )
}

/// (measured RTO, local AWS's own flip time − injectedAt) of a drill record in JSON.
pub fn rto_error(local: &LocalAws, record_name: &str, rec: &Value) -> Option<(f64, f64)> {
    let injected = epoch(&rec["injectedAt"]);
    let flipped = flip_at(local, record_name, "127.0.0.2", injected)?;
    Some((rec["measuredRtoSeconds"].as_f64()?, flipped - injected))
}
