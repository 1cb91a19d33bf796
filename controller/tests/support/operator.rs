//! The operator binary as a process, pointed at a cluster and local AWS.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Operator {
    child: Child,
    pub metrics_port: u16,
}

impl Operator {
    /// `regional-failover run` with the lease in `lease_ns`, with local AWS's root key; extra env
    /// (e.g. budgets) appended.
    pub fn start(kubeconfig: &Path, aws_endpoint: &str, lease_ns: &str, extra_env: &[(&str, &str)]) -> Operator {
        Self::start_as(kubeconfig, aws_endpoint, lease_ns, extra_env, None)
    }

    /// Like [`Operator::start`], as the operator role Terraform created (web identity, as IRSA).
    pub fn start_as(
        kubeconfig: &Path,
        aws_endpoint: &str,
        lease_ns: &str,
        extra_env: &[(&str, &str)],
        role: Option<&super::iam::RoleEnv>,
    ) -> Operator {
        let metrics_port = super::endpoint::free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
        cmd.arg("run")
            .env("KUBECONFIG", kubeconfig)
            .env("AWS_ENDPOINT_URL", aws_endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RF_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
            .env("RF_LEASE_NAMESPACE", lease_ns)
            .env("RF_SHARED_READ_MAX_AGE_SECONDS", "5")
            // Table drift must show within a test's patience, not the production 5 minutes.
            .env("RF_TABLE_REFRESH_SECONDS", "10")
            .env("RUST_LOG", "info,regional_failover=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        if let Some(role) = role {
            role.apply(&mut cmd);
        }
        let child = cmd.spawn().expect("operator starts");
        Operator { child, metrics_port }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET a path of the metrics server; `None` while it does not answer.
    pub fn http_get(&self, path: &str) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Some((status, body))
    }

    /// Value of an unlabelled gauge, e.g. `regionalfailover_leader`.
    pub fn gauge(&self, name: &str) -> Option<f64> {
        let (_, body) = self.http_get("/metrics")?;
        body.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
    }

    /// SIGTERM, then wait: the operator shuts down gracefully and releases its lease.
    pub fn stop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}
