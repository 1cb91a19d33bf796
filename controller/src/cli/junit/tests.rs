use super::*;

fn record(extra: serde_json::Value) -> DrillRecord {
    let mut r = serde_json::json!({
        "name": "weekly", "trigger": "Cli", "phase": "Succeeded", "startedAt": "2026-12-01T10:00:00Z",
        "finishedAt": "2026-12-01T10:03:00Z", "passed": true,
    });
    for (k, v) in extra.as_object().expect("an object") {
        r[k] = v.clone();
    }
    serde_json::from_value(r).expect("a drill record")
}

#[test]
fn the_verdicts_read_as_numbers_and_words() {
    let measured =
        report("team/api", &record(serde_json::json!({"measuredRtoSeconds": 92.5, "objectiveRtoSeconds": 300})), None);
    assert!(measured.contains("measured RTO 92.5 s, objective 300 s"), "{measured}");
    let unmeasured = report("team/api", &record(serde_json::json!({"phase": "Aborted", "passed": false})), None);
    assert!(unmeasured.contains("no RTO measured, no objective recorded"), "{unmeasured}");
    let served = record(serde_json::json!({"postFailoverValidation": {
        "url": "https://api.example.com:443/health", "target": "10.0.0.2", "ok": true, "statusCode": 200, "latencyMs": 40,
        "at": "2026-12-01T10:02:00Z",
    }}));
    let served = report("team/api", &served, None);
    assert!(served.contains("https://api.example.com:443/health via 10.0.0.2: HTTP 200"), "{served}");
    for xml in [measured, unmeasured, served] {
        assert!(!xml.contains("Some(") && !xml.contains("None"), "Rust's debug text in {xml}");
    }
}
