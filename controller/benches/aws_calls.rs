//! AWS calls per verification cycle: the operator's shared, cached reads against a naive design
//! (one full read of every resource per object per cycle), side by side in one process, against
//! local AWS, counted per service and operation by the request budget every call goes through.
//!
//! Method: a fleet of N objects is seeded in a fresh local AWS. "Ours" runs `observe` +
//! `status::assemble` for every object concurrently, as the reconciler does, cycle after cycle;
//! between cycles every cached read is aged by one verify interval (60 s), so the caches behave
//! as they would over real minutes without waiting for them. Steady state is the mean of the
//! five cycles after the first (one table refresh period: 300 s / 60 s). "Naive" calls
//! GetHostedZone, ListResourceRecordSets (all pages), GetHealthCheck, GetHealthCheckStatus and,
//! per region, DescribeTable + DescribeContinuousBackups for every object, once.
//! Ours runs with the default Route 53 budget while local AWS enforces Route 53's own limits
//! (5 requests/s per account, GetHealthCheckStatus 1/s), so a throttle would show.
//!
//! `RF_BENCH_SCENARIOS="1x1,10x1,100x1,1000x1,1000x10"` (objects x zones) chooses the fleets;
//! `RF_BENCH_NAIVE_SAMPLE` (default 50) how many objects the naive design reads, scaled to N.
//!
//! CloudWatch (`GetMetricData` for DynamoDB's `ReplicationLatency`) is read once per table per
//! source region and shared by every object naming the table, so its cost grows with tables, not
//! objects: `RF_BENCH_TABLE_SCENARIOS="1x1,100x1,100x10,1000x1,1000x10"` (objects x tables, one
//! zone) measures it for objects that share tables (an empty value skips that part).
//!
//! Two operators, one per cluster region (two-cluster mode): `two_operators/mod.rs`,
//! `RF_BENCH_TWO_REGION_SCENARIOS` (default `1x1,100x1`; empty skips).

#[path = "../tests/support/mod.rs"]
mod support;

// The printed tables live apart from the measuring; mod.rs in a directory, like fleet/, so Cargo's
// bench discovery (benches/*.rs, benches/*/main.rs) does not take it for a bench of its own.
mod aws_calls_report;
mod fleet;
mod two_operators;

use std::{collections::BTreeMap, sync::Arc, time::Duration, time::Instant};

use aws_calls_report::{print_scenario, print_summary, print_tables};
use futures::{StreamExt, stream};
use regional_failover::{
    api::{ConditionStatus, HealthSource, RegionalFailoverSpec, RegionalFailoverStatus},
    aws::{Aws, AwsOptions, Budget, BudgetConfig, Outcome, Service},
    observe, status,
};
use serde_json::json;
use support::localaws::LocalAws;

const VERIFY_INTERVAL: Duration = Duration::from_secs(60);
/// The default table refresh (300 s) spans this many cycles.
const STEADY_CYCLES: usize = 5;
/// Reconciles in flight at once: the operator's are spread over the verify interval.
const IN_FLIGHT: usize = 32;

type Counts = BTreeMap<(Service, &'static str), u64>;

struct Scenario {
    objects: usize,
    zones: usize,
}

struct Outcomeset {
    scenario: Scenario,
    naive: Counts,
    cold: Counts,
    steady: BTreeMap<(Service, &'static str), f64>,
    throttled: u64,
    detail_reads: f64,
    seconds: (f64, f64, f64),
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    regional_failover::aws::install_crypto_provider();
    let scenarios = std::env::var("RF_BENCH_SCENARIOS").unwrap_or_else(|_| "1x1,10x1,100x1,1000x1,1000x10".into());
    println!("== AWS calls per verification cycle (verify interval 60 s, tables re-read every 300 s) ==");
    println!("method: a fresh local AWS per fleet; ours = observe + assemble for every object per cycle, caches");
    println!("aged 60 s between cycles; steady = mean of the {STEADY_CYCLES} cycles after the first (cold) one;");
    println!("naive = every read for every object once. Ours uses the default Route 53 budget (4/s, status 0.8/s)");
    println!("while local AWS throttles beyond Route 53's real limits (5/s, GetHealthCheckStatus 1/s).\n");
    let mut results = Vec::new();
    for spec in scenarios.split(',').filter(|s| !s.trim().is_empty()) {
        let (n, z) = spec.trim().split_once('x').expect("scenario is OBJECTSxZONES");
        let scenario = Scenario { objects: n.parse().expect("objects"), zones: z.parse().expect("zones") };
        let result = measure(scenario).await;
        print_scenario(&result);
        results.push(result);
    }
    print_summary(&results);
    let tables = std::env::var("RF_BENCH_TABLE_SCENARIOS").unwrap_or_else(|_| "1x1,100x1,100x10,1000x1,1000x10".into());
    let mut shared = Vec::new();
    for spec in tables.split(',').filter(|s| !s.trim().is_empty()) {
        let (n, t) = spec.trim().split_once('x').expect("table scenario is OBJECTSxTABLES");
        shared.push(measure_tables(n.parse().expect("objects"), t.parse().expect("tables")).await);
    }
    print_tables(&shared);
    two_operators::run().await;
}

/// GetMetricData per cycle for `objects` sharing `tables` tables (cold cycle, steady mean).
struct TableOutcome {
    objects: usize,
    tables: usize,
    cold: u64,
    steady: f64,
    replicas: usize,
}

async fn measure_tables(objects: usize, tables: usize) -> TableOutcome {
    let local = LocalAws::start(&["--time-scale", "10"]);
    let port = support::endpoint::healthy_endpoint().await;
    let fleet = fleet::seed_sharing(&local, objects, 1, tables, port, 60).await;
    let specs: Vec<RegionalFailoverSpec> = fleet.objects.iter().map(|o| o.spec.clone()).collect();
    let ours = aws(&local, default_route53_budget()).await;
    let mut statuses = vec![RegionalFailoverStatus::default(); specs.len()];
    let metric_reads = |aws: &Aws| {
        aws.budget().attempts_by_operation().get(&(Service::CloudWatch, "GetMetricData")).copied().unwrap_or(0)
    };
    cycle(&ours, &specs, &mut statuses).await;
    let cold = metric_reads(&ours);
    for _ in 0..STEADY_CYCLES {
        ours.age_caches(VERIFY_INTERVAL);
        cycle(&ours, &specs, &mut statuses).await;
    }
    let steady = (metric_reads(&ours) - cold) as f64 / STEADY_CYCLES as f64;
    let healthy = statuses
        .iter()
        .filter(|s| s.conditions.iter().any(|c| c.type_ == "ReplicationHealthy" && c.status == ConditionStatus::True))
        .count();
    eprintln!("{objects} objects over {tables} table(s): {healthy} ReplicationHealthy=True");
    let replicas = specs.first().map_or(0, |s| s.table.replica_regions.len());
    TableOutcome { objects, tables: fleet_tables(tables, objects), cold, steady, replicas }
}

fn fleet_tables(tables: usize, objects: usize) -> usize {
    tables.clamp(1, objects.max(1))
}

async fn measure(scenario: Scenario) -> Outcomeset {
    let local = LocalAws::start(&["--time-scale", "10"]);
    let port = support::endpoint::healthy_endpoint().await;
    let started = Instant::now();
    let fleet = fleet::seed(&local, scenario.objects, scenario.zones, port, 60).await;
    let seeded = started.elapsed().as_secs_f64();
    eprintln!(
        "seeded {} objects in {} zone(s) ({} record sets) in {seeded:.1} s",
        scenario.objects, scenario.zones, fleet.record_sets
    );
    let specs: Vec<RegionalFailoverSpec> = fleet.objects.iter().map(|o| o.spec.clone()).collect();

    let started = Instant::now();
    let naive_aws = aws(&local, unlimited()).await;
    let sample = naive_sample().min(specs.len());
    naive(&naive_aws, &specs[..sample]).await;
    let scale = specs.len() as f64 / sample as f64;
    let naive_counts: Counts = naive_aws
        .budget()
        .attempts_by_operation()
        .into_iter()
        .map(|(k, v)| (k, (v as f64 * scale).round() as u64))
        .collect();
    if sample < specs.len() {
        eprintln!(
            "naive: measured on {sample} of {} objects and scaled (its cost is per object by design)",
            specs.len()
        );
    }
    let naive_secs = started.elapsed().as_secs_f64();

    // Route 53's account limits, enforced by local AWS from here on.
    local.control("POST", "/faults", Some(&json!({"service": "route53", "ratePerSecond": 5})));
    local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus", "ratePerSecond": 1})),
    );
    let started = Instant::now();
    let ours_aws = aws(&local, default_route53_budget()).await;
    let mut statuses = vec![RegionalFailoverStatus::default(); specs.len()];
    cycle(&ours_aws, &specs, &mut statuses).await;
    let cold = ours_aws.budget().attempts_by_operation();
    let cold_secs = started.elapsed().as_secs_f64();
    eprintln!("naive pass {naive_secs:.1} s, ours cold cycle {cold_secs:.1} s");
    let drifted = statuses.iter().filter(|s| !s.drift.is_empty()).count();
    let ready = statuses
        .iter()
        .filter(|s| s.conditions.iter().any(|c| c.type_ == "Ready" && c.status == ConditionStatus::True))
        .count();
    eprintln!("after the cold cycle: {ready} Ready, {drifted} with drift {:?}", statuses[0].drift.first());
    let started = Instant::now();
    for i in 0..STEADY_CYCLES {
        ours_aws.age_caches(VERIFY_INTERVAL);
        let t = Instant::now();
        cycle(&ours_aws, &specs, &mut statuses).await;
        let by_dns =
            statuses.iter().filter(|s| s.health.as_ref().is_some_and(|h| h.source == HealthSource::Dns)).count();
        let primary = statuses.iter().filter(|s| s.active_region.as_deref() == Some("us-east-1")).count();
        let secondary = statuses.iter().filter(|s| s.active_region.as_deref() == Some("us-west-2")).count();
        let errors: Vec<_> = ours_aws
            .budget()
            .stats()
            .iter()
            .filter(|s| s.outcome != Outcome::Ok)
            .map(|s| (s.operation, s.outcome.label(), s.count))
            .collect();
        eprintln!(
            "ours cycle {} {:.1} s: {primary} answer the primary, {secondary} the secondary, {by_dns} healthy by DNS; {errors:?}",
            i + 1,
            t.elapsed().as_secs_f64()
        );
    }
    let steady_secs = started.elapsed().as_secs_f64();
    let total = ours_aws.budget().attempts_by_operation();
    let steady: BTreeMap<_, f64> = total
        .iter()
        .map(|(k, v)| (*k, (v - cold.get(k).copied().unwrap_or(0)) as f64 / STEADY_CYCLES as f64))
        .filter(|(_, v)| *v > 0.0)
        .collect();
    let throttled = ours_aws.budget().stats().iter().filter(|s| s.outcome == Outcome::Throttled).map(|s| s.count).sum();
    let detail_reads = steady.get(&(Service::Route53, "GetHealthCheckStatus")).copied().unwrap_or(0.0);
    Outcomeset {
        scenario,
        naive: naive_counts,
        cold,
        steady,
        throttled,
        detail_reads,
        seconds: (naive_secs, cold_secs, steady_secs / STEADY_CYCLES as f64),
    }
}

/// Objects the naive design is run on (`RF_BENCH_NAIVE_SAMPLE`, default 50): its calls are the
/// same for every object of a zone, so a sample scales exactly, and running it for 1,000 objects
/// would take local AWS minutes (7,000 pages of a 2,000-record zone).
fn naive_sample() -> usize {
    std::env::var("RF_BENCH_NAIVE_SAMPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(50).max(1)
}

/// One verification of every object, as concurrent as the reconciler's.
async fn cycle(aws: &Aws, specs: &[RegionalFailoverSpec], statuses: &mut [RegionalFailoverStatus]) {
    let next: Vec<RegionalFailoverStatus> = stream::iter(specs.iter().zip(statuses.iter()))
        .map(|(spec, previous)| async move {
            let now = chrono::Utc::now();
            let observed = observe::observe(spec, previous, aws, now).await;
            status::assemble(spec, Some(1), previous, &observed, now).status
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    for (slot, status) in statuses.iter_mut().zip(next) {
        *slot = status;
    }
}

/// One full, uncached read of everything per object.
async fn naive(aws: &Aws, specs: &[RegionalFailoverSpec]) {
    stream::iter(specs)
        .map(|spec| async move {
            let zone = spec.dns.hosted_zone_id.as_str();
            let hc = spec.health_check.id.as_str();
            let t = spec.table.name.as_str();
            let regions = std::iter::once(&spec.primary.region).chain(&spec.table.replica_regions);
            let (a, b, c, d) = tokio::join!(
                aws.get_hosted_zone(zone),
                aws.list_records(zone),
                aws.get_health_check(hc),
                aws.get_health_check_status(hc)
            );
            let tables = futures::future::join_all(regions.map(|r| aws.describe_table(r, t))).await;
            // ReplicationLatency both ways, read for this object alone.
            let (primary, replicas) = (vec![spec.primary.region.clone()], &spec.table.replica_regions);
            let now = chrono::Utc::now();
            let metrics = futures::future::join_all(
                std::iter::once(aws.replication_metrics(&spec.primary.region, t, replicas, 5, now))
                    .chain(replicas.iter().map(|r| aws.replication_metrics(r, t, &primary, 5, now))),
            )
            .await;
            assert!(
                a.is_ok()
                    && b.is_ok()
                    && c.is_ok()
                    && d.is_ok()
                    && tables.iter().all(Result::is_ok)
                    && metrics.iter().all(Result::is_ok),
                "naive read"
            );
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

/// The operator's adapter settings (the test support shortens the table refresh; this does not).
async fn aws(local: &LocalAws, budget: Arc<Budget>) -> Aws {
    let options = AwsOptions { table_max_age: AwsOptions::default().table_max_age, ..local.options() };
    Aws::new(options, budget).await
}

fn unlimited() -> Arc<Budget> {
    Arc::new(Budget::new(BudgetConfig {
        route53_rps: 100_000.0,
        health_status_rps: 100_000.0,
        dynamodb_rps: 100_000.0,
        cloudwatch_rps: 100_000.0,
        ..BudgetConfig::default()
    }))
}

/// The operator's default Route 53 budget; DynamoDB's control plane (2,500 requests/s per
/// account and region) and CloudWatch's `GetMetricData` quota are not emulated, so their buckets
/// are opened to keep the run short (what is counted is the calls, not their pacing).
fn default_route53_budget() -> Arc<Budget> {
    Arc::new(Budget::new(BudgetConfig {
        dynamodb_rps: 100_000.0,
        cloudwatch_rps: 100_000.0,
        ..BudgetConfig::default()
    }))
}

fn service_total<V: Copy + Into<f64>>(m: &BTreeMap<(Service, &'static str), V>, service: Service) -> f64 {
    m.iter().filter(|((s, _), _)| *s == service).map(|(_, v)| (*v).into()).sum()
}

fn all_total<V: Copy + Into<f64>>(m: &BTreeMap<(Service, &'static str), V>) -> f64 {
    m.values().map(|v| (*v).into()).sum()
}
