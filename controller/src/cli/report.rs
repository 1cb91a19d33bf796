//! `regional-failover report -f FILE [--format md|json]`: the runbook and drill evidence of each
//! RegionalFailover in FILE, with its preflight checks judged against live AWS and DNS now (read
//! only: nothing is locked or changed).

use std::{path::Path, process::ExitCode, sync::Arc};

use chrono::Utc;
use kube::ResourceExt;
use regional_failover::{
    api::DrillTrigger,
    aws::{self, Aws, AwsOptions, Budget, BudgetConfig},
    drill::{evidence::HostFacts, machine, preflight, sense::Senses},
    report,
    telemetry::{self, LogFormat},
};

use super::{ReportFormat, fail, read_manifests};

pub async fn report(file: &Path, format: ReportFormat, log_format: LogFormat) -> ExitCode {
    aws::install_crypto_provider();
    telemetry::init(log_format);
    let objects = match read_manifests(file) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    let aws = Aws::new(AwsOptions::default(), Arc::new(Budget::new(BudgetConfig::default()))).await;
    let operator_namespace = std::env::var("RF_OPERATOR_NAMESPACE").unwrap_or_else(|_| "regional-failover".into());
    let mut reports = Vec::new();
    for rf in &objects {
        let namespace = rf.namespace().unwrap_or_else(|| "default".into());
        let name = rf.name_any();
        // The preflight a drill would judge now, from the same reads.
        let probe =
            machine::start("report", DrillTrigger::Cli, 600, rf.spec.objectives.rto_seconds, "report", Utc::now());
        let mut preflight_record = probe;
        preflight_record.phase = regional_failover::api::DrillPhase::Preflight;
        let host = HostFacts {
            suspended: rf.spec.suspend,
            drills_stopped: None,
            failsafe_configured: std::env::var("RF_FAILSAFE_ROLE_ARN").is_ok_and(|r| !r.is_empty()),
            abort: None,
            unreachable: None,
        };
        let mut senses = Senses::default();
        // Boxed: the preflight's joined reads make a deep future type.
        let obs = Box::pin(senses.observe(&rf.spec, &aws, &preflight_record, host, Utc::now())).await;
        let checks = preflight::judged(&obs).checks;
        let input = report::Input {
            namespace: &namespace,
            name: &name,
            spec: &rf.spec,
            status: rf.status.as_ref(),
            preflight: checks,
            operator_namespace: &operator_namespace,
        };
        reports.push(report::build(&input));
    }
    match format {
        ReportFormat::Md => {
            for r in &reports {
                println!("{}", report::markdown(r));
            }
        }
        ReportFormat::Json => match serde_json::to_string_pretty(&reports) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(&e.to_string()),
        },
    }
    ExitCode::SUCCESS
}
