//! The `regional-failover` binary's CLI, run as a user runs it against local AWS.

use std::{path::Path, process::Command};

use serde_json::Value;

/// `regional-failover check -f MANIFEST --output json` against `aws_endpoint` with local AWS's
/// root key: (exit code, parsed stdout or Null, stderr).
pub fn check(manifest: &Path, aws_endpoint: &str) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regional-failover"))
        .args(["check", "-f"])
        .arg(manifest)
        .args(["--output", "json"])
        .env("AWS_ENDPOINT_URL", aws_endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("check runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The finding codes of the first object in `check`'s JSON.
pub fn codes(json: &Value) -> Vec<String> {
    json[0]["status"]["drift"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect()
}
