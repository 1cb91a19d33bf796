//! The operator process of the footprint bench: started as the chart runs it, read from /proc
//! (RSS, CPU) and from its /metrics (histograms, AWS calls, reconciles).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use super::support::{cluster::Cluster, endpoint::free_port, iam::RoleEnv, localaws::LocalAws};

use super::NAMESPACE;

/// The operator process with its JSON log read on a thread.
pub struct Process {
    child: Child,
    metrics_port: u16,
}

impl Process {
    pub fn start(cluster: &Cluster, local: &LocalAws, role: &RoleEnv) -> Process {
        let metrics_port = free_port();
        let binary = env!("CARGO_BIN_EXE_regional-failover");
        let wrap = std::env::var("RF_BENCH_FOOTPRINT_WRAP").unwrap_or_default();
        let mut cmd = match wrap.split_whitespace().collect::<Vec<_>>().split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        cmd.arg("run")
            .env("KUBECONFIG", &cluster.kubeconfig)
            .env("AWS_ENDPOINT_URL", &local.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RF_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
            .env("RF_LEASE_NAMESPACE", NAMESPACE)
            .env("RF_LOG_FORMAT", "json")
            // As the chart's Deployment sets it.
            .env("MALLOC_ARENA_MAX", "1")
            .env("RUST_LOG", "info,regional_failover::reconcile=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = role.apply(&mut cmd).spawn().expect("operator starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let started = std::time::Instant::now();
        std::thread::spawn(move || {
            // Where the time to the first status goes: each milestone's first log line, timed.
            let mut milestones = vec!["operator starting", "leadership changed", "controller started", "verified"];
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
                let message = v["fields"]["message"].as_str().unwrap_or_default();
                if let Some(i) = milestones.iter().position(|m| *m == message) {
                    milestones.remove(i);
                    eprintln!("operator: {message:?} at {:.2} s", started.elapsed().as_secs_f64());
                }
                if (v["level"] == "WARN" || v["level"] == "ERROR") && message != "Server cert bypassed" {
                    eprintln!("operator: {line}");
                }
            }
        });
        Process { child, metrics_port }
    }

    /// A histogram's cumulative buckets: (upper bound in seconds, count), ascending, `+Inf` last.
    pub fn buckets(&self, family: &str) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = self
            .samples(&format!("{family}_bucket"))
            .into_iter()
            .filter_map(|(labels, v)| {
                let le = label(&labels, "le");
                Some((if le == "+Inf" { f64::INFINITY } else { le.parse().ok()? }, v))
            })
            .collect();
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    /// utime + stime from /proc/PID/stat, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        super::machine::process_cpu(self.child.id()).expect("/proc/PID/stat of the operator").1
    }

    /// (VmHWM, VmRSS, RssAnon, RssFile) in KiB.
    pub fn rss_kib(&self) -> (f64, f64, f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc/PID/status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        (field("VmHWM:"), field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
    }

    fn metrics(&self) -> String {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port)) else { return String::new() };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = write!(s, "GET /metrics HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        text
    }

    /// Sum of a counter family's samples whose labels contain every `filter`, by label set.
    fn samples(&self, family: &str) -> Vec<(String, f64)> {
        self.metrics()
            .lines()
            .filter(|l| l.starts_with(family) && !l.starts_with('#'))
            .filter_map(|l| {
                let (key, value) = l.rsplit_once(' ')?;
                Some((key.trim_start_matches(family).to_string(), value.parse().ok()?))
            })
            .collect()
    }

    /// AWS attempts by service and operation (throttled answers excluded, as the budget counts).
    pub fn aws_calls(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for (labels, v) in self.samples("regionalfailover_aws_requests_total") {
            if labels.contains("outcome=\"throttled\"") {
                continue;
            }
            let key = label(&labels, "service") + " " + &label(&labels, "operation");
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, total)) => *total += v,
                None => out.push((key, v)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn throttled(&self) -> f64 {
        self.samples("regionalfailover_aws_requests_total")
            .iter()
            .filter(|(l, _)| l.contains("outcome=\"throttled\""))
            .map(|(_, v)| v)
            .sum::<f64>()
            .abs()
    }

    pub fn reconciles(&self) -> f64 {
        self.samples("regionalfailover_reconciliations_total").iter().map(|(_, v)| v).sum()
    }

    pub fn stop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn label(labels: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    labels
        .split_once(&needle)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}
