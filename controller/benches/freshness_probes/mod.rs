//! What the freshness bench reads besides local AWS's flip history: a kube watch of the objects
//! (as `kubectl get rf -w` sees them), local AWS's DNS query log, and the operator process (its
//! /metrics, its debug log of verifications, its CPU).

use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader, Read, Write},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use futures::StreamExt;
use kube::{
    Api,
    runtime::{WatchStreamExt, watcher},
};
use regional_failover::api::RegionalFailover;
use serde_json::Value;

use crate::support::{cluster::Cluster, endpoint::free_port, localaws::LocalAws};

pub fn epoch() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

fn secs(t: chrono::DateTime<chrono::Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1e6
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A status the watch received whose `activeRegion` differs from the one before.
#[derive(Clone)]
pub struct Change {
    pub region: Option<String>,
    /// When the kube watch delivered it.
    pub at: f64,
    /// `status.health.observedAt`.
    pub observed_at: Option<f64>,
    pub last_verified_at: Option<f64>,
}

#[derive(Default)]
struct WatchState {
    /// Per object: (activeRegion, lastVerifiedAt) as last received.
    current: HashMap<String, (Option<String>, Option<f64>)>,
    changes: HashMap<String, Vec<Change>>,
    /// When each new `lastVerifiedAt` arrived: one per verification.
    verifications: Vec<f64>,
}

/// A kube watch on the bench's namespace.
#[derive(Clone)]
pub struct Watch(Arc<Mutex<WatchState>>);

impl Watch {
    pub fn start(api: Api<RegionalFailover>) -> Watch {
        let watch = Watch(Arc::default());
        let state = watch.0.clone();
        tokio::spawn(async move {
            let events = watcher(api, watcher::Config::default()).default_backoff().applied_objects();
            let mut events = std::pin::pin!(events);
            while let Some(item) = events.next().await {
                let Ok(rf) = item else { continue };
                let at = epoch();
                let name = rf.metadata.name.clone().unwrap_or_default();
                let status = rf.status.unwrap_or_default();
                let verified = status.last_verified_at.map(secs);
                let mut s = lock(&state);
                let previous = s.current.insert(name.clone(), (status.active_region.clone(), verified));
                if verified.is_some() && previous.as_ref().is_none_or(|(_, v)| *v != verified) {
                    s.verifications.push(at);
                }
                if previous.is_none_or(|(r, _)| r != status.active_region) {
                    s.changes.entry(name).or_default().push(Change {
                        region: status.active_region,
                        at,
                        observed_at: status.health.map(|h| secs(h.observed_at)),
                        last_verified_at: verified,
                    });
                }
            }
        });
        watch
    }

    /// Every object verified at least once and on `region`.
    pub fn all_verified_at(&self, names: &[String], region: &str) -> Option<()> {
        let s = lock(&self.0);
        let ok = |n: &String| s.current.get(n).is_some_and(|(r, v)| v.is_some() && r.as_deref() == Some(region));
        names.iter().all(ok).then_some(())
    }

    /// The first change of `name` to `region` received at or after `since`.
    pub fn first_at(&self, name: &str, region: &str, since: f64) -> Option<Change> {
        let s = lock(&self.0);
        s.changes.get(name)?.iter().find(|c| c.at >= since && c.region.as_deref() == Some(region)).cloned()
    }

    pub fn all_at(&self, names: &[String], region: &str, since: f64) -> Option<()> {
        names.iter().all(|n| self.first_at(n, region, since).is_some()).then_some(())
    }

    pub fn verifications(&self, from: f64, to: f64) -> usize {
        lock(&self.0).verifications.iter().filter(|&&t| t >= from && t < to).count()
    }
}

/// Local AWS's DNS query log keeps the last 2,000 queries: polled every 2 s and de-duplicated,
/// it counts every query for the objects' names.
pub struct QueryLog {
    names: HashSet<String>,
    seen: HashSet<String>,
    times: Vec<f64>,
    last_poll: Option<Instant>,
    /// Polls that found the log full of unseen entries: some may have been missed.
    pub gaps: usize,
}

impl QueryLog {
    pub fn new(names: HashSet<String>) -> QueryLog {
        QueryLog { names, seen: HashSet::new(), times: Vec::new(), last_poll: None, gaps: 0 }
    }

    pub fn count(&self, from: f64, to: f64) -> usize {
        self.times.iter().filter(|&&t| t >= from && t < to).count()
    }

    pub fn poll(&mut self, local: &LocalAws, force: bool) {
        if !force && self.last_poll.is_some_and(|t| t.elapsed() < Duration::from_secs(2)) {
            return;
        }
        self.last_poll = Some(Instant::now());
        let got = local.control("GET", "/dns/queries", None);
        let entries = got["queries"].as_array().cloned().unwrap_or_default();
        let mut new = 0;
        for e in &entries {
            if !self.seen.insert(format!("{}|{}|{}|{}", e["at"], e["name"], e["type"], e["protocol"])) {
                continue;
            }
            new += 1;
            let name = e["name"].as_str().unwrap_or_default().trim_end_matches('.');
            let at = e["at"].as_str().and_then(|s| s.parse::<chrono::DateTime<chrono::Utc>>().ok());
            if let (true, Some(at)) = (self.names.contains(name), at) {
                self.times.push(secs(at));
            }
        }
        if new == entries.len() && entries.len() >= 2000 && self.seen.len() > entries.len() {
            self.gaps += 1;
        }
    }
}

/// The release binary `regional-failover run` with production defaults and JSON logs; the
/// reconcile module's debug lines give each verification's wait on AWS.
pub struct Operator {
    child: Child,
    metrics_port: u16,
    /// (receipt time, `aws_ms`) of each "verified" line.
    verified: Arc<Mutex<Vec<(f64, f64)>>>,
    /// Receipt times of "DNS watch: no answer" lines.
    watch_failures: Arc<Mutex<Vec<f64>>>,
}

impl Operator {
    pub fn start(cluster: &Cluster, local: &LocalAws, namespace: &str) -> Operator {
        let metrics_port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_regional-failover"))
            .arg("run")
            .env("KUBECONFIG", &cluster.kubeconfig)
            .env("AWS_ENDPOINT_URL", &local.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RF_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
            .env("RF_WATCH_NAMESPACE", namespace)
            .env("RF_LEASE_NAMESPACE", namespace)
            .env("RF_LOG_FORMAT", "json")
            // As the chart's Deployment sets it.
            .env("MALLOC_ARENA_MAX", "1")
            .env("RUST_LOG", "warn,regional_failover::reconcile=debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("operator starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (verified, watch_failures) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let (v, w) = (verified.clone(), watch_failures.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(j) = serde_json::from_str::<Value>(&line) else { continue };
                let message = j["fields"]["message"].as_str().unwrap_or_default();
                match (message, j["fields"]["aws_ms"].as_f64()) {
                    ("verified", Some(ms)) => lock(&v).push((epoch(), ms)),
                    ("DNS watch: no answer", _) => lock(&w).push(epoch()),
                    _ if (j["level"] == "WARN" || j["level"] == "ERROR") && message != "Server cert bypassed" => {
                        eprintln!("operator: {line}")
                    }
                    _ => {}
                }
            }
        });
        Operator { child, metrics_port, verified, watch_failures }
    }

    /// `aws_ms` of the verifications logged between `from` and `to`.
    pub fn verification_waits(&self, from: f64, to: f64) -> Vec<f64> {
        lock(&self.verified).iter().filter(|(t, _)| *t >= from && *t < to).map(|(_, ms)| ms / 1000.0).collect()
    }

    pub fn watch_failures(&self, from: f64, to: f64) -> usize {
        lock(&self.watch_failures).iter().filter(|&&t| t >= from && t < to).count()
    }

    pub fn metrics(&self) -> String {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port)) else { return String::new() };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = write!(s, "GET /metrics HTTP/1.0\r\nhost: localhost\r\n\r\n");
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        text
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// AWS attempts by "service operation" (throttled answers excluded, as the budget counts).
pub fn aws_calls(metrics: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for line in metrics.lines().filter(|l| l.starts_with("regionalfailover_aws_requests_total{")) {
        let Some((labels, value)) = line.rsplit_once(' ') else { continue };
        if labels.contains("outcome=\"throttled\"") {
            continue;
        }
        let key = format!("{} {}", label(labels, "service"), label(labels, "operation"));
        *out.entry(key).or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
    }
    out
}

/// Sum of the samples of one series name (labels ignored).
pub fn sample_sum(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.strip_prefix(series).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

fn label(labels: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    labels
        .split_once(&needle)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}

/// utime + stime of a process, in seconds (USER_HZ is 100 on every Linux the project builds for).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (tick(11) + tick(12)) / 100.0
}
