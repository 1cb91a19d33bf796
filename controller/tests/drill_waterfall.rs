//! The RTO waterfall and the post-failover validation of a drill, end to end with the real binary
//! against local AWS (time-scaled) and its DNS server: every stage present and in order, each
//! configured server timed on its own (two spellings of one server count as two), the standby
//! asked through the record's name, the JUnit report, and a standby answering 503 failing the
//! drill with `StandbyNotServing` although DNS failed over.

mod drill_ground;
mod support;

use std::process::Command;

use drill_ground::{Ground, config, epoch, flip_at, ground};
use regional_failover::drill::waterfall::STAGES;
use serde_json::Value;

const PATH: &str = "/v1/profiles/health-probe";

fn validation(max_latency_ms: u32) -> String {
    format!("  postFailoverValidation: {{ path: {PATH}, maxLatencyMs: {max_latency_ms} }}\n")
}

/// The manifest asks local AWS's DNS server under two spellings, as a user may list the same
/// server twice (an address and a name): each is asked and timed separately.
fn two_spellings(g: &Ground) -> (String, String) {
    let by_address = g.local.dns.to_string();
    let by_name = format!("localhost:{}", g.local.dns.port());
    let yaml = std::fs::read_to_string(&g.manifest).expect("manifest");
    let yaml = yaml.replace(
        &format!("nameservers: [\"{by_address}\"]"),
        &format!("nameservers: [\"{by_address}\", \"{by_name}\"]"),
    );
    assert!(yaml.contains(&by_name), "manifest rewritten: {yaml}");
    std::fs::write(&g.manifest, yaml).expect("manifest written");
    (by_address, by_name)
}

fn drill(g: &Ground, junit: &std::path::Path) -> (i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.args(["drill", "-f"])
        .arg(&g.manifest)
        .args(["--drill", "smoke", "--output", "json", "--failsafe-role-arn", &g.role, "--junit"])
        .arg(junit)
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "info");
    let out = g.operator.apply(&mut cmd).output().expect("drill runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn stage<'a>(rec: &'a Value, name: &str) -> &'a Value {
    rec["waterfall"]
        .as_array()
        .and_then(|w| w.iter().find(|s| s["stage"] == name))
        .unwrap_or_else(|| panic!("stage {name} missing: {rec:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_records_every_stage_in_order_each_server_and_the_standby_serving() {
    let g = ground("waterfall.test", &validation(2000)).await;
    let (by_address, by_name) = two_spellings(&g);
    let junit = g._dir.path().join("drill.xml");
    let (code, rec, err) = drill(&g, &junit);
    assert_eq!(code, 0, "{rec:#} {err}");
    assert_eq!(rec["phase"], "Succeeded", "{rec:#}");

    // Every stage, in the documented order, each with a time.
    let names: Vec<&str> =
        rec["waterfall"].as_array().expect("waterfall").iter().filter_map(|s| s["stage"].as_str()).collect();
    assert_eq!(names, STAGES, "{rec:#}");
    let at = |name: &str| epoch(&stage(&rec, name)["at"]);
    // Measured stages follow each other; the clients' stages are estimates (all servers + TTL),
    // so with TTL 0 they coincide with the servers' agreement, before the standby's answer.
    let measured: Vec<&str> = STAGES.iter().copied().filter(|s| !s.starts_with("Clients")).collect();
    for pair in measured.windows(2) {
        assert!(at(pair[0]) <= at(pair[1]), "{} after {}: {rec:#}", pair[0], pair[1]);
    }
    assert!((at("ClientsFailedOver") - at("AllServersFailedOver")).abs() < 0.001, "TTL 0: {rec:#}");
    assert!((at("ClientsFailedBack") - at("AllServersFailedBack")).abs() < 0.001, "TTL 0: {rec:#}");
    for s in rec["waterfall"].as_array().expect("waterfall") {
        assert!(s["seconds"].as_f64().is_some_and(|x| x >= 0.0), "measured: {s}");
        assert!(s["predictedSeconds"].as_f64().is_some(), "predicted next to measured: {s}");
    }
    // The first server's flip is local AWS's own, within the drill's DNS resolution.
    let flipped = flip_at(&g.local, &g.record, "127.0.0.2", epoch(&rec["injectedAt"])).expect("local AWS flipped");
    assert!((at("FirstServerFailedOver") - flipped).abs() < 0.5, "{flipped} vs {rec:#}");

    // Each configured server, as written in the spec, with its own times.
    let servers = rec["servers"].as_array().expect("servers");
    let keys: Vec<&str> = servers.iter().filter_map(|s| s["server"].as_str()).collect();
    assert_eq!(keys, [by_address.as_str(), by_name.as_str()], "{rec:#}");
    for s in servers {
        assert!(epoch(&s["failedOverAt"]) >= epoch(&rec["injectedAt"]), "{s}");
        assert!(epoch(&s["failedBackAt"]) >= epoch(&rec["restoredAt"]), "{s}");
        assert!(epoch(&s["failedOverAt"]) <= epoch(&rec["allServersFailedOverAt"]), "{s}");
    }

    // The standby was asked through the record's own name and served.
    let v = &rec["postFailoverValidation"];
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["statusCode"], 200);
    assert!(v["latencyMs"].as_u64().is_some_and(|ms| ms <= 2000), "{v}");
    assert!(v["url"].as_str().is_some_and(|u| u.contains(&g.record) && u.ends_with(PATH)), "{v}");
    let seen = g.secondary.seen(PATH);
    assert_eq!(seen.len(), 1, "one request to the standby: {seen:?}");
    assert!(seen[0].host.as_deref().is_some_and(|h| h.starts_with(&g.record)), "Host header: {seen:?}");
    assert!(g.primary.seen(PATH).is_empty(), "never the primary");

    // The JUnit report has a case per stage and per preflight check, all passing.
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    for name in STAGES {
        assert!(xml.contains(&format!("name=\"{name}\"")), "{name} in {xml}");
    }
    for check in rec["preflight"].as_array().expect("preflight checks") {
        let name = check["check"].as_str().expect("check name");
        assert!(xml.contains(&format!("name=\"{name}\"")), "{name} in {xml}");
    }
    assert!(!xml.contains("<failure"), "{xml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_standby_answering_503_fails_the_drill_although_dns_failed_over() {
    let g = ground("standby-503.test", &validation(2000)).await;
    let r53 = g.local.route53().await;
    let before = config(&r53, &g.hc).await;
    g.secondary.answer(PATH, 503);
    let junit = g._dir.path().join("drill.xml");
    let (code, rec, err) = drill(&g, &junit);
    assert_eq!(code, 1, "{rec:#} {err}");
    assert_eq!(rec["phase"], "Failed", "{rec:#}");
    assert_eq!(rec["reason"], "StandbyNotServing", "{rec:#}");
    assert!(!rec["dnsFailedOverAt"].is_null(), "DNS did fail over: {rec:#}");
    let v = &rec["postFailoverValidation"];
    assert_eq!((v["ok"].as_bool(), v["statusCode"].as_u64()), (Some(false), Some(503)), "{v:#}");
    assert!(v["error"].as_str().is_some_and(|e| e.contains("503")), "{v}");
    assert!(rec["message"].as_str().is_some_and(|m| m.contains("503")), "{rec:#}");
    // No StandbyServing stage; the drill still restored and DNS came back.
    assert!(!rec["waterfall"].as_array().expect("waterfall").iter().any(|s| s["stage"] == "StandbyServing"));
    assert!(!rec["restoredAt"].is_null() && !rec["dnsFailedBackAt"].is_null(), "{rec:#}");
    assert_eq!(config(&r53, &g.hc).await, before, "health check exactly as it began");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(xml.contains("<failure") && xml.contains("StandbyNotServing"), "{xml}");
}
