//! `regional-failover drill -f FILE --drill NAME`: one drill without a cluster. The record is
//! kept in memory and printed; the health check ends exactly as it began, also on Ctrl-C.

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
    api::{DrillPhase, DrillRecord, DrillTrigger, validate},
    aws::{self, Aws, AwsOptions, Budget, BudgetConfig},
    drill::{
        machine::{self, AbortCause},
        runner::{self, DrillEnv, DrillHost, FailsafeConfig},
        sense::HostFacts,
    },
    observe,
    telemetry::{self, LogFormat},
};

use super::{Output, fail, read_input};

/// Keeps the record in memory; an interrupt turns into an abort, which restores.
struct CliHost {
    interrupted: Arc<AtomicBool>,
    suspended: bool,
}

impl DrillHost for CliHost {
    async fn persist(&mut self, record: &DrillRecord) -> Result<(), String> {
        tracing::debug!(phase = ?record.phase, "drill record");
        Ok(())
    }

    async fn facts(&mut self, _phase: DrillPhase) -> HostFacts {
        let abort = self.interrupted.load(Ordering::SeqCst).then_some(AbortCause::Interrupted);
        HostFacts { abort, suspended: self.suspended, ..HostFacts::default() }
    }
}

pub async fn drill(
    file: &Path,
    drill_name: &str,
    output: Output,
    log_format: LogFormat,
    failsafe: FailsafeConfig,
) -> ExitCode {
    aws::install_crypto_provider();
    telemetry::init(log_format);
    let yaml = match read_input(file) {
        Ok(y) => y,
        Err(e) => return fail(&e.to_string()),
    };
    let objects = match validate::parse_manifests(&yaml) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    let Some(rf) = objects.iter().find(|rf| rf.spec.drills.iter().any(|d| d.name == drill_name)) else {
        return fail(&format!("no RegionalFailover in {} declares a drill named {drill_name:?}", file.display()));
    };
    if let Some(e) = observe::spec_error(rf) {
        return fail(&format!("{}: {e}", rf.name_any()));
    }
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
    let env = DrillEnv { aws: &aws, spec: &rf.spec, failsafe: &failsafe, namespace: &namespace, name: &name };
    let start = machine::start(
        drill_name,
        DrillTrigger::Cli,
        spec_drill.timeout_seconds,
        rf.spec.objectives.rto_seconds,
        Utc::now(),
    );
    let mut host = CliHost { interrupted, suspended: rf.spec.suspend };
    let record = runner::drive(&env, &mut host, start).await;
    match output {
        Output::Json => match serde_json::to_string_pretty(&record) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(&e.to_string()),
        },
        Output::Table => print_timeline(&name, &record),
    }
    ExitCode::from(u8::from(record.phase != DrillPhase::Succeeded))
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
    if let Some(rto) = r.measured_rto_seconds {
        println!("  measured RTO     {rto:.1}s (objective {}s)", r.objective_rto_seconds.unwrap_or_default());
    }
    if let Some(back) = r.failback_seconds {
        println!("  failback         {back:.1}s");
    }
    if let Some(s) = &r.failsafe_schedule {
        println!("  fail-safe        {s}");
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
