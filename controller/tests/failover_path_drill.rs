//! `regional-failover drill` on the failover path of issue 19, against local AWS: a drill of a
//! CALCULATED check (inverting the parent; evidence from its children and the operator's probes)
//! measures the RTO that local AWS's own DNS flip shows, and a drill is refused, changing nothing,
//! while the SECONDARY record's health check is unhealthy.

mod drill_ground;
mod support;

use std::{process::Command, time::Duration};

use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, ResourceRecordSet, RrType,
};
use drill_ground::{Ground, config, epoch, flip_at, ground};
use serde_json::Value;
use support::localaws::eventually;

/// The checks these tests drill are created outside Terraform, so the operator role Terraform made
/// (scoped to its own check) may not change them: these drills run with the account's root key.
fn drill(g: &Ground) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regional-failover"))
        .args(["drill", "-f"])
        .arg(&g.manifest)
        .args(["--drill", "smoke", "--output", "json", "--failsafe-role-arn", &g.role])
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "info")
        .output()
        .expect("drill runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn create(r53: &aws_sdk_route53::Client, reference: &str, config: HealthCheckConfig) -> String {
    let out = r53.create_health_check().caller_reference(reference).health_check_config(config).send().await;
    out.expect("CreateHealthCheck").health_check().expect("check").id().to_string()
}

fn http(ip: &str, port: u16) -> HealthCheckConfig {
    HealthCheckConfig::builder()
        .r#type(HealthCheckType::Http)
        .ip_address(ip)
        .port(i32::from(port))
        .resource_path("/health")
        .request_interval(10)
        .failure_threshold(1)
        .build()
        .expect("config")
}

/// The failover record of `set_id` with `health_check` (`None`: without one).
async fn set_check(r53: &aws_sdk_route53::Client, zone: &str, set_id: &str, health_check: Option<&str>) {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list");
    let mut record: ResourceRecordSet = out
        .resource_record_sets()
        .iter()
        .find(|r| r.set_identifier() == Some(set_id) && *r.r#type() == RrType::A)
        .cloned()
        .expect("record");
    record.health_check_id = health_check.map(str::to_string);
    let change = Change::builder().action(ChangeAction::Upsert).resource_record_set(record).build().expect("change");
    let batch = ChangeBatch::builder().changes(change).build().expect("batch");
    r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await.expect("UPSERT");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_of_a_calculated_check_measures_rto() {
    let g = ground("drill-calculated.test", "").await;
    let r53 = g.local.route53().await;
    let pid = std::process::id();
    let a = create(&r53, &format!("child-a-{pid}"), http("127.0.0.1", g.port)).await;
    let b = create(&r53, &format!("child-b-{pid}"), http("127.0.0.1", g.port)).await;
    let parent_config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Calculated)
        .child_health_checks(&a)
        .child_health_checks(&b)
        .health_threshold(1)
        .build()
        .expect("config");
    let parent = create(&r53, &format!("parent-{pid}"), parent_config).await;
    set_check(&r53, &g.zone, "primary", Some(&parent)).await;
    let yaml = std::fs::read_to_string(&g.manifest).expect("manifest");
    let old = format!("healthCheck: {{ id: {}, type: HTTP, port: {}, resourcePath: /health }}", g.hc, g.port);
    assert!(yaml.contains(&old), "{yaml}");
    let new = format!(
        "healthCheck: {{ id: {parent}, type: CALCULATED, childHealthChecks: [{a}, {b}], healthThreshold: 1, \
         probeType: HTTP, port: {}, resourcePath: /health }}",
        g.port
    );
    std::fs::write(&g.manifest, yaml.replace(&old, &new)).expect("manifest written");
    let before = config(&r53, &parent).await;

    let (code, rec, err) = drill(&g);
    assert_eq!(code, 0, "{rec:#} {err}");
    assert_eq!(rec["phase"], "Succeeded", "{rec:#}");
    assert_eq!(rec["failsafeSchedule"], format!("regionalfailover-{parent}"), "the parent is what is drilled");
    let injected = epoch(&rec["injectedAt"]);
    let flipped = flip_at(&g.local, &g.record, "127.0.0.2", injected).expect("local AWS flipped DNS");
    let measured = rec["measuredRtoSeconds"].as_f64().expect("measured RTO");
    assert!((measured - (flipped - injected)).abs() <= 1.0, "measured {measured} vs local AWS {}", flipped - injected);
    assert_eq!(config(&r53, &parent).await, before, "the parent check exactly as it began");
    for child in [&a, &b] {
        let inverted = config(&r53, child).await.inverted();
        assert_ne!(inverted, Some(true), "children are never touched");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_is_refused_while_the_secondary_check_is_unhealthy() {
    let g = ground("drill-secondary.test", "").await;
    let r53 = g.local.route53().await;
    // Nothing listens on 127.0.0.3: the SECONDARY's own check goes unhealthy after one probe.
    let dead = create(&r53, &format!("standby-{}", std::process::id()), http("127.0.0.3", g.port)).await;
    eventually("the standby's check unhealthy", Duration::from_secs(30), || {
        let v = g.local.control("GET", &format!("/healthchecks/{dead}"), None);
        async move { (v["healthy"] == false).then_some(()) }
    })
    .await;
    set_check(&r53, &g.zone, "secondary", Some(&dead)).await;
    let before = config(&r53, &g.hc).await;
    let (code, rec, err) = drill(&g);
    assert_eq!(code, 1, "refused: {rec:#} {err}");
    assert_eq!(
        (rec["phase"].as_str(), rec["reason"].as_str()),
        (Some("Failed"), Some("SecondaryHealthCheckUnhealthy")),
        "{rec:#}"
    );
    assert!(rec["injectedAt"].is_null() && rec["failsafeSchedule"].is_null(), "nothing changed: {rec:#}");
    assert!(rec["message"].as_str().is_some_and(|m| m.contains(&dead)), "names the check: {rec:#}");
    assert_eq!(config(&r53, &g.hc).await, before);

    // With the standby's check healthy again, the same drill runs.
    set_check(&r53, &g.zone, "secondary", None).await;
    let (code, rec, err) = drill(&g);
    assert_eq!(code, 0, "{rec:#} {err}");
    assert_eq!(rec["phase"], "Succeeded", "{rec:#}");
}
