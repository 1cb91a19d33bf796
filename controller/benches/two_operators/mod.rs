//! AWS calls per verification cycle with two operators, one per cluster region (two-cluster mode,
//! issue 20): the same objects applied to a cluster in us-east-1 and one in us-west-2, each
//! operator verifying all of them from its own vantage point.
//!
//! Method: a fresh local AWS per fleet (Route 53's account limits enforced: 5 requests/s,
//! GetHealthCheckStatus 1/s, which both sides draw from as they would in one AWS account). First
//! one operator alone (single-cluster mode), then two operators side by side, each an `Aws` of
//! its own (own request budget, own single-flight caches: two processes share nothing), running
//! `observe_from` with its cluster region + `status::assemble` for every object, concurrently
//! with each other, cycle after cycle; caches are aged by one verify interval between cycles as in
//! the main figure. Steady = the mean of the cycles after the cold one.
//!
//! `RF_BENCH_TWO_REGION_SCENARIOS` (default `1x1,100x1`, objects x zones; empty skips).

use std::collections::BTreeMap;

use futures::{StreamExt, stream};
use regional_failover::{
    api::{ConditionStatus, RegionalFailoverSpec, RegionalFailoverStatus},
    aws::{Aws, AwsOptions, Outcome, Service},
    observe::{self, Vantage},
    status,
};
use serde_json::json;

use super::{
    Counts, IN_FLIGHT, STEADY_CYCLES, VERIFY_INTERVAL, all_total, default_route53_budget, fleet, service_total,
    support::localaws::LocalAws,
};

const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];

type Steady = BTreeMap<(Service, &'static str), f64>;

struct Side {
    /// `None`: one operator in single-cluster mode.
    region: Option<&'static str>,
    aws: Aws,
    statuses: Vec<RegionalFailoverStatus>,
    /// Calls after the cold cycle.
    cold: Counts,
    /// Attempts (calls and their retries) after the cold cycle.
    cold_attempts: u64,
}

impl Side {
    async fn new(local: &LocalAws, region: Option<&'static str>, objects: usize) -> Side {
        // A pod's SDK default region is its cluster's; the table refresh stays at the default.
        let options = AwsOptions {
            table_max_age: AwsOptions::default().table_max_age,
            region: Some(region.unwrap_or(REGIONS[0]).to_string()),
            ..local.options()
        };
        let aws = Aws::new(options, default_route53_budget()).await;
        let statuses = vec![RegionalFailoverStatus::default(); objects];
        Side { region, aws, statuses, cold: Counts::new(), cold_attempts: 0 }
    }

    /// One verification of every object from this side's vantage point.
    async fn cycle(&mut self, specs: &[RegionalFailoverSpec]) {
        let vantage = Vantage { region: self.region, failsafe: None };
        let (aws, vantage) = (&self.aws, &vantage);
        let next: Vec<RegionalFailoverStatus> = stream::iter(specs.iter().zip(self.statuses.iter()))
            .map(|(spec, previous)| async move {
                let now = chrono::Utc::now();
                let observed = Box::pin(observe::observe_from(spec, previous, aws, now, vantage)).await;
                let mut next = status::assemble(spec, Some(1), previous, &observed, now).status;
                next.observed_from = vantage.region.map(str::to_string);
                next
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        self.statuses = next;
    }

    /// Calls per operation, each counted once however often it was retried (what this side asks
    /// AWS for; the retries after throttling are counted apart).
    fn calls(&self) -> Counts {
        let mut out = Counts::new();
        for s in self.aws.budget().stats() {
            if matches!(s.outcome, Outcome::Ok | Outcome::NotFound | Outcome::Error) {
                *out.entry((s.service, s.operation)).or_insert(0) += s.count;
            }
        }
        out
    }

    fn steady(&self) -> Steady {
        self.calls()
            .iter()
            .map(|(k, v)| (*k, (v - self.cold.get(k).copied().unwrap_or(0)) as f64 / STEADY_CYCLES as f64))
            .filter(|(_, v)| *v > 0.0)
            .collect()
    }

    /// Attempts sent per steady cycle, retries included.
    fn steady_attempts(&self) -> f64 {
        (self.aws.budget().total_attempts() - self.cold_attempts) as f64 / STEADY_CYCLES as f64
    }

    fn throttled(&self) -> u64 {
        self.aws.budget().stats().iter().filter(|s| s.outcome == Outcome::Throttled).map(|s| s.count).sum()
    }

    fn ready(&self) -> usize {
        let ready = |s: &&RegionalFailoverStatus| {
            s.conditions.iter().any(|c| c.type_ == "Ready" && c.status == ConditionStatus::True)
        };
        self.statuses.iter().filter(ready).count()
    }

    fn name(&self) -> &'static str {
        self.region.unwrap_or("one operator")
    }
}

/// Runs the sides' cold cycle, then the steady cycles, all sides at once each cycle.
async fn cycles(sides: &mut [Side], specs: &[RegionalFailoverSpec]) {
    for round in 0..=STEADY_CYCLES {
        if round > 0 {
            for s in sides.iter() {
                s.aws.age_caches(VERIFY_INTERVAL);
            }
        }
        futures::future::join_all(sides.iter_mut().map(|s| s.cycle(specs))).await;
        if round == 0 {
            for s in sides.iter_mut() {
                s.cold = s.calls();
                s.cold_attempts = s.aws.budget().total_attempts();
            }
        }
    }
}

struct Outcome2 {
    objects: usize,
    zones: usize,
    one: Steady,
    one_attempts: f64,
    /// Per side: region, steady calls, steady attempts, throttled answers, Ready objects.
    sides: Vec<(&'static str, Steady, f64, u64, usize)>,
}

async fn measure(objects: usize, zones: usize) -> Outcome2 {
    let local = LocalAws::start(&["--time-scale", "10"]);
    let port = super::support::endpoint::healthy_endpoint().await;
    let fleet = fleet::seed(&local, objects, zones, port, 60).await;
    let specs: Vec<RegionalFailoverSpec> = fleet.objects.iter().map(|o| o.spec.clone()).collect();
    // Route 53's account limits: one account, whatever the number of clusters.
    local.control("POST", "/faults", Some(&json!({"service": "route53", "ratePerSecond": 5})));
    local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "GetHealthCheckStatus", "ratePerSecond": 1})),
    );
    let mut one = [Side::new(&local, None, objects).await];
    cycles(&mut one, &specs).await;
    let mut two =
        [Side::new(&local, Some(REGIONS[0]), objects).await, Side::new(&local, Some(REGIONS[1]), objects).await];
    cycles(&mut two, &specs).await;
    for s in one.iter().chain(two.iter()) {
        eprintln!("{} object(s), {}: {} Ready after {} cycles", objects, s.name(), s.ready(), STEADY_CYCLES + 1);
    }
    Outcome2 {
        objects,
        zones,
        one: one[0].steady(),
        one_attempts: one[0].steady_attempts(),
        sides: two.iter().map(|s| (s.name(), s.steady(), s.steady_attempts(), s.throttled(), s.ready())).collect(),
    }
}

pub async fn run() {
    let scenarios = std::env::var("RF_BENCH_TWO_REGION_SCENARIOS").unwrap_or_else(|_| "1x1,100x1".into());
    let scenarios: Vec<&str> = scenarios.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if scenarios.is_empty() {
        return;
    }
    println!("\n== two operators, one per cluster region (two-cluster mode): AWS calls per steady cycle ==");
    println!("(calls: each counted once however often the SDK retried it; attempts with retries are shown apart)");
    println!("method: the same objects verified by one operator alone, then by two operators side by side (us-east-1,");
    println!(
        "us-west-2), each observe_from its cluster region + assemble per object per cycle, caches aged 60 s between"
    );
    println!(
        "cycles, steady = mean of the {STEADY_CYCLES} cycles after the cold one; local AWS enforces Route 53's account limits."
    );
    println!("shared: nothing across processes. Each operator has its own request budget and its own single-flight");
    println!("caches, so each reads every zone, health check and table (in every region) itself: AWS calls per cycle");
    println!("double. Within a process the single-flight caches still share reads between its objects (per zone, per");
    println!("health-check page, per table), so each side's cost grows with zones and tables, not objects. Per side:");
    println!(
        "every read and its DNS watch. What the two sides do share is the account's Route 53 quota (5 requests/s,"
    );
    println!("GetHealthCheckStatus 1/s): two default budgets (4/s each) can exceed it together on a cold start.");
    let mut results = Vec::new();
    for spec in scenarios {
        let (n, z) = spec.split_once('x').expect("scenario is OBJECTSxZONES");
        results.push(measure(n.parse().expect("objects"), z.parse().expect("zones")).await);
    }
    for r in &results {
        println!("-- {} object(s) in {} zone(s) --", r.objects, r.zones);
        println!(
            "{:<44} {:>12} {:>11} {:>11} {:>11} {:>7}",
            "service operation", "one operator", "us-east-1", "us-west-2", "both", "ratio"
        );
        let mut keys: Vec<_> = r.one.keys().chain(r.sides.iter().flat_map(|s| s.1.keys())).copied().collect();
        keys.sort();
        keys.dedup();
        let row = |label: String, one: f64, sides: Vec<f64>| {
            let both: f64 = sides.iter().sum();
            // Optional reads (taken when a token is free) may happen on one side only.
            let ratio = if one > 0.0 { format!("{:.2}×", both / one) } else { "-".into() };
            println!("{label:<44} {one:>12.1} {:>11.1} {:>11.1} {both:>11.1} {ratio:>7}", sides[0], sides[1]);
        };
        for key in keys {
            let get = |m: &Steady| m.get(&key).copied().unwrap_or(0.0);
            row(format!("{} {}", key.0.label(), key.1), get(&r.one), r.sides.iter().map(|s| get(&s.1)).collect());
        }
        for service in [Service::Route53, Service::DynamoDb, Service::CloudWatch] {
            let sides = r.sides.iter().map(|s| service_total(&s.1, service)).collect();
            row(format!("{} total", service.label()), service_total(&r.one, service), sides);
        }
        let sides: Vec<f64> = r.sides.iter().map(|s| all_total(&s.1)).collect();
        let (one, both) = (all_total(&r.one), sides.iter().sum::<f64>());
        row("all".into(), one, sides.clone());
        let r53 = |m: &Steady| service_total(m, Service::Route53);
        let both53: f64 = r.sides.iter().map(|s| r53(&s.1)).sum();
        let throttled: u64 = r.sides.iter().map(|s| s.3).sum();
        let attempts: f64 = r.sides.iter().map(|s| s.2).sum();
        let ready: Vec<String> = r.sides.iter().map(|s| format!("{} {}", s.0, s.4)).collect();
        println!(
            "attempts sent per cycle (calls + retries): one operator {:.1}, both sides {attempts:.1}; throttled answers \
             from the shared account quota (all cycles, both sides; run back to back, not 60 s apart): {throttled}",
            r.one_attempts
        );
        println!(
            "Route 53 calls per 60 s cycle, both sides: {both53:.1} of the account's 300 ({:.1} %); Ready: {}\n",
            both53 / 3.0,
            ready.join(", ")
        );
        println!(
            "aws_calls two_regions objects={} zones={} one_all={one:.1} east_all={:.1} west_all={:.1} both_all={both:.1} \
             ratio={:.2} one_route53={:.1} both_route53={both53:.1} one_attempts={:.1} both_attempts={attempts:.1} \
             throttled={throttled}",
            r.objects,
            r.zones,
            sides[0],
            sides[1],
            both / one.max(1e-9),
            r53(&r.one),
            r.one_attempts
        );
    }
}
