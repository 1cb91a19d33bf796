//! A seeded fault campaign that proves a drill never makes an outage worse (issue 14, item 7).
//!
//! Each run drills the Terraform baseline on local AWS (IAM enforced, time scale 0.1) with the CLI
//! (one or two racing) or with two operators in two namespaces of the local control plane (plus,
//! sometimes, the CLI) drilling the same health check, while the harness injects, at seeded
//! moments: throttling, 5xx and delays (short, beyond the drill's 5 s read limit, beyond the SDK's
//! 10 s attempt timeout) on each AWS operation the drill uses; DNS answers dropped, delayed or
//! SERVFAIL; the primary endpoint going down before, during or after the injection; the secondary
//! going down; a person's concurrent change to the check; kill -9 of the operator in a phase; SIGINT
//! to the CLI. After each run the invariants (a)–(d) (`campaign/invariants.rs`) are checked on local
//! AWS's own history; the test fails and prints every violation with its excerpt.
//!
//! CI runs `campaign::CI_SEEDS`; `tests/drill-campaign/run --runs N --seed S` runs more.

mod campaign;
mod drill_ground;
mod support;

use campaign::{
    lane::Lane,
    plan::{self, Mode},
    report::Totals,
    run,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drill_fault_campaign() {
    let seeds = campaign::seeds();
    let verbose = campaign::verbose();
    let plans: Vec<plan::Plan> = seeds.iter().map(|s| plan::draw(*s)).collect();
    let lanes = campaign::lanes(plans);
    let total: usize = lanes.iter().map(Vec::len).sum();
    // Each lane is a ground of its own (local AWS, Terraform baseline, its own health check); runs
    // on one lane follow each other, lanes run side by side: most of a run is waiting.
    let tasks = lanes.into_iter().enumerate().map(|(l, runs)| {
        tokio::spawn(async move {
            let mut lane = Lane::new(runs.iter().any(|(_, p)| p.mode == Mode::Operator)).await;
            let mut reports = Vec::new();
            for (i, plan) in runs {
                let report = run::run(&mut lane, i, &plan).await;
                if verbose {
                    println!("lane {l} {i}/{total} {}", report.line());
                }
                for (v, excerpt) in &report.violations {
                    println!("VIOLATION run {i} seed {} ({}): {}\n{excerpt}", report.seed, v.invariant, v.text);
                }
                reports.push(report);
            }
            reports
        })
    });
    let reports = futures::future::join_all(tasks.collect::<Vec<_>>()).await;
    let mut totals = Totals::default();
    let mut reports: Vec<_> = reports.into_iter().flat_map(|r| r.expect("lane ran")).collect();
    reports.sort_by_key(|r| r.index);
    for r in &reports {
        totals.add(r);
    }
    let summary = totals.summary();
    println!("{summary}");
    assert!(totals.violations.is_empty(), "{summary}\n{}", totals.violations.join("\n"));
}
