//! The AWS baseline, created the way users create it: `terraform apply` of
//! `terraform/examples/local` against local AWS. State lives in the test's temp dir.

use std::{path::Path, process::Command};

use super::repo_root;

pub struct Baseline {
    /// `terraform output -raw regionalfailover_manifest`
    pub manifest: String,
    /// `terraform output -json baseline`
    pub outputs: serde_json::Value,
}

fn terraform(args: &[&str], workdir: &Path) -> String {
    let example = repo_root().join("terraform/examples/local");
    let out = Command::new("terraform")
        .arg(format!("-chdir={}", example.display()))
        .args(args)
        .env("TF_CLI_CONFIG_FILE", repo_root().join("terraform/.terraformrc.mirror"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .current_dir(workdir)
        .output()
        .expect("terraform runs");
    assert!(
        out.status.success(),
        "terraform {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Applies the baseline; `health_port` is where the stand-in API endpoints listen.
pub fn apply(endpoint: &str, dns_port: u16, health_port: u16, workdir: &Path) -> Baseline {
    apply_with(endpoint, dns_port, health_port, workdir, &[])
}

/// [`apply`] with more `-var name=value` settings of `terraform/examples/local`.
pub fn apply_with(endpoint: &str, dns_port: u16, health_port: u16, workdir: &Path, more: &[(&str, &str)]) -> Baseline {
    // Parallel tests share the example's .terraform dir: serialise init with a lock file.
    let lock = repo_root().join("terraform/examples/local/.terraform.init.lock");
    let init = Command::new("flock")
        .arg(&lock)
        .args(["terraform", "-chdir=terraform/examples/local", "init", "-backend=false", "-input=false", "-no-color"])
        .env("TF_CLI_CONFIG_FILE", repo_root().join("terraform/.terraformrc.mirror"))
        .current_dir(repo_root())
        .output()
        .expect("terraform init runs");
    assert!(init.status.success(), "terraform init failed: {}", String::from_utf8_lossy(&init.stderr));
    let state = format!("-state={}", workdir.join("terraform.tfstate").display());
    let mut vars = vec![
        format!("-var=local_endpoint_url={endpoint}"),
        format!("-var=dns_port={dns_port}"),
        format!("-var=health_check_port={health_port}"),
    ];
    vars.extend(more.iter().map(|(k, v)| format!("-var={k}={v}")));
    let mut args = vec!["apply", "-auto-approve", "-input=false", "-no-color", state.as_str()];
    args.extend(vars.iter().map(String::as_str));
    terraform(&args, workdir);
    let manifest = terraform(&["output", "-raw", state.as_str(), "regionalfailover_manifest"], workdir);
    let outputs = terraform(&["output", "-json", state.as_str(), "baseline"], workdir);
    Baseline { manifest, outputs: serde_json::from_str(&outputs).expect("outputs are JSON") }
}
