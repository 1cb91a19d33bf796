//! Controller footprint at N objects (default 1000) on the local control plane: peak RSS, CPU
//! seconds per verification cycle, reconcile latency without AWS, and time from start to the
//! first status written (and to all of them).
//!
//! Method: kube-apiserver 1.20 + etcd and a fresh local AWS; a fleet of N objects (one zone, one
//! health check, record pair and global table each, verify interval 30 s) is seeded in AWS and
//! created in the API server; then the release binary `regional-failover run` starts with its
//! production defaults (request budget, 300 s table refresh, the chart's MALLOC_ARENA_MAX=1) while local AWS throttles beyond
//! Route 53's real account limits (5/s, GetHealthCheckStatus 1/s). RSS and CPU are read from
//! /proc; reconcile latency from the operator's own histograms on /metrics (bucket counts read
//! before and after the steady window, quantiles reported as the bucket's upper bound, buckets a
//! factor 2 apart): `reconcile_local_duration_seconds` (status assembly, no I/O),
//! `status_write_duration_seconds` (the server-side apply of the status) and
//! `reconcile_duration_seconds` (the whole reconcile, AWS and DNS waits included); AWS calls from
//! its /metrics.
//!
//! IAM is included: local AWS enforces it (`--iam enforce`) and the operator runs as the role
//! `terraform apply` of terraform/examples/local creates, by web identity as IRSA does (the token
//! exchange is part of the time to the first status). Its policy is Terraform's, re-scoped from the
//! baseline's resources to the fleet's (fleet/iam.rs). So every AWS answer the operator waits for
//! includes local AWS verifying the session's SigV4 signature and evaluating the role's policy;
//! the operator's own figures (RSS, CPU) include its signing with session credentials.
//!
//! `RF_BENCH_FOOTPRINT_OBJECTS` (default 1000) and `RF_BENCH_FOOTPRINT_CYCLES` (default 2).

#[path = "../tests/support/mod.rs"]
mod support;

mod fleet;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures::{StreamExt, stream};
use kube::{
    Api,
    api::{ListParams, PostParams},
};
use regional_failover::api::RegionalFailover;
use serde_json::{Value, json};
use support::{
    cluster::{self, Cluster},
    endpoint::free_port,
    iam::RoleEnv,
    localaws::LocalAws,
};

const VERIFY_INTERVAL_SECONDS: u32 = 30;
const NAMESPACE: &str = "bench";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(run());
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn run() {
    regional_failover::aws::install_crypto_provider();
    let n = env_usize("RF_BENCH_FOOTPRINT_OBJECTS", 1000);
    let cycles = env_usize("RF_BENCH_FOOTPRINT_CYCLES", 2).max(1);
    let cluster = Cluster::start();
    let client = cluster.client().await;
    cluster::install_crd(&client).await;
    cluster::namespace(&client, NAMESPACE).await;
    let local = LocalAws::start(&["--time-scale", "10", "--iam", "enforce"]);
    let port = fleet::healthy_endpoint().await;
    let seeding = Instant::now();
    let fleet = fleet::seed(&local, n, 1, port, VERIFY_INTERVAL_SECONDS).await;
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), NAMESPACE);
    stream::iter(&fleet.objects)
        .map(|rf| {
            let api = &api;
            async move { api.create(&PostParams::default(), rf).await.expect("RegionalFailover created") }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    eprintln!("seeded {n} objects in AWS and the API server in {:.1} s", seeding.elapsed().as_secs_f64());
    let (role, _terraform) = fleet::iam::terraform_role(&local, &fleet, port).await;
    eprintln!("the operator runs as {} (web identity), IAM enforced", role.role_arn);
    local.control("POST", "/faults", Some(&json!({"service": "route53", "ratePerSecond": 5})));
    local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus", "ratePerSecond": 1})),
    );

    let mut operator = Process::start(&cluster, &local, &role);
    let started = Instant::now();
    let (first, all) = time_to_statuses(&api, n, started).await;
    let cold_cpu = operator.cpu_seconds();
    let cold_calls = operator.aws_calls();
    let cold_reconciles = operator.reconciles();

    // Steady state: whole verify intervals after every object has its first status.
    let window = Duration::from_secs(u64::from(VERIFY_INTERVAL_SECONDS) * cycles as u64);
    let (cpu0, calls0, reconciles0) = (operator.cpu_seconds(), operator.aws_calls(), operator.reconciles());
    let (local0, whole0, write0) = (operator.buckets(LOCAL), operator.buckets(WHOLE), operator.buckets(WRITE));
    tokio::time::sleep(window).await;
    let cpu = operator.cpu_seconds() - cpu0;
    let reconciles = operator.reconciles() - reconciles0;
    let calls: Vec<(String, f64)> = operator
        .aws_calls()
        .into_iter()
        .map(|(k, v)| {
            let before = calls0.iter().find(|(k0, _)| *k0 == k).map_or(0.0, |(_, v0)| *v0);
            (k, (v - before) / cycles as f64)
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    let (local1, whole1, write1) = (operator.buckets(LOCAL), operator.buckets(WHOLE), operator.buckets(WRITE));
    let steady_write = |q| bucket_quantile_ms(&write0, &write1, q);
    let steady_local = |q| bucket_quantile_ms(&local0, &local1, q);
    let all_local = |q| bucket_quantile_ms(&[], &local1, q);
    let steady_whole = |q| bucket_quantile_ms(&whole0, &whole1, q);
    let (rss_peak, rss_now, rss_anon, rss_file) = operator.rss_kib();
    let throttled = operator.throttled();
    operator.stop();

    println!(
        "== controller footprint: {n} RegionalFailovers, one zone, verify interval {VERIFY_INTERVAL_SECONDS} s =="
    );
    println!("method: release binary `regional-failover run` with production defaults against kube-apiserver 1.20 and");
    println!("local AWS enforcing Route 53's limits (5/s, GetHealthCheckStatus 1/s) and IAM: the operator runs as the");
    println!(
        "Terraform role by web identity and every request is signature-checked and policy-evaluated; RSS/CPU from /proc/PID; latency"
    );
    println!(
        "from the operator's histograms (upper bound of the quantile's bucket, buckets x2 apart): status assembly without"
    );
    println!(
        "I/O (reconcile_local_duration_seconds), the status write (status_write_duration_seconds), and the whole reconcile"
    );
    println!("with its AWS/DNS waits (reconcile_duration_seconds).");
    println!("time to first status written:           {:>8.2} s", first);
    println!(
        "time to all {n} statuses written:      {:>8.2} s   (cold: every table read once at the 100/s DynamoDB budget)",
        all
    );
    println!(
        "CPU during the cold pass:                {:>8.2} s   ({cold_reconciles:.0} reconciles, {:.0} AWS calls)",
        cold_cpu,
        cold_calls.iter().map(|(_, v)| v).sum::<f64>()
    );
    println!(
        "CPU per steady cycle:                    {:>8.3} s   ({cycles} cycles of {VERIFY_INTERVAL_SECONDS} s; {:.0} reconciles = {:.2} per object per cycle)",
        cpu / cycles as f64,
        reconciles,
        reconciles / (n as f64 * cycles as f64)
    );
    println!(
        "peak RSS (VmHWM):                        {:>8.1} MiB  (now {:.1} MiB: heap {:.1} MiB, mapped code and files {:.1} MiB)",
        rss_peak / 1024.0,
        rss_now / 1024.0,
        rss_anon / 1024.0,
        rss_file / 1024.0
    );
    println!(
        "reconcile latency without AWS, steady:   p50 <= {:.2} ms  p99 <= {:.2} ms  max <= {:.2} ms  (n={:.0})",
        steady_local(0.5).0,
        steady_local(0.99).0,
        steady_local(1.0).0,
        steady_local(0.5).1
    );
    println!(
        "reconcile latency without AWS, all:      p50 <= {:.2} ms  p99 <= {:.2} ms  (n={:.0})",
        all_local(0.5).0,
        all_local(0.99).0,
        all_local(0.5).1
    );
    println!(
        "status write (server-side apply), steady: p50 <= {:.2} ms  p99 <= {:.2} ms  (n={:.0})",
        steady_write(0.5).0,
        steady_write(0.99).0,
        steady_write(0.5).1
    );
    println!(
        "whole reconcile incl. AWS/DNS, steady:   p50 <= {:.1} ms  p99 <= {:.1} ms  (n={:.0})",
        steady_whole(0.5).0,
        steady_whole(0.99).0,
        steady_whole(0.5).1
    );
    println!("AWS calls per steady cycle (operator's own counters):");
    for (k, v) in &calls {
        println!("  {k:<56} {v:>8.1}");
    }
    println!("throttled answers from local AWS during the run: {throttled:.0}");
    println!(
        "footprint objects={n} first_status_s={first:.2} all_status_s={all:.2} cpu_per_cycle_s={:.3} rss_peak_mib={:.1} \
         local_p50_ms={:.2} local_p99_ms={:.2} write_p99_ms={:.2} reconcile_p99_ms={:.1} throttled={throttled:.0} iam=enforce",
        cpu / cycles as f64,
        rss_peak / 1024.0,
        steady_local(0.5).0,
        steady_local(0.99).0,
        steady_write(0.99).0,
        steady_whole(0.99).0
    );
}

/// Seconds from `started` until the first object, then every object, has a verified status.
async fn time_to_statuses(api: &Api<RegionalFailover>, n: usize, started: Instant) -> (f64, f64) {
    let mut first = None;
    let mut told = 0.0;
    loop {
        let list = api.list(&ListParams::default()).await.expect("list RegionalFailovers");
        let verified =
            list.items.iter().filter(|rf| rf.status.as_ref().is_some_and(|s| s.last_verified_at.is_some())).count();
        let t = started.elapsed().as_secs_f64();
        if verified > 0 && first.is_none() {
            first = Some(t);
            eprintln!("first status written {t:.2} s after the operator started");
        }
        // Progress on stderr, so a run stopped early still shows how far it got.
        if t - told >= 30.0 {
            told = t;
            eprintln!("{verified} of {n} objects verified at {t:.0} s");
        }
        if verified >= n {
            return (first.unwrap_or(t), t);
        }
        assert!(t < 1800.0, "only {verified} of {n} objects verified after 30 minutes");
        tokio::time::sleep(Duration::from_millis(if first.is_some() { 1000 } else { 50 })).await;
    }
}

const LOCAL: &str = "regionalfailover_reconcile_local_duration_seconds";
const WHOLE: &str = "regionalfailover_reconcile_duration_seconds";
const WRITE: &str = "regionalfailover_status_write_duration_seconds";

/// (upper bound in ms of the bucket holding quantile `q`, observations) of the observations made
/// between two readings of a histogram's cumulative buckets; NaN without observations.
fn bucket_quantile_ms(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> (f64, f64) {
    let delta: Vec<(f64, f64)> = after
        .iter()
        .map(|(le, c)| (*le, c - before.iter().find(|(b, _)| b == le).map_or(0.0, |(_, c0)| *c0)))
        .collect();
    let total = delta.last().map_or(0.0, |(_, c)| *c);
    if total <= 0.0 {
        return (f64::NAN, 0.0);
    }
    let at = delta.iter().find(|(_, c)| *c >= (q * total).max(1.0)).map_or(f64::INFINITY, |(le, _)| *le);
    (at * 1e3, total)
}

/// The operator process with its JSON log read on a thread.
struct Process {
    child: Child,
    metrics_port: u16,
}

impl Process {
    fn start(cluster: &Cluster, local: &LocalAws, role: &RoleEnv) -> Process {
        let metrics_port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
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
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
                if (v["level"] == "WARN" || v["level"] == "ERROR") && v["fields"]["message"] != "Server cert bypassed" {
                    eprintln!("operator: {line}");
                }
            }
        });
        Process { child, metrics_port }
    }

    /// A histogram's cumulative buckets: (upper bound in seconds, count), ascending, `+Inf` last.
    fn buckets(&self, family: &str) -> Vec<(f64, f64)> {
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
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("/proc/PID/stat");
        // Fields after the command name (which may hold spaces) start at state (field 3).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
        ticks / clock_ticks()
    }

    /// (VmHWM, VmRSS, RssAnon, RssFile) in KiB.
    fn rss_kib(&self) -> (f64, f64, f64, f64) {
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
    fn aws_calls(&self) -> Vec<(String, f64)> {
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

    fn throttled(&self) -> f64 {
        self.samples("regionalfailover_aws_requests_total")
            .iter()
            .filter(|(l, _)| l.contains("outcome=\"throttled\""))
            .map(|(_, v)| v)
            .sum::<f64>()
            .abs()
    }

    fn reconciles(&self) -> f64 {
        self.samples("regionalfailover_reconciliations_total").iter().map(|(_, v)| v).sum()
    }

    fn stop(&mut self) {
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

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux architecture the project builds for.
    100.0
}
