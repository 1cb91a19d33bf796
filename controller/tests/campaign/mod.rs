//! The drill fault campaign (issue 14, item 7): seeded runs of real drills against local AWS with
//! IAM enforced (the Terraform baseline), some with operators on the local control plane, faults
//! injected at random points, and the four safety invariants checked on local AWS's own history.
//! See `invariants.rs` for the exact definitions and bounds, `plan.rs` for what a run may contain.

pub mod drivers;
pub mod faults;
pub mod history;
pub mod invariants;
pub mod lane;
pub mod model;
pub mod plan;
pub mod report;
pub mod run;
pub mod settle;

/// The seeds CI runs (`tests/run-all`): every seed divisible by 7 is an operator run.
pub const CI_SEEDS: std::ops::RangeInclusive<u64> = 1..=42;

/// `RF_CAMPAIGN_SEED=S RF_CAMPAIGN_RUNS=N`: seeds S, S+1 … S+N-1; `RF_CAMPAIGN_SEEDS=a,b,c`: those;
/// otherwise the CI list.
pub fn seeds() -> Vec<u64> {
    if let Ok(list) = std::env::var("RF_CAMPAIGN_SEEDS") {
        return list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    }
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
    match (var("RF_CAMPAIGN_SEED"), var("RF_CAMPAIGN_RUNS")) {
        (None, None) => CI_SEEDS.collect(),
        (seed, runs) => {
            let first = seed.unwrap_or(1);
            (first..first + runs.unwrap_or(1)).collect()
        }
    }
}

/// One line per run unless `RF_CAMPAIGN_VERBOSE=0`.
pub fn verbose() -> bool {
    std::env::var("RF_CAMPAIGN_VERBOSE").map_or(true, |v| v != "0")
}
