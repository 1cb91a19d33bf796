//! Shared ground for the drill end-to-end tests: the Terraform baseline (`terraform/examples/local`)
//! applied to local AWS with IAM enforced (time-scaled, with a 3 s health-check propagation like
//! AWS's), the operator role Terraform created (assumed by web identity, as IRSA does), the
//! manifest, and readings of local AWS's own ground truth (DNS flip times).
#![allow(dead_code)]

use std::path::PathBuf;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, HealthCheckConfig};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{
    baseline,
    endpoint::{ApiEndpoint, free_port_on_both},
    iam::RoleEnv,
    localaws::LocalAws,
};

/// The fail-safe schedule group Terraform creates.
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
    /// The fail-safe execution role Terraform created (EventBridge Scheduler assumes it).
    pub role: String,
    /// The operator role Terraform created, assumed by web identity.
    pub operator: RoleEnv,
    pub _dir: tempfile::TempDir,
}

pub async fn ground(zone_name: &str, extra_spec: &str) -> Ground {
    let local = LocalAws::start(&["--time-scale", "0.1", "--iam", "enforce"]);
    let port = free_port_on_both();
    let primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let dir = tempfile::tempdir().expect("tmp");
    let (endpoint, dns_port, dir_path) = (local.endpoint.clone(), local.dns.port(), dir.path().to_path_buf());
    let zone_var = zone_name.to_string();
    let base = tokio::task::spawn_blocking(move || {
        baseline::apply_with(&endpoint, dns_port, port, &dir_path, &[("zone_name", zone_var.as_str())])
    })
    .await
    .expect("terraform apply ran");
    local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 3})));
    let out = &base.outputs;
    let zone = out["hosted_zone_id"].as_str().expect("zone output").trim_start_matches("/hostedzone/").to_string();
    let hc = out["health_check_id"].as_str().expect("health check output").to_string();
    let role = out["drill_failsafe"]["execution_role_arn"].as_str().expect("fail-safe role output").to_string();
    let operator = RoleEnv::operator(&local, out);
    let r53 = local.route53().await;
    zero_ttl(&r53, &zone, zone_name).await;
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
        role,
        operator,
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

/// Waits until local AWS has applied every change of the check (its `Inverted` propagation included)
/// and routes to the primary again: a drill that aborted before DNS flipped can leave an injection
/// that takes effect after it ended, which the next drill's preflight would rightly refuse.
pub async fn settled(local: &LocalAws, hc: &str) {
    let path = format!("/healthchecks/{hc}/changes");
    let status = format!("/healthchecks/{hc}");
    crate::support::localaws::eventually(
        "local AWS settled on the primary",
        std::time::Duration::from_secs(30),
        || {
            let changes = local.control("GET", &path, None);
            let now = local.control("GET", &status, None);
            async move {
                let epoch = Utc::now().timestamp_millis() as f64 / 1000.0;
                let last_change = changes["changes"].as_array()?.last()?["atEpoch"].as_f64()?;
                let effective = changes["effective"].as_array()?.last()?["inverted"].as_bool()?;
                (!effective && now["healthy"] == true && epoch - last_change > 3.5).then_some(())
            }
        },
    )
    .await;
}
