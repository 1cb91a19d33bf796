//! A drill never makes an outage worse: `regional-failover drill` against local AWS with the
//! failures the drill-safety issue names. Each test asserts on local AWS's own record of the
//! health check (its `HealthCheckVersion` moves on every change), not only on the drill's report.

mod drill_ground;
mod support;

use std::{path::Path, process::Stdio, time::Duration};

use drill_ground::{Ground, ground};
use serde_json::{Value, json};
use support::{fake_dns::FakeDns, localaws::eventually};
use tokio::process::Command;

/// Runs `drill --output json` with the fail-safe role; returns (exit code, record, stderr).
async fn drill(g: &Ground, manifest: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = command(g, manifest, extra).output().await.expect("drill runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn command(g: &Ground, manifest: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.args(["drill", "-f"])
        .arg(manifest)
        .args(["--drill", "smoke", "--output", "json", "--failsafe-role-arn", &g.role])
        .args(extra)
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    g.operator.apply_tokio(&mut cmd);
    cmd
}

/// The health check as local AWS holds it: (Inverted, HealthCheckVersion).
async fn check(g: &Ground) -> (bool, i64) {
    let r53 = g.local.route53().await;
    let out = r53.get_health_check().health_check_id(&g.hc).send().await.expect("GetHealthCheck");
    let hc = out.health_check().expect("health check");
    (hc.health_check_config().and_then(|c| c.inverted()).unwrap_or(false), hc.health_check_version())
}

async fn wait_health(g: &Ground, healthy: bool) {
    let path = format!("/healthchecks/{}", g.hc);
    eventually("local AWS's verdict", Duration::from_secs(30), || {
        let v = g.local.control("GET", &path, None);
        async move { (v["healthy"] == healthy).then_some(()) }
    })
    .await;
}

/// The issue's own scenario: the primary is down (DNS already answers with the secondary) and
/// Route 53 answers GetHealthCheckStatus with Throttling. The drill must refuse and never touch
/// the check.
#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_outage_is_refused_and_the_check_is_never_inverted() {
    let mut g = ground("safety-outage.test", "").await;
    g.primary.stop();
    wait_health(&g, false).await;
    let before = check(&g).await;
    g.local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus", "kind": "throttle"})),
    );
    let (code, rec, err) = drill(&g, &g.manifest, &[]).await;
    assert_eq!(code, 1, "refused, not an error: {rec:#} {err}");
    assert_eq!(rec["phase"], "Failed", "{rec:#}");
    let reason = rec["reason"].as_str().unwrap_or_default();
    assert!(["PreflightUnreadable", "PrimaryUnhealthy"].contains(&reason), "a preflight reason: {rec:#}");
    assert!(rec["injectedAt"].is_null(), "{rec:#}");
    assert_eq!(check(&g).await, before, "no UpdateHealthCheck reached local AWS (the version did not move)");
}

/// An AWS read that fails in preflight is missing evidence, not drift.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_table_refuses_as_unreadable_not_as_drift() {
    let g = ground("safety-unreadable.test", "").await;
    let before = check(&g).await;
    g.local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "dynamodb", "operation": "DescribeTable", "kind": "error"})),
    );
    let (code, rec, err) = drill(&g, &g.manifest, &[]).await;
    assert_eq!(code, 1, "{rec:#} {err}");
    assert_eq!(rec["reason"], "PreflightUnreadable", "{rec:#}");
    assert!(rec["message"].as_str().is_some_and(|m| m.contains("DescribeTable")), "names the input: {rec:#}");
    assert_eq!(check(&g).await, before);
}

/// DNS says the primary is gone while the checkers say it is fine: evidence that disagrees is
/// not evidence.
#[tokio::test(flavor = "multi_thread")]
async fn dns_and_checkers_that_disagree_refuse() {
    let g = ground("safety-contradiction.test", "").await;
    wait_health(&g, true).await;
    let fake = FakeDns::start("127.0.0.2").await;
    let yaml = std::fs::read_to_string(&g.manifest)
        .expect("manifest")
        .replace(&g.local.dns.to_string(), &fake.addr.to_string());
    let lying = g.manifest.with_file_name("contradiction.yaml");
    std::fs::write(&lying, yaml).expect("manifest written");
    let before = check(&g).await;
    let (code, rec, err) = drill(&g, &lying, &[]).await;
    assert_eq!(code, 1, "{rec:#} {err}");
    assert_eq!(rec["reason"], "ContradictoryEvidence", "{rec:#}");
    assert_eq!(check(&g).await, before);
}

/// Injected, then the secondary stops answering: the drill restores at once instead of waiting.
#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_that_stops_answering_aborts_and_restores() {
    let mut g = ground("safety-secondary.test", "").await;
    // Failover takes 30 s here, so the guard has time to act before DNS flips.
    g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 30})));
    let run = command(&g, &g.manifest, &[]).spawn().expect("drill starts");
    eventually("the injection", Duration::from_secs(30), || async { check(&g).await.0.then_some(()) }).await;
    g.secondary.stop();
    let out = run.wait_with_output().await.expect("drill ends");
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(rec["phase"], "Aborted", "{rec:#} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(rec["reason"], "SecondaryStoppedAnswering", "{rec:#}");
    assert!(rec["dnsFailedOverAt"].is_null(), "it did not wait for the failover: {rec:#}");
    assert!(!check(&g).await.0, "restored");
}

/// A person changes the check during the drill: the drill notices, restores only Inverted, and
/// the person's change stays.
#[tokio::test(flavor = "multi_thread")]
async fn a_concurrent_change_by_a_person_is_detected_and_kept() {
    let g = ground("safety-person.test", "").await;
    g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 30})));
    let run = command(&g, &g.manifest, &[]).spawn().expect("drill starts");
    eventually("the injection", Duration::from_secs(30), || async { check(&g).await.0.then_some(()) }).await;
    let r53 = g.local.route53().await;
    r53.update_health_check().health_check_id(&g.hc).failure_threshold(4).send().await.expect("a person's change");
    let out = run.wait_with_output().await.expect("drill ends");
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(rec["reason"], "HealthCheckChangedByOthers", "{rec:#} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(rec["phase"], "Aborted", "{rec:#}");
    let now = r53.get_health_check().health_check_id(&g.hc).send().await.expect("read");
    let config = now.health_check().and_then(|h| h.health_check_config()).expect("config");
    assert_eq!(config.failure_threshold(), Some(4), "the person's change is not overwritten");
    assert_eq!(config.inverted(), Some(false), "the drill's own change is undone");
}

/// Two drills of one health check at once (two processes): exactly one runs, the other is refused
/// by the AWS-side lock and names who holds it.
#[tokio::test(flavor = "multi_thread")]
async fn two_drills_of_one_check_never_overlap() {
    let g = ground("safety-lock.test", "").await;
    let before = check(&g).await;
    let (a, b) = tokio::join!(drill(&g, &g.manifest, &[]), drill(&g, &g.manifest, &[]));
    let outcomes = [(&a.1["phase"], &a.1["reason"]), (&b.1["phase"], &b.1["reason"])];
    let ran = [&a, &b].iter().filter(|r| r.1["phase"] == "Succeeded").count();
    let refused: Vec<&Value> =
        [&a, &b].iter().filter(|r| r.1["reason"] == "DrillAlreadyRunning").map(|r| &r.1).collect();
    assert_eq!((ran, refused.len()), (1, 1), "{outcomes:?} {} {}", a.2, b.2);
    let message = refused[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("drill command on") && message.contains("drill smoke"), "holder named: {message}");
    assert!(refused[0]["injectedAt"].is_null());
    let after = check(&g).await;
    assert!(!after.0);
    assert_eq!(after.1, before.1 + 2, "one injection and one restore: {before:?} → {after:?}");
}

/// The restore is read back; one that does not verify is retried and recorded, never silent.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_that_fails_is_retried_until_it_verifies() {
    let g = ground("safety-restore.test", "").await;
    g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 1})));
    let run = command(&g, &g.manifest, &[]).spawn().expect("drill starts");
    eventually("the injection", Duration::from_secs(30), || async { check(&g).await.0.then_some(()) }).await;
    // Every attempt of the first restore call fails (one try plus two transient retries).
    g.local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "UpdateHealthCheck", "kind": "error", "count": 3})),
    );
    let out = run.wait_with_output().await.expect("drill ends");
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(rec["restoreFailures"], 1, "{rec:#} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(rec["phase"], "Succeeded", "{rec:#}");
    assert!(!check(&g).await.0, "restored in the end");
}

/// Without the AWS-side fail-safe there is no lock and no restore if the process dies: refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_drill_without_a_fail_safe_role_is_refused() {
    let g = ground("safety-nofs.test", "").await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.args(["drill", "-f"])
        .arg(&g.manifest)
        .args(["--drill", "smoke", "--output", "json"])
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_REGION", "us-east-1");
    let out = g.operator.apply_tokio(&mut cmd).output().await.expect("drill runs");
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(out.status.code(), Some(1), "{rec:#}");
    assert_eq!(rec["reason"], "FailsafeNotConfigured", "{rec:#}");
}
