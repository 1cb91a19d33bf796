//! How precisely does a drill measure the RTO? Runs `regional-failover drill` (the real binary, as
//! `tests/drill_cli.rs` does) N times in a row against one time-scaled local AWS and compares each
//! measured RTO and failback with local AWS's own ground truth: the instant its DNS answer flipped
//! (`/_localaws/dns/history`). Also sets the measurements beside the predicted (worst-case) RTO
//! scaled by the same time scale. A benchmark, not a test: it prints figures and fails only when
//! fewer drills than asked ran to completion.
//!
//! `cargo bench -p regional-failover --bench drill_precision`; `RF_BENCH_DRILLS=N` (default 20).
#![allow(dead_code)]

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../tests/drill_ground/mod.rs"]
mod drill_ground;

use std::{
    path::Path,
    process::{Command, ExitCode},
    time::Instant,
};

use drill_ground::{Ground, epoch, flip_at};
use regional_failover::{api::validate, verify};
use serde_json::Value;

const DEFAULT_DRILLS: usize = 20;
const ZONE: &str = "drill-bench.test";
/// The drill's poll period of the authoritative DNS servers while it expects a flip (the first
/// `drill::sense::FAST_WINDOW_SECONDS` after the injection or the restore; 250 ms after that):
/// the resolution of the measurement.
const DNS_POLL_MS: u64 = 20;

/// One drill's figures, in seconds.
struct Sample {
    run: usize,
    wall: f64,
    measured: f64,
    truth: f64,
    failback: Option<(f64, f64)>,
}

impl Sample {
    fn error(&self) -> f64 {
        self.measured - self.truth
    }
    fn failback_error(&self) -> Option<f64> {
        self.failback.map(|(m, t)| m - t)
    }
}

fn main() -> ExitCode {
    let requested = match std::env::var("RF_BENCH_DRILLS") {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("drill_precision: RF_BENCH_DRILLS={v:?} is not a positive whole number");
                return ExitCode::from(2);
            }
        },
        Err(_) => DEFAULT_DRILLS,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(bench(requested))
}

async fn bench(requested: usize) -> ExitCode {
    let started = Instant::now();
    // One local AWS (time scale 0.1, 1.5 s health-check propagation), one loopback baseline, both
    // endpoints serving; dropped (local AWS stopped) when this function returns.
    let g = drill_ground::ground(ZONE, "").await;
    // Propagation only sets how long each drill lasts, not how exactly it is measured (that is the
    // 20 ms DNS poll): 1.5 s instead of the tests' 3 s keeps 20 drills under two minutes.
    g.local.control("POST", "/settings", Some(&serde_json::json!({"route53ConfigPropagationSeconds": 1.5})));
    let setup = started.elapsed().as_secs_f64();
    let settings = g.local.control("GET", "/settings", None);
    let time_scale = settings["timeScale"].as_f64().expect("local AWS reports its time scale");
    let propagation = settings["route53ConfigPropagationSeconds"].as_f64().unwrap_or(0.0);
    let hc = g.local.control("GET", &format!("/healthchecks/{}", g.hc), None);
    let scaled_interval = hc["scaledIntervalSeconds"].as_f64().unwrap_or(f64::NAN);

    let yaml = std::fs::read_to_string(&g.manifest).expect("manifest readable");
    let objects = validate::parse_manifests(&yaml).expect("bench manifest parses");
    let spec = &objects.first().expect("one RegionalFailover").spec;
    let (interval, threshold, ttl) =
        (spec.health_check.request_interval_seconds, spec.health_check.failure_threshold, spec.dns.max_ttl_seconds);
    let predicted_nominal = verify::predicted_rto_seconds(spec, None);
    let predicted = f64::from(predicted_nominal) * time_scale;

    println!("drill_precision: RTO measured by `regional-failover drill` vs local AWS's own DNS flip");
    println!();
    println!("Method");
    println!(
        "  local AWS        tests/localaws/serve --time-scale {time_scale} (started in {setup:.1}s), one for all drills"
    );
    println!(
        "  health check     HTTP 127.0.0.1:{}/health, interval {interval}s x threshold {threshold} = {}s nominal, \
         {:.1}s scaled (checker interval {scaled_interval:.1}s)",
        g.port,
        interval * threshold,
        f64::from(interval * threshold) * time_scale
    );
    println!(
        "  propagation      local AWS applies a changed Inverted flag {propagation:.1}s (real time) after the API \
         call; records TTL {ttl}s"
    );
    println!(
        "  drill            {} drill -f rf.yaml --drill smoke --output json --failsafe-role-arn ROLE, {requested} \
         times, sequential",
        env!("CARGO_BIN_EXE_regional-failover")
    );
    println!(
        "                   inverts the health check, polls the authoritative DNS ({}) every {DNS_POLL_MS} ms, \
         restores, polls until the primary is answered again",
        g.local.dns
    );
    println!("  measured RTO     record.measuredRtoSeconds = dnsFailedOverAt - injectedAt");
    println!("  ground truth     first entry of /_localaws/dns/history for {} answering the secondary", g.record);
    println!("                   (127.0.0.2) at or after injectedAt, minus injectedAt: when local AWS flipped DNS");
    println!("  error            measured - ground truth, signed seconds (> 0: the drill saw the flip late)");
    println!(
        "  failback         record.failbackSeconds = dnsFailedBackAt - restoredAt vs local AWS's flip back to \
         127.0.0.1 - restoredAt"
    );
    println!(
        "  predicted RTO    verify::predicted_rto_seconds(spec) = interval x threshold + {}s propagation allowance \
         + maxTtl",
        verify::PROPAGATION_ALLOWANCE_SECONDS
    );
    println!(
        "                   = {predicted_nominal}s nominal, x time scale {time_scale} = {predicted:.3}s comparable \
         to the measured RTOs (all RTOs below are in scaled, i.e. real, seconds)"
    );
    println!(
        "                   (a drill inverts the check, so only propagation applies, not the checkers' threshold: \
         the prediction is a real outage's worst case)"
    );
    println!();
    println!(
        "{:>4} {:>7} {:>10} {:>10} {:>9} {:>11} {:>11} {:>9}",
        "run", "wall_s", "rto_s", "truth_s", "err_s", "failback_s", "fb_truth_s", "fb_err_s"
    );

    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for run in 1..=requested {
        let t0 = Instant::now();
        let outcome = one_drill(&g, &g.manifest, &g.record).await;
        let wall = t0.elapsed().as_secs_f64();
        match outcome {
            Ok((measured, truth, failback)) => {
                let s = Sample { run, wall, measured, truth, failback };
                let fb = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"));
                println!(
                    "{run:>4} {wall:>7.2} {measured:>10.3} {truth:>10.3} {:>+9.3} {:>11} {:>11} {:>9}",
                    s.error(),
                    fb(failback.map(|f| f.0)),
                    fb(failback.map(|f| f.1)),
                    s.failback_error().map_or_else(|| "-".to_string(), |e| format!("{e:+.3}")),
                );
                samples.push(s);
            }
            Err(why) => {
                println!("{run:>4} {wall:>7.2} FAILED: {why}");
                failures.push(format!("run {run}: {why}"));
            }
        }
    }

    let total = started.elapsed().as_secs_f64();
    println!();
    summarize(&samples, requested, time_scale, predicted_nominal, predicted, total);
    drop(g);
    if samples.len() < requested {
        println!();
        println!("drill_precision: only {} of {requested} drills succeeded:", samples.len());
        for f in &failures {
            println!("  {f}");
        }
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Runs one drill with the real binary; (measured RTO, ground truth, (failback, its ground truth)).
/// The drill runs as the operator role Terraform created, like every drill of the test suites.
async fn one_drill(g: &Ground, manifest: &Path, record: &str) -> Result<(f64, f64, Option<(f64, f64)>), String> {
    let (exe, manifest, endpoint) =
        (env!("CARGO_BIN_EXE_regional-failover"), manifest.to_path_buf(), &g.local.endpoint);
    let local = &g.local;
    let mut cmd = Command::new(exe);
    cmd.args(["drill", "-f"])
        .arg(&manifest)
        .args(["--drill", "smoke", "--output", "json", "--failsafe-role-arn", &g.role])
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "info");
    g.operator.apply(&mut cmd);
    // Off the runtime's threads: the endpoints the health checkers probe are tasks on it.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| format!("drill task: {e}"))?
        .map_err(|e| format!("cannot run {exe}: {e}"))?;
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    if out.status.code() != Some(0) || rec["phase"] != "Succeeded" {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "exit {:?}, phase {}, reason {}, message {}; stderr tail: {}",
            out.status.code(),
            rec["phase"],
            rec["reason"],
            rec["message"],
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ));
    }
    let measured = rec["measuredRtoSeconds"].as_f64().ok_or("record has no measuredRtoSeconds")?;
    let injected = epoch(&rec["injectedAt"]);
    let flipped = flip_at(local, record, "127.0.0.2", injected)
        .ok_or_else(|| format!("local AWS's DNS history has no flip to the secondary after {injected}"))?;
    let failback = match (rec["failbackSeconds"].as_f64(), rec["restoredAt"].as_str()) {
        (Some(fb), Some(_)) => {
            let restored = epoch(&rec["restoredAt"]);
            flip_at(local, record, "127.0.0.1", flipped).map(|back| (fb, back - restored))
        }
        _ => None,
    };
    Ok((measured, flipped - injected, failback))
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { f64::NAN } else { values.iter().sum::<f64>() / values.len() as f64 }
}

fn abs_sorted(values: &[f64]) -> Vec<f64> {
    let mut abs: Vec<f64> = values.iter().map(|e| e.abs()).collect();
    abs.sort_by(f64::total_cmp);
    abs
}

fn summarize(samples: &[Sample], requested: usize, scale: f64, nominal: u32, predicted: f64, total: f64) {
    let errors: Vec<f64> = samples.iter().map(Sample::error).collect();
    let abs = abs_sorted(&errors);
    let fb_errors: Vec<f64> = samples.iter().filter_map(Sample::failback_error).collect();
    let fb_abs = abs_sorted(&fb_errors);
    let rtos: Vec<f64> = samples.iter().map(|s| s.measured).collect();
    let truths: Vec<f64> = samples.iter().map(|s| s.truth).collect();
    let min = rtos.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rtos.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean_rto = mean(&rtos);
    let ratio = mean_rto / predicted;
    let walls: Vec<f64> = samples.iter().map(|s| s.wall).collect();
    let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);

    println!(
        "Summary ({} of {requested} drills succeeded; time scale {scale}; seconds are real seconds)",
        samples.len()
    );
    println!(
        "  RTO error        mean {:+.3}  mean|e| {:.3}  max|e| {:.3}  p50|e| {:.3}  p95|e| {:.3}  (DNS poll {} ms)",
        mean(&errors),
        mean(&abs),
        last(&abs),
        percentile(&abs, 50.0),
        percentile(&abs, 95.0),
        DNS_POLL_MS
    );
    println!(
        "  failback error   n {}  mean {:+.3}  mean|e| {:.3}  max|e| {:.3}  p50|e| {:.3}  p95|e| {:.3}",
        fb_errors.len(),
        mean(&fb_errors),
        mean(&fb_abs),
        last(&fb_abs),
        percentile(&fb_abs, 50.0),
        percentile(&fb_abs, 95.0)
    );
    println!(
        "  measured RTO     mean {mean_rto:.3}  min {min:.3}  max {max:.3}  (ground truth mean {:.3})",
        mean(&truths)
    );
    println!(
        "  predicted RTO    {predicted:.3} ({nominal}s nominal x {scale}); measured/predicted {ratio:.3} (mean), \
         {:.3} (max)",
        max / predicted
    );
    println!("  drill wall time  mean {:.2}  total {total:.1} (including local AWS start-up)", mean(&walls));
    println!();
    println!(
        "drill_precision n={} requested={requested} time_scale={scale} mean_err_s={:.3} mean_abs_err_s={:.3} \
         max_abs_err_s={:.3} p50_abs_err_s={:.3} p95_abs_err_s={:.3} failback_mean_err_s={:.3} \
         failback_max_abs_err_s={:.3} rto_mean_s={mean_rto:.3} rto_min_s={min:.3} rto_max_s={max:.3} \
         predicted_rto_s={predicted:.3} predicted_rto_nominal_s={nominal} measured_over_predicted={ratio:.3} \
         wall_s={total:.1}",
        samples.len(),
        mean(&errors),
        mean(&abs),
        last(&abs),
        percentile(&abs, 50.0),
        percentile(&abs, 95.0),
        mean(&fb_errors),
        last(&fb_abs),
    );
}
