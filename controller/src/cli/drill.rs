//! `regional-failover drill -f FILE --drill NAME`: one drill without a cluster, stepped by the same
//! runner the operator uses. The record is kept in memory and printed; the health check ends
//! exactly as it began, also on Ctrl-C. It takes the same AWS-side lock as every operator.

use std::{
    path::Path,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::Utc;
use kube::ResourceExt;
use regional_failover::{
    api::{DrillPhase, DrillRecord, DrillTrigger},
    aws::{self, Aws, AwsOptions, Budget, BudgetConfig},
    drill::{
        actions::{DrillEnv, FailsafeConfig},
        evidence::{AbortCause, HostFacts},
        lock, machine,
        runner::{self, DrillHost},
        sense::Senses,
    },
    telemetry::{self, LogFormat},
};

use super::{Output, fail, read_manifests};

/// Keeps the record in memory.
struct CliHost;

impl DrillHost for CliHost {
    async fn persist(&mut self, record: &DrillRecord) -> Result<(), String> {
        tracing::debug!(phase = ?record.phase, reason = ?record.reason, "drill record");
        Ok(())
    }
}

/// What a CI pipeline adds to a drill: a stricter RTO bound and a JUnit report.
pub struct Gates {
    pub max_rto: Option<f64>,
    pub junit: Option<std::path::PathBuf>,
}

pub async fn drill(
    file: &Path,
    drill_name: &str,
    output: Output,
    log_format: LogFormat,
    failsafe: FailsafeConfig,
    gates: Gates,
) -> ExitCode {
    aws::install_crypto_provider();
    telemetry::init(log_format);
    let objects = match read_manifests(file) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    let Some(rf) = objects.iter().find(|rf| rf.spec.drills.iter().any(|d| d.name == drill_name)) else {
        return fail(&format!("no RegionalFailover in {} declares a drill named {drill_name:?}", file.display()));
    };
    let Some(spec_drill) = rf.spec.drills.iter().find(|d| d.name == drill_name) else {
        return fail("drill vanished");
    };
    let aws = Aws::new(AwsOptions::default(), Arc::new(Budget::new(BudgetConfig::default()))).await;
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    tokio::spawn(async move {
        interrupt().await;
        flag.store(true, Ordering::SeqCst);
        eprintln!("interrupted: restoring the health check before exiting");
    });
    let namespace = rf.namespace().unwrap_or_else(|| "default".into());
    let name = rf.name_any();
    let now = Utc::now();
    let runner_id = format!("drill command on {} (pid {})", hostname(), std::process::id());
    let holder = lock::holder(&runner_id, &namespace, &name, drill_name, now);
    let mut record = machine::start(
        drill_name,
        DrillTrigger::Cli,
        spec_drill.timeout_seconds,
        rf.spec.objectives.rto_seconds,
        &holder,
        now,
    );
    let env = DrillEnv { aws: &aws, spec: &rf.spec, failsafe: &failsafe };
    let mut senses = Senses::default();
    let mut denied: Option<String> = None;
    while !machine::is_terminal(record.phase) {
        let facts = HostFacts {
            suspended: rf.spec.suspend,
            drills_stopped: None,
            failsafe_configured: failsafe.role_arn.is_some(),
            abort: interrupted.load(Ordering::SeqCst).then_some(AbortCause::Interrupted),
            unreachable: None,
        };
        let outcome = runner::advance(&env, &mut senses, &mut CliHost, &record, facts).await;
        denied = denied.or(outcome.denied);
        record = outcome.record;
        tokio::time::sleep(runner::next_step_in(&record)).await;
    }
    match output {
        Output::Json => match serde_json::to_string_pretty(&record) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(&e.to_string()),
        },
        Output::Table => print_timeline(&name, &record),
    }
    if let Some(path) = &gates.junit
        && let Err(e) = std::fs::write(path, super::junit::report(&name, &record, gates.max_rto))
    {
        return fail(&format!("cannot write {}: {e}", path.display()));
    }
    if let Some(sentence) = denied {
        return fail(&sentence);
    }
    let succeeded = record.phase == DrillPhase::Succeeded && record.passed == Some(true);
    let within_gate = match (gates.max_rto, record.measured_rto_seconds) {
        (Some(max), Some(rto)) => rto <= max,
        (Some(_), None) => false,
        (None, _) => true,
    };
    if succeeded && !within_gate {
        eprintln!(
            "measured RTO {:.1}s is above --max-rto {:.1}s",
            record.measured_rto_seconds.unwrap_or_default(),
            gates.max_rto.unwrap_or_default()
        );
    }
    ExitCode::from(u8::from(!(succeeded && within_gate)))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".into())
}

fn print_timeline(name: &str, r: &DrillRecord) {
    println!(
        "{name}: drill {} {:?}{}",
        r.name,
        r.phase,
        r.reason.as_ref().map(|x| format!(" ({x})")).unwrap_or_default()
    );
    if let Some(m) = &r.message {
        println!("  {m}");
    }
    let stamps = [
        ("started", Some(r.started_at)),
        ("injected", r.injected_at),
        ("first unhealthy", r.first_unhealthy_at),
        ("DNS failed over", r.dns_failed_over_at),
        ("restored", r.restored_at),
        ("DNS failed back", r.dns_failed_back_at),
        ("finished", r.finished_at),
    ];
    for (label, at) in stamps {
        if let Some(at) = at {
            println!("  {label:<16} {}", at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
    }
    for s in &r.servers {
        let at = |t: Option<chrono::DateTime<Utc>>| {
            t.map_or("-".to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        println!("  server {:<24} over {}  back {}", s.server, at(s.failed_over_at), at(s.failed_back_at));
    }
    if let Some(rto) = r.measured_rto_seconds {
        println!("  measured RTO     {rto:.1}s (objective {}s)", r.objective_rto_seconds.unwrap_or_default());
    }
    if let Some(back) = r.failback_seconds {
        println!("  failback         {back:.1}s");
    }
    if let Some(s) = &r.failsafe_schedule {
        println!("  fail-safe/lock   {s}");
    }
}

async fn interrupt() {
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
