//! `regional-failover check -f FILE`: one verification cycle per object, no cluster needed.

use std::{path::Path, process::ExitCode, sync::Arc};

use chrono::Utc;
use kube::ResourceExt;
use regional_failover::{
    api::{ConditionStatus, Finding, HealthState, RegionalFailoverStatus},
    aws::{self, Aws, AwsOptions, Budget, BudgetConfig},
    observe,
    status::{self, AwsRead, ConditionReason, ConditionType, find_condition, sentences},
    telemetry::{self, LogFormat},
    verify::{self, Impact},
};
use serde_json::json;

use super::{Output, fail, read_manifests};

pub async fn check(file: &Path, output: Output, log_format: LogFormat) -> ExitCode {
    aws::install_crypto_provider();
    telemetry::init(log_format);
    let objects = match read_manifests(file) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    let aws = Aws::new(AwsOptions::default(), Arc::new(Budget::new(BudgetConfig::default()))).await;
    let mut results = Vec::new();
    let mut worst = 0u8;
    for rf in &objects {
        let now = Utc::now();
        let previous = RegionalFailoverStatus::default();
        let observed = observe::observe(&rf.spec, &previous, &aws, now).await;
        if let AwsRead::Failed(e) = &observed.aws {
            return fail(&format!("{}: cannot read AWS: {}", rf.name_any(), sentences::aws_error(e)));
        }
        let assembled = status::assemble(&rf.spec, rf.metadata.generation, &previous, &observed, now);
        worst = worst.max(verdict(&assembled.status));
        // A denied call is the operator's role, not the deployment: the same sentence as the
        // operator's condition, and exit 2 as for a read that failed outright (docs/architecture.md, "Errors").
        for sentence in denied(&assembled.status) {
            eprintln!("{}: {sentence}", rf.name_any());
            worst = 2;
        }
        results.push((rf.namespace(), rf.name_any(), assembled.status));
    }
    match output {
        Output::Json => {
            let list: Vec<_> =
                results.iter().map(|(ns, name, s)| json!({"namespace": ns, "name": name, "status": s})).collect();
            match serde_json::to_string_pretty(&list) {
                Ok(text) => println!("{text}"),
                Err(e) => return fail(&e.to_string()),
            }
        }
        Output::Table => {
            for (_, name, s) in &results {
                print_table(name, s);
            }
        }
    }
    ExitCode::from(worst)
}

/// 0 in sync and healthy, 1 drift or unhealthy (the primary, or replication behind the RPO).
fn verdict(s: &RegionalFailoverStatus) -> u8 {
    let unhealthy = s.health.as_ref().is_some_and(|h| h.status == HealthState::Unhealthy);
    let in_sync =
        find_condition(&s.conditions, ConditionType::InSync).is_some_and(|c| c.status == ConditionStatus::True);
    let replication_failing = find_condition(&s.conditions, ConditionType::ReplicationHealthy)
        .is_some_and(|c| c.status == ConditionStatus::False);
    u8::from(!s.drift.is_empty() || unhealthy || !in_sync || replication_failing)
}

/// The messages of conditions that report an AccessDenied, each once.
fn denied(s: &RegionalFailoverStatus) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in s.conditions.iter().filter(|c| c.reason == ConditionReason::AccessDenied.as_str()) {
        if !out.contains(&c.message.as_str()) {
            out.push(&c.message);
        }
    }
    out
}

fn print_table(name: &str, s: &RegionalFailoverStatus) {
    println!("{name}");
    println!("  active region   {}", s.active_region.as_deref().unwrap_or("unknown"));
    let health =
        s.health.as_ref().map(|h| format!("{:?} ({}/{} checkers)", h.status, h.checkers_healthy, h.checkers_reporting));
    println!("  health          {}", health.unwrap_or_else(|| "unknown".into()));
    if let Some(p) = s.predicted_rto_seconds {
        println!("  predicted RTO   {p}s");
    }
    if let Some(p) = s.predicted_failback_seconds {
        println!("  failback        {p}s (predicted, incl. the SECONDARY's TTL)");
    }
    for c in &s.conditions {
        println!("  {:<18}{:<8}{:<28}{}", c.type_, format!("{:?}", c.status), c.reason, c.message);
    }
    if s.drift.is_empty() {
        println!("  drift           none");
    }
    for (impact, findings) in grouped(&s.drift) {
        println!("  {} ({})", impact.label().to_uppercase(), findings.len());
        for f in findings {
            println!("    {:<36} {} {}: expected {}, found {}", f.code, f.resource, f.field, f.expected, f.actual);
            println!("    {:<36} {}", "", f.message);
        }
    }
}

/// Findings grouped by what they break, worst group first; each group keeps the status order.
fn grouped(findings: &[Finding]) -> Vec<(Impact, Vec<&Finding>)> {
    Impact::ALL
        .iter()
        .map(|&i| (i, findings.iter().filter(|f| verify::impact_of(&f.code) == i).collect::<Vec<_>>()))
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
