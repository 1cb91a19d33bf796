//! The `check` CLI run on a manifest and the Route 53 changes the failover-path tests make.

use super::*;

pub(crate) use crate::support::cli::{check, codes};

/// Runs `check` and asserts `code` is (or is not) among the findings.
#[track_caller]
pub(crate) fn expect(manifest: &Path, local: &LocalAws, code: &str, present: bool) -> Value {
    let (exit, json, err) = check(manifest, &local.endpoint);
    assert_eq!(codes(&json).contains(&code.to_string()), present, "{code} present={present}: {:?} {err}", codes(&json));
    if !present && codes(&json).is_empty() {
        assert_eq!(exit, 0, "in sync again: {json:#} {err}");
    }
    if present {
        assert_eq!(exit, 1, "drift exits 1: {err}");
    }
    json
}

pub(crate) async fn record(r53: &aws_sdk_route53::Client, zone: &str, set_id: &str, kind: RrType) -> ResourceRecordSet {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list");
    out.resource_record_sets()
        .iter()
        .find(|r| r.set_identifier() == Some(set_id) && *r.r#type() == kind)
        .cloned()
        .expect("record exists")
}

pub(crate) async fn change(r53: &aws_sdk_route53::Client, zone: &str, changes: Vec<(ChangeAction, ResourceRecordSet)>) {
    let changes = changes
        .into_iter()
        .map(|(a, r)| Change::builder().action(a).resource_record_set(r).build().expect("change"))
        .collect();
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().set_changes(Some(changes)).build().expect("batch"))
        .send()
        .await
        .expect("ChangeResourceRecordSets");
}

pub(crate) async fn http_check(
    r53: &aws_sdk_route53::Client,
    ip: &str,
    port: u16,
    interval: i32,
    threshold: i32,
) -> String {
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Http)
        .ip_address(ip)
        .port(i32::from(port))
        .resource_path("/health")
        .request_interval(interval)
        .failure_threshold(threshold)
        .build()
        .expect("config");
    let reference = format!("rf-{ip}-{port}-{interval}-{threshold}-{}", std::process::id());
    let out = r53.create_health_check().caller_reference(reference).health_check_config(config).send().await;
    out.expect("CreateHealthCheck").health_check().expect("check").id().to_string()
}

pub(crate) fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("manifest written");
}

pub(crate) fn healthy(local: &LocalAws, id: &str) -> Option<bool> {
    local.control("GET", &format!("/healthchecks/{id}"), None)["healthy"].as_bool()
}
