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
//! its /metrics. What else used the cores during the steady window is read from /proc by program
//! name (`footprint/machine.rs`). After the operator stopped, the bench times the same status write
//! itself, one writer and then eight at once (`footprint/writes.rs`): the API servers' own answer
//! time, apart from the test ground's load. Before that, a second operator starts where the first
//! left every status written (an upgrade, a rescheduled pod): its time to the first and to all
//! statuses and its peak RSS, whose initial list carries every status; and the bench's own list of
//! the fleet in pages of 500, then of 100 (the operator's page size, reconcile/run.rs).
//!
//! IAM is included: local AWS enforces it (`--iam enforce`) and the operator runs as the role
//! `terraform apply` of terraform/examples/local creates, by web identity as IRSA does (the token
//! exchange is part of the time to the first status). Its policy is Terraform's, re-scoped from the
//! baseline's resources to the fleet's (fleet/iam.rs). So every AWS answer the operator waits for
//! includes local AWS verifying the session's SigV4 signature and evaluating the role's policy;
//! the operator's own figures (RSS, CPU) include its signing with session credentials.
//!
//! `RF_BENCH_FOOTPRINT_OBJECTS` (default 1000) and `RF_BENCH_FOOTPRINT_CYCLES` (default 2).
//! `RF_BENCH_FOOTPRINT_WRAP` runs the operator under a command, e.g. `heaptrack -o target/bench/heap`
//! for a heap profile of the same run (its RSS and CPU figures then describe the wrapper, not the
//! operator).

#[path = "../tests/support/mod.rs"]
mod support;

mod fleet;
#[path = "footprint/machine.rs"]
mod machine;
#[path = "footprint/operator.rs"]
mod operator;
#[path = "footprint/writes.rs"]
mod writes;

use std::time::{Duration, Instant};

use chrono::Timelike;
use futures::{StreamExt, stream};
use kube::{Api, api::PostParams, runtime::watcher};
use operator::Process;
use regional_failover::api::RegionalFailover;
use serde_json::json;
use support::{
    cluster::{self, Cluster},
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
    let port = support::endpoint::healthy_endpoint().await;
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

    // The bench's own watch lists the fleet before the operator starts, so that list does not
    // compete with the operator's first list for the API servers.
    let watch = listed_watch(&api).await;
    let mut operator = Process::start(&cluster, &local, &role);
    let started = Instant::now();
    let (first, all) = time_to_statuses(watch, n, started, None).await;
    let cold_cpu = operator.cpu_seconds();
    let cold_calls = operator.aws_calls();
    let cold_reconciles = operator.reconciles();

    // Steady state: whole verify intervals after every object has its first status.
    let window = Duration::from_secs(u64::from(VERIFY_INTERVAL_SECONDS) * cycles as u64);
    let (cpu0, calls0, reconciles0) = (operator.cpu_seconds(), operator.aws_calls(), operator.reconciles());
    let (local0, whole0, write0) = (operator.buckets(LOCAL), operator.buckets(WHOLE), operator.buckets(WRITE));
    let machine0 = machine::snapshot();
    tokio::time::sleep(window).await;
    let (programs, busy) = machine::cores_by_program(&machine0, &machine::snapshot(), window.as_secs_f64());
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
    let restart = restart(&cluster, &local, &role, &api, n).await;
    // The same write with the operator stopped: one writer, then as many as its 8 slots.
    let names: Vec<String> = fleet.objects.iter().filter_map(|rf| rf.metadata.name.clone()).collect();
    let alone = writes::timed(&api, &names, 1, 200).await;
    let eight = writes::timed(&api, &names, 8, 50).await;

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
    println!(
        "the same status write, operator stopped: one at a time p50 {:.1} ms p99 {:.1} ms; 8 at once p50 {:.1} ms p99 {:.1} ms  (n={}, {})",
        writes::quantile(&alone, 0.5),
        writes::quantile(&alone, 0.99),
        writes::quantile(&eight, 0.5),
        writes::quantile(&eight, 0.99),
        alone.len(),
        eight.len()
    );
    println!(
        "restart with {n} statuses written:      first status {:.2} s, all {:.2} s, peak RSS {:.1} MiB  (a second operator,\n  \
         started after the first stopped: its initial list carries every status)",
        restart.first,
        restart.all,
        restart.rss_peak_kib / 1024.0
    );
    println!(
        "list of {n} objects with statuses:        pages of 500 {:.2} s, pages of 100 {:.2} s  (the bench's own list)",
        restart.list_500, restart.list_100
    );
    println!("machine CPU busy during the steady window: {:.0} % of all cores; cores used by program:", busy * 100.0);
    for (program, cores) in programs.iter().take(8) {
        println!("  {program:<24} {cores:>6.2}");
    }
    println!("AWS calls per steady cycle (operator's own counters):");
    for (k, v) in &calls {
        println!("  {k:<56} {v:>8.1}");
    }
    println!("throttled answers from local AWS during the run: {throttled:.0}");
    println!(
        "footprint objects={n} first_status_s={first:.2} all_status_s={all:.2} cpu_per_cycle_s={:.3} rss_peak_mib={:.1} \
         local_p50_ms={:.2} local_p99_ms={:.2} write_p99_ms={:.2} reconcile_p99_ms={:.1} throttled={throttled:.0} iam=enforce \
         quiet_write_p99_ms={:.1} quiet_write8_p99_ms={:.1} busy_pct={:.0} restart_first_status_s={:.2} \
         restart_all_status_s={:.2} restart_rss_peak_mib={:.1} list500_s={:.2} list100_s={:.2}",
        cpu / cycles as f64,
        rss_peak / 1024.0,
        steady_local(0.5).0,
        steady_local(0.99).0,
        steady_write(0.99).0,
        steady_whole(0.99).0,
        writes::quantile(&alone, 0.99),
        writes::quantile(&eight, 0.99),
        busy * 100.0,
        restart.first,
        restart.all,
        restart.rss_peak_kib / 1024.0,
        restart.list_500,
        restart.list_100
    );
}

/// What a restarted operator (an upgrade, a rescheduled pod) shows at 1,000 objects.
struct Restart {
    first: f64,
    all: f64,
    rss_peak_kib: f64,
    list_500: f64,
    list_100: f64,
}

/// A second operator starts where the first left every status written, so its initial list is
/// the fleet with statuses: the memory peak of a restart, which the first start (no statuses yet)
/// does not show. Timed as the first start is, counting statuses verified after the restart.
async fn restart(
    cluster: &Cluster,
    local: &LocalAws,
    role: &support::iam::RoleEnv,
    api: &Api<RegionalFailover>,
    n: usize,
) -> Restart {
    // What the page size of the operator's initial list (reconcile/run.rs) costs in time, with
    // every status written: the same consistent list, timed by the bench.
    let list_500 = list_seconds(api, 500).await;
    let list_100 = list_seconds(api, 100).await;
    let watch = listed_watch(api).await;
    // Started on a whole second: a status's time may be written to the second, and every status
    // the first operator wrote is older than that second.
    let now = chrono::Utc::now();
    let since = now.with_nanosecond(0).unwrap_or(now) + chrono::TimeDelta::seconds(1);
    tokio::time::sleep((since - now).to_std().unwrap_or_default()).await;
    let mut operator = Process::start(cluster, local, role);
    let started = Instant::now();
    let (first, all) = time_to_statuses(watch, n, started, Some(since)).await;
    let (rss_peak_kib, ..) = operator.rss_kib();
    operator.stop();
    Restart { first, all, rss_peak_kib, list_500, list_100 }
}

/// Seconds to list every object, `page` at a time.
async fn list_seconds(api: &Api<RegionalFailover>, page: u32) -> f64 {
    let started = Instant::now();
    let mut params = kube::api::ListParams::default().limit(page);
    loop {
        let list = api.list(&params).await.expect("list RegionalFailovers");
        match list.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return started.elapsed().as_secs_f64(),
        }
    }
}

type Watch = std::pin::Pin<Box<dyn futures::Stream<Item = watcher::Result<watcher::Event<RegionalFailover>>> + Send>>;

/// A watch of the fleet whose initial list is done.
async fn listed_watch(api: &Api<RegionalFailover>) -> Watch {
    use watcher::Event;
    let mut events: Watch = Box::pin(watcher(api.clone(), watcher::Config::default()));
    loop {
        match events.next().await.expect("the watch goes on").expect("watch RegionalFailovers") {
            Event::InitDone => return events,
            Event::Init | Event::InitApply(_) | Event::Apply(_) | Event::Delete(_) => {}
        }
    }
}

/// Seconds from `started` until the first object, then every object, has a status verified (at or
/// after `since`, when given: a restart's objects have their first operator's statuses). Read
/// from a watch, not by listing: listing 1,000 objects every second would load the API server (and
/// so the operator's status writes) with the bench's own reads.
async fn time_to_statuses(
    mut events: Watch,
    n: usize,
    started: Instant,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> (f64, f64) {
    use watcher::Event;
    let mut verified = std::collections::HashSet::new();
    let mut first = None;
    let mut told = 0.0;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), events.next()).await;
        let t = started.elapsed().as_secs_f64();
        if let Ok(Some(event)) = next
            // A watch started again lists again: those objects count as well.
            && let Event::Apply(rf) | Event::InitApply(rf) = event.expect("watch RegionalFailovers")
            && rf.status.as_ref().and_then(|s| s.last_verified_at).is_some_and(|at| since.is_none_or(|t| at >= t))
        {
            verified.insert(rf.metadata.name.unwrap_or_default());
        }
        if !verified.is_empty() && first.is_none() {
            first = Some(t);
            eprintln!("first status written {t:.2} s after the operator started");
        }
        // Progress on stderr, so a run stopped early still shows how far it got.
        if t - told >= 30.0 {
            told = t;
            eprintln!("{} of {n} objects verified at {t:.0} s", verified.len());
        }
        if verified.len() >= n {
            return (first.unwrap_or(t), t);
        }
        assert!(t < 1800.0, "only {} of {n} objects verified after 30 minutes", verified.len());
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
