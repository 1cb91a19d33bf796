//! What the aws_calls bench prints: one table per fleet, the Route 53 summary with its formula,
//! and the GetMetricData figure for objects sharing tables. The `aws_calls ...` lines are the
//! machine-readable ones tests/bench/run collects.

use std::collections::BTreeMap;

use regional_failover::aws::Service;

use super::{Outcomeset, Scenario, TableOutcome, all_total, service_total};

pub(super) fn print_tables(results: &[TableOutcome]) {
    if results.is_empty() {
        return;
    }
    println!("\n== CloudWatch GetMetricData per verification cycle: objects sharing tables (one zone) ==");
    println!("one read per table per source region (primary → replicas, each replica → primary), shared by every");
    println!("object naming the table; formula = tables × (1 + replicas).");
    println!(
        "{:>7} {:>7} {:>10} {:>12} {:>9} {:>18}",
        "objects", "tables", "cold", "steady", "formula", "objects per read"
    );
    for r in results {
        let formula = r.tables * (1 + r.replicas);
        println!(
            "{:>7} {:>7} {:>10} {:>12.1} {:>9} {:>18.1}",
            r.objects,
            r.tables,
            r.cold,
            r.steady,
            formula,
            r.objects as f64 / r.steady.max(1e-9)
        );
        println!(
            "aws_calls_cloudwatch objects={} tables={} cold={} steady={:.1} formula={formula}",
            r.objects, r.tables, r.cold, r.steady
        );
    }
}

fn u(v: u64) -> f64 {
    v as f64
}

pub(super) fn print_scenario(r: &Outcomeset) {
    let s = &r.scenario;
    println!("-- {} object(s) in {} zone(s): {} health checks, {} tables --", s.objects, s.zones, s.objects, s.objects);
    println!("{:<44} {:>12} {:>10} {:>14}", "service operation", "naive/cycle", "ours cold", "ours steady");
    let naive: BTreeMap<_, f64> = r.naive.iter().map(|(k, v)| (*k, u(*v))).collect();
    let cold: BTreeMap<_, f64> = r.cold.iter().map(|(k, v)| (*k, u(*v))).collect();
    let mut keys: Vec<_> = naive.keys().chain(cold.keys()).chain(r.steady.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let get = |m: &BTreeMap<_, f64>| m.get(&key).copied().unwrap_or(0.0);
        println!(
            "{:<44} {:>12.0} {:>10.0} {:>14.1}",
            format!("{} {}", key.0.label(), key.1),
            get(&naive),
            get(&cold),
            get(&r.steady)
        );
    }
    for service in [Service::Route53, Service::DynamoDb, Service::CloudWatch] {
        println!(
            "{:<44} {:>12.0} {:>10.0} {:>14.1}",
            format!("{} total", service.label()),
            service_total(&naive, service),
            service_total(&cold, service),
            service_total(&r.steady, service)
        );
    }
    println!("{:<44} {:>12.0} {:>10.0} {:>14.1}", "all", all_total(&naive), all_total(&cold), all_total(&r.steady));
    let r53 = service_total(&r.steady, Service::Route53);
    let ddb = service_total(&r.steady, Service::DynamoDb);
    println!(
        "default budget per 60 s cycle (ours steady): Route 53 {r53:.1}/240 ({:.1} %), GetHealthCheckStatus {:.1}/48, \
         DynamoDB {ddb:.1}/6000 ({:.1} %); throttled answers from local AWS: {}",
        r53 / 2.4,
        r.detail_reads,
        ddb / 60.0,
        r.throttled
    );
    println!(
        "wall time: naive pass {:.1} s, ours cold cycle {:.1} s, ours steady cycle {:.1} s (mostly the 4/s Route 53 budget)\n",
        r.seconds.0, r.seconds.1, r.seconds.2
    );
}

/// Route 53 reads per cycle by design: per zone one GetHostedZone and one ListResourceRecordSets
/// page per 300 record sets (2 per object, plus SOA and NS), and one ListHealthChecks page per
/// 1,000 health checks.
fn expected_route53(s: &Scenario) -> usize {
    let per_zone: usize = (0..s.zones)
        .map(|z| {
            let objects = (0..s.objects).filter(|i| i % s.zones == z).count();
            1 + (2 * objects + 2).div_ceil(300)
        })
        .sum();
    per_zone + s.objects.div_ceil(1000)
}

pub(super) fn print_summary(results: &[Outcomeset]) {
    println!("== summary: Route 53 calls per steady cycle ==");
    println!(
        "{:>7} {:>6} {:>13} {:>12} {:>14} {:>10} {:>13} {:>11}",
        "objects", "zones", "naive R53", "ours R53", "formula", "R53 ratio", "all ratio", "throttled"
    );
    for r in results {
        let s = &r.scenario;
        let naive: BTreeMap<_, f64> = r.naive.iter().map(|(k, v)| (*k, u(*v))).collect();
        let (n53, o53) = (service_total(&naive, Service::Route53), service_total(&r.steady, Service::Route53));
        let (nall, oall) = (all_total(&naive), all_total(&r.steady));
        let bound = expected_route53(s);
        println!(
            "{:>7} {:>6} {:>13.0} {:>12.1} {:>14} {:>9.0}× {:>12.1}× {:>11}",
            s.objects,
            s.zones,
            n53,
            o53,
            bound,
            n53 / o53.max(1e-9),
            nall / oall.max(1e-9),
            r.throttled
        );
        println!(
            "aws_calls objects={} zones={} naive_route53={n53:.0} ours_route53={o53:.1} naive_all={nall:.0} ours_all={oall:.1} \
             ratio_route53={:.1} ratio_all={:.1} throttled={}",
            s.objects,
            s.zones,
            n53 / o53.max(1e-9),
            nall / oall.max(1e-9),
            r.throttled
        );
    }
    println!(
        "formula = Σ zones (1 GetHostedZone + ⌈record sets/300⌉ ListResourceRecordSets pages) + ⌈N/1000⌉ \
         ListHealthChecks pages; GetHealthCheckStatus is read only where DNS does not name the primary, plus optional \
         detail reads (at most 0.1/s = 6 per 60 s cycle in production; compressed cycles here see fewer)."
    );
}
