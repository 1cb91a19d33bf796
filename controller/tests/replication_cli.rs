//! Data safety end to end (`check` and `drill` against local AWS): DynamoDB's own
//! `ReplicationLatency` judged against the RPO, a drill refused while replication is behind or
//! unknown, and the replica states and consistency mode that end or change a global table, each
//! with its finding code.

mod drill_ground;
mod support;

use std::{path::Path, process::Stdio, time::Duration};

use aws_sdk_dynamodb::types::AttributeValue;
use drill_ground::{Ground, ground};
use serde_json::{Value, json};
use support::localaws::{LocalAws, eventually};
use tokio::process::Command;

fn command(local: &LocalAws, args: &[&str], manifest: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.args(args)
        .arg("-f")
        .arg(manifest)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", &local.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// `check`: (exit code, the object's status, stderr).
async fn check(local: &LocalAws, manifest: &Path) -> (i32, Value, String) {
    let out = command(local, &["check"], manifest).output().await.expect("check runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json[0]["status"].clone(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `drill` with the fail-safe role: (exit code, record, stderr).
async fn drill(g: &Ground) -> (i32, Value, String) {
    let mut cmd = command(&g.local, &["drill", "--drill", "smoke", "--failsafe-role-arn", &g.role], &g.manifest);
    let out = g.operator.apply_tokio(&mut cmd).output().await.expect("drill runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn condition<'a>(status: &'a Value, type_: &str) -> &'a Value {
    status["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == type_)).unwrap_or(&Value::Null)
}

fn codes(status: &Value) -> Vec<String> {
    status["drift"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(String::from)).collect()
}

/// The application: a write to the primary table every quarter second until dropped.
struct Writer(tokio::task::JoinHandle<()>);

impl Writer {
    async fn start(local: &LocalAws) -> Writer {
        let east = local.dynamodb("us-east-1").await;
        Writer(tokio::spawn(async move {
            for i in 0u64.. {
                let item = AttributeValue::S(format!("app-{i}"));
                let _ = east.put_item().table_name("profiles").item("pk", item).send().await;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The health check's `HealthCheckVersion` as local AWS holds it (moves on every change).
async fn check_version(g: &Ground) -> i64 {
    let r53 = g.local.route53().await;
    let out = r53.get_health_check().health_check_id(&g.hc).send().await.expect("GetHealthCheck");
    out.health_check().expect("health check").health_check_version()
}

/// Lag above the RPO: `check` says ReplicationHealthy=False with the measured figure and a drill is
/// refused; without the lag it is True again; replication paused while the application writes is
/// Unknown ("metrics missing while the table takes writes") and refuses drills too.
#[tokio::test(flavor = "multi_thread")]
async fn lag_above_the_rpo_fails_check_and_refuses_drills_until_it_clears_and_a_pause_is_unknown() {
    let g = ground("repl-lag.test", "").await;
    // A one-minute window, so that a cleared lag leaves it within about two minutes.
    let yaml = std::fs::read_to_string(&g.manifest).expect("manifest").replace(
        "objectives: { rtoSeconds: 90 }",
        "objectives: { rtoSeconds: 90, rpoSeconds: 5, rpoWindowMinutes: 1 }",
    );
    std::fs::write(&g.manifest, yaml).expect("manifest written");
    let path = format!("/healthchecks/{}", g.hc);
    eventually("local AWS's checkers see the primary", Duration::from_secs(30), || {
        let v = g.local.control("GET", &path, None);
        async move { (v["healthy"] == true).then_some(()) }
    })
    .await;

    let (code, status, err) = check(&g.local, &g.manifest).await;
    assert_eq!(code, 0, "no writes yet, nothing to replicate: {status:#} {err}");
    assert_eq!(condition(&status, "ReplicationHealthy")["status"], "True", "{status:#}");

    // 8 s of replication lag against a 5 s objective, while the application writes.
    g.local.control("POST", "/replication", Some(&json!({"table": "profiles", "delaySeconds": 8})));
    let writer = Writer::start(&g.local).await;
    let (code, status) = eventually("ReplicationHealthy=False", Duration::from_secs(60), || async {
        let (code, status, _) = check(&g.local, &g.manifest).await;
        (condition(&status, "ReplicationHealthy")["status"] == "False").then_some((code, status))
    })
    .await;
    let replication = condition(&status, "ReplicationHealthy");
    assert_eq!(replication["reason"], "LagAboveObjective", "{status:#}");
    let message = replication["message"].as_str().unwrap_or_default();
    assert!(message.contains("us-east-1 to us-west-2 lags 8.") && message.contains("5 s"), "the figure: {message}");
    let latency = &status["replication"]["replicas"][0]["latencyMs"];
    assert!(latency["maximum"].as_f64().is_some_and(|m| (8000.0..9500.0).contains(&m)), "{status:#}");
    assert_eq!(latency["windowSeconds"], 60, "{status:#}");
    assert_eq!(status["replication"]["replicas"][0]["source"], "CloudWatch", "{status:#}");
    assert!(status["replication"]["lagSeconds"].as_f64().is_some_and(|l| l >= 8.0), "{status:#}");
    let within = condition(&status, "WithinObjective");
    assert_eq!((&within["status"], &within["reason"]), (&json!("False"), &json!("LagAboveObjective")), "{status:#}");
    assert!(within["message"].as_str().is_some_and(|m| m.starts_with("RPO:")), "says it is the RPO: {status:#}");
    assert_eq!(code, 1, "check exits 1 while replication is behind");

    let before = check_version(&g).await;
    let (code, rec, err) = drill(&g).await;
    assert_eq!((code, &rec["reason"]), (1, &json!("ReplicationBehind")), "{rec:#} {err}");
    assert!(rec["message"].as_str().is_some_and(|m| m.contains("lags")), "{rec:#}");
    assert!(rec["injectedAt"].is_null(), "{rec:#}");
    assert_eq!(check_version(&g).await, before, "the health check was never touched");

    // The lag is gone: once the slow samples leave the one-minute window, True again.
    g.local.control("POST", "/replication", Some(&json!({"table": "profiles", "delaySeconds": 0.2})));
    let status = eventually("ReplicationHealthy=True", Duration::from_secs(180), || async {
        let (code, status, _) = check(&g.local, &g.manifest).await;
        (code == 0 && condition(&status, "ReplicationHealthy")["status"] == "True").then_some(status)
    })
    .await;
    let message = condition(&status, "ReplicationHealthy")["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("within the 5 s objective"), "{message}");

    // Replication held while the application keeps writing: the metric goes missing.
    g.local.control("POST", "/replication", Some(&json!({"table": "profiles", "paused": true})));
    let status = eventually("ReplicationHealthy=Unknown", Duration::from_secs(180), || async {
        let (_, status, _) = check(&g.local, &g.manifest).await;
        (condition(&status, "ReplicationHealthy")["status"] == "Unknown").then_some(status)
    })
    .await;
    let replication = condition(&status, "ReplicationHealthy");
    assert_eq!(replication["reason"], "ReplicationMetricsMissing", "{status:#}");
    let message = replication["message"].as_str().unwrap_or_default();
    assert!(message.contains("metrics missing while the table takes writes"), "{message}");
    assert_eq!(status["replication"]["replicas"][0]["latencyMs"]["missingWhileWriting"], true, "{status:#}");
    let (code, rec, err) = drill(&g).await;
    assert_eq!((code, &rec["reason"]), (1, &json!("ReplicationBehind")), "an unknown lag refuses: {rec:#} {err}");
    assert!(rec["message"].as_str().is_some_and(|m| m.contains("metrics missing")), "{rec:#}");
    drop(writer);
    g.local.control("POST", "/replication", Some(&json!({"table": "profiles", "paused": false})));
}

/// Each replica state that ends a global table has its finding code; REPLICATION_NOT_AUTHORIZED
/// carries the 20-hour countdown; a consistency mode other than the spec's is drift; and local
/// AWS's (scaled) conversion leaves a missing replica behind.
#[tokio::test(flavor = "multi_thread")]
async fn replica_states_and_the_consistency_mode_each_have_their_code() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = support::endpoint::free_port_on_both();
    let _primary = support::endpoint::ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = support::endpoint::ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let (zone, hc) = support::aws_fixtures::loopback_baseline(&r53, &east, &west, "states.test", port).await;
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let dns = local.dns.to_string();
    let text = support::aws_fixtures::loopback_manifest("states", "default", &zone, "states.test", &hc, port, &dns);
    std::fs::write(&manifest, &text).expect("manifest written");
    let (code, status, err) = check(&local, &manifest).await;
    assert_eq!(code, 0, "in sync: {status:#} {err}");
    assert_eq!(status["replication"]["multiRegionConsistency"], "EVENTUAL", "{status:#}");

    let states = [
        ("REPLICATION_NOT_AUTHORIZED", "ReplicaReplicationNotAuthorized"),
        ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ReplicaEncryptionKeyInaccessible"),
        ("CREATION_FAILED", "ReplicaCreationFailed"),
        ("ARCHIVING", "ReplicaArchived"),
        ("ARCHIVED", "ReplicaArchived"),
        ("REGION_DISABLED", "ReplicaRegionDisabled"),
    ];
    for (state, code_name) in states {
        let body = json!({"table": "profiles", "region": "us-west-2", "status": state});
        local.control("POST", "/dynamodb/replica-state", Some(&body));
        let (code, status, err) = check(&local, &manifest).await;
        assert_eq!(code, 1, "{state}: {err}");
        assert!(codes(&status).contains(&code_name.to_string()), "{state} → {code_name}: {:?}", codes(&status));
        let replica = &status["replication"]["replicas"][0];
        assert_eq!(replica["status"], state, "{status:#}");
        assert!(replica["firstSeenAt"].is_string(), "{status:#}");
        let converts = ["REPLICATION_NOT_AUTHORIZED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REGION_DISABLED"];
        if converts.contains(&state) {
            let left = replica["conversionSecondsLeft"].as_i64().unwrap_or_default();
            assert!((71_000..=72_000).contains(&left), "20 hours from now: {status:#}");
            assert!(replica["conversionAt"].is_string(), "{status:#}");
            let message = condition(&status, "ReplicationHealthy")["message"].as_str().unwrap_or_default();
            assert!(message.contains("single-Region table in 19 h") || message.contains("in 20 h"), "{message}");
        } else {
            assert!(replica["conversionAt"].is_null(), "{state} is not converted: {status:#}");
        }
        let body = json!({"table": "profiles", "region": "us-west-2", "status": "ACTIVE"});
        local.control("POST", "/dynamodb/replica-state", Some(&body));
    }
    let (code, status, _) = check(&local, &manifest).await;
    assert_eq!(code, 0, "ACTIVE again: {:?}", codes(&status));

    // MRSC with a witness where the spec declares the default (EVENTUAL): drift, and the mode shows.
    let strong = json!({"table": "profiles", "mode": "STRONG", "witnessRegion": "us-east-2"});
    local.control("POST", "/dynamodb/consistency", Some(&strong));
    let (code, status, _) = check(&local, &manifest).await;
    assert_eq!(code, 1);
    assert!(codes(&status).contains(&"MultiRegionConsistencyMismatch".to_string()), "{:?}", codes(&status));
    assert_eq!(status["replication"]["multiRegionConsistency"], "STRONG", "{status:#}");
    assert_eq!(status["replication"]["witnessRegions"], json!(["us-east-2"]), "{status:#}");
    let declared = dir.path().join("strong.yaml");
    let strong_text =
        text.replace("table: { name: profiles,", "table: { name: profiles, multiRegionConsistency: STRONG,");
    std::fs::write(&declared, strong_text).expect("manifest written");
    let (code, status, err) = check(&local, &declared).await;
    assert_eq!(code, 0, "declared STRONG: {:?} {err}", codes(&status));
    local.control("POST", "/dynamodb/consistency", Some(&json!({"table": "profiles", "mode": "EVENTUAL"})));

    // Left REPLICATION_NOT_AUTHORIZED past the (shortened) conversion time, the replica is gone.
    local.control("POST", "/settings", Some(&json!({"replicaConversionSeconds": 1})));
    let body = json!({"table": "profiles", "region": "us-west-2", "status": "REPLICATION_NOT_AUTHORIZED"});
    local.control("POST", "/dynamodb/replica-state", Some(&body));
    let status = eventually("the replica converted", Duration::from_secs(30), || async {
        let (_, status, _) = check(&local, &manifest).await;
        codes(&status).contains(&"ReplicaMissing".to_string()).then_some(status)
    })
    .await;
    assert_eq!(status["replication"]["replicas"][0]["status"], "MISSING", "{status:#}");
}
