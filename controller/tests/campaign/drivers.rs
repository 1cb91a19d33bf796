//! The processes that drill: `regional-failover drill` and `regional-failover run`, each as the
//! operator role Terraform created (web identity) under a session name of its own, so that local
//! AWS's history names the process behind every change (`assumed-role/<role>/<session>`).

use std::{
    path::Path,
    process::{Command as StdCommand, Stdio},
};

use serde_json::Value;
use tokio::{process::Command, task::JoinHandle};

use crate::{drill_ground::Ground, support::endpoint::free_port};

/// `regional-failover drill` running in the background.
pub struct Cli {
    pub session: String,
    pub pid: u32,
    task: Option<JoinHandle<std::io::Result<std::process::Output>>>,
    /// (exit code, record) once it ended.
    pub ended: Option<(i32, Value)>,
}

impl Cli {
    pub fn spawn(g: &Ground, manifest: &Path, session: &str, log: &Path) -> Cli {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
        cmd.args(["drill", "-f"])
            .arg(manifest)
            .args(["--drill", "smoke", "--output", "json", "--failsafe-role-arn", &g.role])
            .env("AWS_ENDPOINT_URL", &g.local.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log_file(log));
        g.operator.apply_tokio(&mut cmd);
        cmd.env("AWS_ROLE_SESSION_NAME", session);
        let child = cmd.spawn().expect("drill starts");
        let pid = child.id().expect("pid");
        Cli { session: session.into(), pid, task: Some(tokio::spawn(child.wait_with_output())), ended: None }
    }

    /// True once the process has ended (its output is then in `ended`).
    pub async fn poll(&mut self) -> bool {
        if self.task.as_ref().is_some_and(JoinHandle::is_finished)
            && let Some(task) = self.task.take()
        {
            let out = task.await.expect("joined").expect("waited");
            let record = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            self.ended = Some((out.status.code().unwrap_or(-1), record));
        }
        self.ended.is_some()
    }

    pub fn signal(&self, signal: &str) {
        let _ = StdCommand::new("kill").arg(format!("-{signal}")).arg(self.pid.to_string()).status();
    }

    /// `Phase/Reason` of the record it printed (`killed` when it printed none).
    pub fn outcome(&self) -> String {
        match &self.ended {
            Some((_, r)) if r.is_object() => {
                format!("{}/{}", r["phase"].as_str().unwrap_or("?"), r["reason"].as_str().unwrap_or("-"))
            }
            Some((code, _)) => format!("exit {code} without a record"),
            None => "running".into(),
        }
    }
}

fn log_file(path: &Path) -> Stdio {
    std::fs::OpenOptions::new().create(true).append(true).open(path).map(Stdio::from).unwrap_or_else(|_| Stdio::null())
}

/// `regional-failover run` watching one namespace, with drills enabled and the fail-safe role.
pub struct OperatorProc {
    child: std::process::Child,
}

impl OperatorProc {
    pub fn start(g: &Ground, kubeconfig: &Path, ns: &str, session: &str, log: &Path) -> OperatorProc {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_regional-failover"));
        cmd.arg("run")
            .env("KUBECONFIG", kubeconfig)
            .env("AWS_ENDPOINT_URL", &g.local.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RF_METRICS_BIND", format!("127.0.0.1:{}", free_port()))
            .env("RF_LEADER_ELECTION", "false")
            .env("RF_WATCH_NAMESPACE", ns)
            .env("RF_LEASE_NAMESPACE", ns)
            .env("POD_NAMESPACE", ns)
            .env("POD_NAME", session)
            .env("RF_FAILSAFE_ROLE_ARN", &g.role)
            .env("RF_SHARED_READ_MAX_AGE_SECONDS", "5")
            .env("RF_TABLE_REFRESH_SECONDS", "10")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log_file(log));
        g.operator.apply(&mut cmd);
        cmd.env("AWS_ROLE_SESSION_NAME", session);
        let child = cmd.spawn().expect("operator starts");
        OperatorProc { child }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for OperatorProc {
    fn drop(&mut self) {
        self.kill9();
    }
}
