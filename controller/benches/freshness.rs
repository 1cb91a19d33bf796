//! Incident freshness: how long after Route 53 flips a failover record does the operator's status
//! say so? Real (unscaled) seconds from local AWS's own recorded flip (`/_localaws/dns/history`) to
//! the `status.activeRegion` change seen by a kube watch, over repeated real outages, at 1 and 100
//! objects; plus the DNS queries per object per minute the watch costs and the AWS calls per
//! minute (the verification budget, which the watch must leave unchanged).
//!
//! Method: the hybrid control plane and, per fleet size N, a fresh time-scaled local AWS with N
//! objects, each with its own hosted zone, health check, failover record pair and global table (one
//! zone per application, as users have: nothing is shared that would understate the per-object
//! cost). All N health checks probe one stand-in endpoint on 127.0.0.1, so one outage (the endpoint
//! stopped: connection refused) fails all N at once, as a regional outage does; starting it again
//! fails them back. The release binary `regional-failover run` runs with production defaults
//! (verify interval 60 s = the CRD default, DNS watch 5 s / 1 s while anything is wrong) while local
//! AWS throttles beyond Route 53's account limits. The time scale only shortens the checkers'
//! detection, which happens before the flip and is not measured.
//!
//! `RF_BENCH_FRESHNESS_OBJECTS` (default `1,100`), `RF_BENCH_FRESHNESS_OUTAGES` (default 20, each
//! one failover and one failback), `RF_BENCH_FRESHNESS_QUIET_SECONDS` (default 120: the healthy
//! window the steady rates are read over), `RF_BENCH_FRESHNESS_TIME_SCALE` (default 0.1).

#[path = "../tests/support/mod.rs"]
mod support;

mod fleet;
mod freshness_probes;

use std::{
    collections::HashMap,
    process::ExitCode,
    time::{Duration, Instant},
};

use freshness_probes::{Operator, QueryLog, Watch, aws_calls, cpu_seconds, epoch, sample_sum};
use futures::{StreamExt, TryStreamExt};
use kube::{Api, Client, api::PostParams};
use regional_failover::api::RegionalFailover;
use serde_json::{Value, json};
use support::{
    cluster::{self, Cluster},
    endpoint::{ApiEndpoint, free_port},
    localaws::LocalAws,
};

/// The CRD's default `verifyIntervalSeconds`.
const VERIFY_INTERVAL_SECONDS: u32 = 60;
const PRIMARY: (&str, &str) = ("us-east-1", "127.0.0.1");
const SECONDARY: (&str, &str) = ("us-west-2", "127.0.0.2");

/// The p95 targets: 5 s at 1 object, 15 s at 100.
fn target(n: usize) -> f64 {
    if n <= 1 { 5.0 } else { 15.0 }
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(run())
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

async fn run() -> ExitCode {
    regional_failover::aws::install_crypto_provider();
    let sizes: Vec<usize> = env_or("RF_BENCH_FRESHNESS_OBJECTS", "1,100".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    let outages = env_or("RF_BENCH_FRESHNESS_OUTAGES", 20usize).max(1);
    let quiet = env_or("RF_BENCH_FRESHNESS_QUIET_SECONDS", 120u64).max(10);
    let scale = env_or("RF_BENCH_FRESHNESS_TIME_SCALE", "0.1".to_string());
    let cluster = Cluster::start();
    let client = cluster.client().await;
    cluster::install_crd(&client).await;

    println!("freshness: local AWS's DNS flip -> the operator's status change, real (unscaled) seconds");
    println!();
    println!("Method");
    println!("  fleet        N objects, each with its own hosted zone, HTTP health check (10 s x 3, 3 checker");
    println!("               regions), PRIMARY/SECONDARY record pair and global table; verify interval 60 s (CRD");
    println!("               default); nameservers = local AWS's DNS; all N checks probe one endpoint on 127.0.0.1");
    println!("  operator     release `regional-failover run`, production defaults: DNS watch 5 s, 1 s while anything");
    println!(
        "               is wrong, 8 concurrent reconciles, AWS budget (Route 53 4/s, GetHealthCheckStatus 0.8/s);"
    );
    println!("               local AWS also throttles Route 53 beyond 5/s and GetHealthCheckStatus beyond 1/s");
    println!("  outage       endpoint stopped (connection refused) -> checkers (local AWS --time-scale {scale}) ->");
    println!(
        "               Route 53 answers the secondary; endpoint started -> back to the primary. {outages} outages"
    );
    println!("               per N; each flip follows a random 0-5 s pause (a random phase against the watch)");
    println!("  flip         the first /_localaws/dns/history entry of the object's record naming the new value");
    println!("  seen         when a kube watch on the namespace received status.activeRegion = the new region");
    println!("  detected     status.health.observedAt of that status (the operator's clock at its DNS read)");
    println!("  DNS queries  local AWS's DNS query log (polled every 2 s, de-duplicated) for the objects' names:");
    println!("               every query the operator sends, DNS watch and verification alike");
    println!("  AWS calls    the operator's regionalfailover_aws_requests_total (throttled answers excluded);");
    println!("               verifications = new status.lastVerifiedAt values seen by the kube watch");

    let mut complete = true;
    for &n in &sizes {
        if let Err(e) = phase(&cluster, &client, n, outages, quiet, &scale).await {
            println!("freshness objects={n} incomplete: {e}");
            complete = false;
        }
    }
    if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// One measured flip of one object.
struct Sample {
    failover: bool,
    flip: f64,
    seen: f64,
    detected: Option<f64>,
    /// The change came from a verification (its lastVerifiedAt is after the flip), not the watch.
    by_verification: bool,
}

/// The counters at one instant; a window is the difference of two.
struct Mark {
    at: f64,
    calls: HashMap<String, f64>,
    reconciles: f64,
    reconcile_seconds: f64,
    cpu_operator: f64,
    cpu_aws: f64,
}

impl Mark {
    fn take(operator: &Operator, local: &LocalAws) -> Mark {
        let m = operator.metrics();
        Mark {
            at: epoch(),
            calls: aws_calls(&m),
            reconciles: sample_sum(&m, "regionalfailover_reconcile_duration_seconds_count"),
            reconcile_seconds: sample_sum(&m, "regionalfailover_reconcile_duration_seconds_sum"),
            cpu_operator: cpu_seconds(operator.pid()),
            cpu_aws: cpu_seconds(local.peer.pid()),
        }
    }
}

/// Waits while keeping the DNS query log complete.
async fn wait(local: &LocalAws, log: &mut QueryLog, timeout: Duration, done: impl Fn() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        log.poll(local, false);
        if done() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn phase(
    cluster: &Cluster,
    client: &Client,
    n: usize,
    outages: usize,
    quiet: u64,
    scale: &str,
) -> Result<(), String> {
    let ns = cluster::namespace(client, &format!("freshness-{n}")).await;
    let local = LocalAws::start(&["--time-scale", scale]);
    let port = free_port();
    let mut endpoint = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let seeding = Instant::now();
    let fleet = fleet::seed(&local, n, n, port, VERIFY_INTERVAL_SECONDS).await;
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);
    futures::stream::iter(fleet.objects.into_iter().map(|mut rf| {
        rf.metadata.namespace = Some(ns.clone());
        rf
    }))
    .map(|rf| {
        let api = &api;
        async move { api.create(&PostParams::default(), &rf).await.map(|_| ()).map_err(|e| e.to_string()) }
    })
    .buffer_unordered(16)
    .try_collect::<Vec<()>>()
    .await?;
    local.control("POST", "/faults", Some(&json!({"service": "route53", "ratePerSecond": 5})));
    local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus", "ratePerSecond": 1})),
    );
    eprintln!("freshness: {n} objects seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    let mut operator = Operator::start(cluster, &local, &ns);
    let watch = Watch::start(api.clone());
    let names: Vec<String> = (0..n).map(|i| format!("svc{i}")).collect();
    let records: Vec<(String, String)> = (0..n).map(|i| (fleet::record_name(i, n), format!("svc{i}"))).collect();
    let mut log = QueryLog::new(records.iter().map(|(r, _)| r.clone()).collect());
    let started = Instant::now();
    let verified = || watch.all_verified_at(&names, PRIMARY.0).is_some();
    if !wait(&local, &mut log, Duration::from_secs(900), verified).await {
        return Err("not every object verified on the primary within 15 minutes".into());
    }
    eprintln!("freshness: {n} objects verified {:.1} s after the operator started", started.elapsed().as_secs_f64());

    // The healthy steady state: the watch at its normal cadence, verifications at theirs.
    let m0 = Mark::take(&operator, &local);
    wait(&local, &mut log, Duration::from_secs(quiet), || false).await;
    let m1 = Mark::take(&operator, &local);

    let mut rng = Lcg(0x5eed_0000 + n as u64);
    let mut samples = Vec::new();
    for k in 0..2 * outages {
        let failover = k % 2 == 0;
        let (region, value) = if failover { SECONDARY } else { PRIMARY };
        wait(&local, &mut log, Duration::from_millis(rng.below(5000)), || false).await;
        let action = epoch();
        if failover {
            endpoint.stop()
        } else {
            endpoint.start()
        }
        if !wait(&local, &mut log, Duration::from_secs(180), || watch.all_at(&names, region, action).is_some()).await {
            return Err(format!("flip {k}: not every status showed {region} within 180 s of the endpoint change"));
        }
        let history = local.control("GET", &format!("/dns/history?type=A&since={}", action.floor()), None);
        for (record, name) in &records {
            let flip =
                flip_at(&history, record, value, action).ok_or_else(|| format!("flip {k}: no flip of {record}"))?;
            let c = watch.first_at(name, region, action).ok_or_else(|| format!("flip {k}: {name} not seen"))?;
            let by_verification = c.last_verified_at.is_some_and(|v| v >= flip);
            samples.push(Sample { failover, flip, seen: c.at, detected: c.observed_at, by_verification });
        }
    }
    let m2 = Mark::take(&operator, &local);
    let flips_observed = sample_sum(&operator.metrics(), "regionalfailover_dns_flips_observed_total");
    operator.stop();
    log.poll(&local, true);
    report(n, outages, &samples, flips_observed);
    println!("{:<44} {:>10} {:>10}", "per window", "healthy", "outages");
    let windows = [window(n, &m0, &m1, &log, &watch, &operator), window(n, &m1, &m2, &log, &watch, &operator)];
    let rows: [Row; 10] = [
        ("window length, s", |w| w.seconds),
        ("DNS queries per object per minute", |w| w.dns_per_object_minute),
        ("verifications per object per minute", |w| w.verifications_per_object_minute),
        ("AWS calls per minute", |w| w.calls_per_minute),
        ("AWS calls per verification", |w| w.calls_per_verification),
        ("verification wait on AWS p95, s", |w| w.verification_wait_p95),
        ("reconciles per second", |w| w.reconciles_per_second),
        ("reconcile slots busy (of 8), mean", |w| w.slots_busy),
        ("operator CPU, % of one core", |w| w.cpu_operator),
        ("local AWS CPU, % of one core", |w| w.cpu_aws),
    ];
    for (what, f) in rows {
        println!("{what:<44} {:>10.2} {:>10.2}", f(&windows[0]), f(&windows[1]));
    }
    let ops: std::collections::BTreeSet<&String> = m2.calls.keys().filter(|k| m2.calls[*k] > 0.0).collect();
    for op in ops {
        let per_minute = |a: &Mark, b: &Mark| {
            (b.calls.get(op).unwrap_or(&0.0) - a.calls.get(op).unwrap_or(&0.0)) * 60.0 / (b.at - a.at)
        };
        println!("  AWS calls per minute, {op:<40} {:>8.1} {:>10.1}", per_minute(&m0, &m1), per_minute(&m1, &m2));
    }
    let failures = operator.watch_failures(m0.at, m2.at);
    if failures > 0 || log.gaps > 0 {
        println!(
            "DNS watch reads without an answer: {failures}; query-log polls that may have missed entries: {}",
            log.gaps
        );
    }
    let all: Vec<f64> = samples.iter().map(|s| s.seen - s.flip).collect();
    let side = |f: bool| samples.iter().filter(|s| s.failover == f).map(|s| s.seen - s.flip).collect::<Vec<_>>();
    let p95 = q(&all, 0.95);
    println!(
        "freshness objects={n} outages={outages} samples={} p50_s={:.2} p95_s={p95:.2} max_s={:.2} failover_p95_s={:.2} \
         failback_p95_s={:.2} target_p95_s={:.0} met={} by_verification={} dns_q_per_obj_min={:.1}/{:.1} \
         verifications_per_obj_min={:.2}/{:.2} aws_calls_per_min={:.1}/{:.1} (healthy/outages)",
        samples.len(),
        q(&all, 0.5),
        q(&all, 1.0),
        q(&side(true), 0.95),
        q(&side(false), 0.95),
        target(n),
        if p95 <= target(n) { "yes" } else { "no" },
        samples.iter().filter(|s| s.by_verification).count(),
        windows[0].dns_per_object_minute,
        windows[1].dns_per_object_minute,
        windows[0].verifications_per_object_minute,
        windows[1].verifications_per_object_minute,
        windows[0].calls_per_minute,
        windows[1].calls_per_minute,
    );
    Ok(())
}

fn report(n: usize, outages: usize, samples: &[Sample], flips_observed: f64) {
    let pick = |f: &dyn Fn(&Sample) -> Option<f64>| -> Vec<f64> { samples.iter().filter_map(f).collect() };
    let watched = |s: &Sample, failover: Option<bool>| !s.by_verification && failover.is_none_or(|f| s.failover == f);
    println!();
    println!("== {n} object(s): {outages} outages = {} flips, {} samples ==", 2 * outages, samples.len());
    println!("{:<44} {:>7} {:>7} {:>7} {:>6}", "seconds", "p50", "p95", "max", "n");
    let row = |what: &str, v: Vec<f64>| {
        println!("{what:<44} {:>7.2} {:>7.2} {:>7.2} {:>6}", q(&v, 0.5), q(&v, 0.95), q(&v, 1.0), v.len());
    };
    row("flip -> seen, both directions", pick(&|s| Some(s.seen - s.flip)));
    row("flip -> seen, failover", pick(&|s| s.failover.then_some(s.seen - s.flip)));
    row("flip -> seen, failback", pick(&|s| (!s.failover).then_some(s.seen - s.flip)));
    row(
        "flip -> detected by the DNS watch, failover",
        pick(&|s| watched(s, Some(true)).then_some(s.detected? - s.flip)),
    );
    row(
        "flip -> detected by the DNS watch, failback",
        pick(&|s| watched(s, Some(false)).then_some(s.detected? - s.flip)),
    );
    row("detected -> seen (status write + kube watch)", pick(&|s| watched(s, None).then_some(s.seen - s.detected?)));
    row("flip -> seen, changes made by a verification", pick(&|s| s.by_verification.then_some(s.seen - s.flip)));
    println!("dns_flips_observed on the operator's /metrics: {flips_observed:.0}");
}

/// One row of the per-window table: its label and how a window gives its figure.
type Row = (&'static str, fn(&Window) -> f64);

struct Window {
    seconds: f64,
    dns_per_object_minute: f64,
    verifications_per_object_minute: f64,
    calls_per_minute: f64,
    calls_per_verification: f64,
    verification_wait_p95: f64,
    reconciles_per_second: f64,
    slots_busy: f64,
    cpu_operator: f64,
    cpu_aws: f64,
}

fn window(n: usize, a: &Mark, b: &Mark, log: &QueryLog, watch: &Watch, operator: &Operator) -> Window {
    let seconds = b.at - a.at;
    let minutes = seconds / 60.0;
    let calls: f64 = b.calls.iter().map(|(k, v)| v - a.calls.get(k).unwrap_or(&0.0)).sum();
    let verifications = watch.verifications(a.at, b.at) as f64;
    Window {
        seconds,
        dns_per_object_minute: log.count(a.at, b.at) as f64 / n as f64 / minutes,
        verifications_per_object_minute: verifications / n as f64 / minutes,
        calls_per_minute: calls / minutes,
        calls_per_verification: calls / verifications.max(1.0),
        verification_wait_p95: q(&operator.verification_waits(a.at, b.at), 0.95),
        reconciles_per_second: (b.reconciles - a.reconciles) / seconds,
        slots_busy: (b.reconcile_seconds - a.reconcile_seconds) / seconds,
        cpu_operator: 100.0 * (b.cpu_operator - a.cpu_operator) / seconds,
        cpu_aws: 100.0 * (b.cpu_aws - a.cpu_aws) / seconds,
    }
}

/// Nearest-rank quantile.
fn q(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// Local AWS's time of the first answer of `record` naming `value` at or after `since`.
fn flip_at(history: &Value, record: &str, value: &str, since: f64) -> Option<f64> {
    history["history"].as_array()?.iter().find_map(|h| {
        let named = h["name"].as_str()?.trim_end_matches('.') == record;
        let at = h["atEpoch"].as_f64()?;
        let hit = h["values"].as_array()?.iter().any(|v| v.as_str().is_some_and(|s| s.trim_end_matches('.') == value));
        (named && at >= since && hit).then_some(at)
    })
}

/// A small deterministic generator for the pauses (reproducible runs, no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}
