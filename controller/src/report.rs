//! PURE: the runbook and drill evidence of one RegionalFailover, rendered from its live spec, status
//! and preflight reads (seed 004's five parts: decision criteria, preflight checks, ordered steps
//! with rollback, a communication template, post-failover validation; plus the last drills'
//! waterfalls). `regional-failover report` prints it; the operator keeps it in a ConfigMap.

mod markdown;

use serde::Serialize;

use crate::{
    api::{
        DrillRecord, HealthCheckType, PreflightCheck, RegionalFailoverSpec, RegionalFailoverStatus, ValidationResult,
    },
    drill::trigger::RUN_DRILL_ANNOTATION,
    verify,
};

pub use markdown::markdown;

/// What the report is made from.
pub struct Input<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub spec: &'a RegionalFailoverSpec,
    pub status: Option<&'a RegionalFailoverStatus>,
    /// Preflight checks as judged now (CLI) or by the last drill (operator).
    pub preflight: Vec<PreflightCheck>,
    /// Where the stop switch lives (the operator's namespace).
    pub operator_namespace: &'a str,
}

/// The report as data (`--format json`); the Markdown is rendered from it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub object: String,
    pub decision_criteria: Vec<String>,
    pub preflight: Vec<PreflightCheck>,
    pub steps: Vec<Step>,
    pub communication: String,
    pub post_failover_validation: Validation,
    pub drills: Vec<DrillSummary>,
    /// The last real failover or failback the operator saw, with its waterfall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_failover: Option<crate::api::WitnessedFailover>,
}

/// One ordered step: what to run, and how to undo it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub title: String,
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    pub checklist: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_result: Option<ValidationResult>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrillSummary {
    pub name: String,
    pub phase: String,
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_rto_seconds: Option<f64>,
    pub waterfall: Vec<crate::api::WaterfallStage>,
}

/// Builds the report.
pub fn build(input: &Input<'_>) -> Report {
    let spec = input.spec;
    let hc = &spec.health_check;
    let p = verify::predicted_stages(spec, None);
    let predicted = verify::predicted_rto_seconds(spec, None);
    let (ns, name) = (input.namespace, input.name);
    let object = format!("{ns}/{name}");
    let record = spec.dns.record_name.trim_end_matches('.');
    let decision_criteria = vec![
        format!(
            "Route 53 fails over by itself when {}: about {} s to detect, {} s to propagate, {} s of resolver TTL — \
             {predicted} s predicted (objective {} s).",
            failover_condition(spec),
            p.detection,
            p.propagation,
            p.ttl,
            spec.objectives.rto_seconds
        ),
        format!(
            "Declare a regional incident when status.activeRegion is {} (DNS answers with the standby) or PrimaryHealthy \
             stays False: the failover is already happening; nobody needs to act for it.",
            spec.secondary.region
        ),
        format!(
            "Act by hand only when the primary is down and DNS still answers with it after {predicted} s: force the \
             failover (step 3), then investigate why Route 53 did not."
        ),
        format!(
            "Data: the standby may serve stale data while replication lags more than the {} s recovery point objective \
             (ReplicationHealthy).",
            spec.objectives.rpo_seconds
        ),
    ];
    let stop = format!(
        "kubectl -n {} create configmap regional-failover-stop-drills --from-literal=reason=incident",
        input.operator_namespace
    );
    let steps = vec![
        Step {
            title: "Confirm what DNS answers and what the operator sees".into(),
            command: format!("kubectl -n {ns} get regionalfailover {name} -o wide"),
            rollback: None,
        },
        Step {
            title: "Stop drills for the duration of the incident".into(),
            command: stop,
            rollback: Some(format!(
                "kubectl -n {} delete configmap regional-failover-stop-drills",
                input.operator_namespace
            )),
        },
        Step {
            title: "Force the failover if Route 53 has not (the check reads unhealthy while inverted)".into(),
            command: format!("aws route53 update-health-check --health-check-id {} --inverted", hc.id),
            rollback: Some(format!("aws route53 update-health-check --health-check-id {} --no-inverted", hc.id)),
        },
        Step {
            title: "Verify the standby serves through the record's name".into(),
            command: format!(
                "curl -fsS --connect-to {record}:{port}:{standby}:{port} {scheme}://{record}:{port}{path}",
                port = hc.port,
                standby = spec.secondary.endpoint,
                scheme = if matches!(hc.probe_kind(), crate::api::HealthCheckType::HTTP) { "http" } else { "https" },
                path = spec.post_failover_validation.as_ref().map_or(hc.resource_path.as_str(), |v| v.path.as_str())
            ),
            rollback: None,
        },
        Step {
            title: "After recovery, prove failover again with a drill".into(),
            command: format!(
                "kubectl -n {ns} annotate regionalfailover {name} {RUN_DRILL_ANNOTATION}={}/after-incident --overwrite",
                first_drill(spec)
            ),
            rollback: None,
        },
    ];
    let last_rto = input
        .status
        .and_then(|s| s.drill.as_ref())
        .and_then(|d| d.last.as_ref())
        .and_then(|d| d.measured_rto_seconds)
        .map_or_else(|| "not measured yet".to_string(), |s| format!("{s:.1} s"));
    let communication = format!(
        "[{object}] The API behind {record} is failing over from {} to {} ({}). Route 53 moves clients by itself; \
         the last drill measured {last_rto} (objective {} s). Next update in 15 minutes.",
        spec.primary.region, spec.secondary.region, spec.secondary.endpoint, spec.objectives.rto_seconds
    );
    // The latest answer of the standby: a real failover's, else the last drill's.
    let witnessed = input.status.and_then(|s| s.last_failover.as_deref().cloned());
    let last_result = witnessed.as_ref().and_then(|w| w.post_failover_validation.clone()).or_else(|| {
        input
            .status
            .and_then(|s| s.drill.as_ref())
            .and_then(|d| d.last.as_ref())
            .and_then(|d| d.post_failover_validation.clone())
    });
    let validation = Validation {
        checklist: vec![
            format!("Every authoritative server answers {record} with {}.", spec.secondary.endpoint),
            match &spec.post_failover_validation {
                Some(v) => format!(
                    "GET {} through {record} answers HTTP {} within {} ms.",
                    v.path,
                    v.expect_status,
                    v.max_latency_ms.map_or_else(|| format!("{} s", v.timeout_seconds), |m| m.to_string())
                ),
                None => "Set spec.postFailoverValidation so drills prove the standby serves.".into(),
            },
            format!("The table's replica in {} is ACTIVE and within the RPO.", spec.secondary.region),
        ],
        last_result,
    };
    let drills = input
        .status
        .and_then(|s| s.drill.as_ref())
        .map(|d| d.history.iter().take(5).map(summary).collect())
        .unwrap_or_default();
    Report {
        object,
        decision_criteria,
        preflight: input.preflight.clone(),
        steps,
        communication,
        post_failover_validation: validation,
        drills,
        last_failover: witnessed,
    }
}

/// What makes the PRIMARY record's health check unhealthy, in Route 53's terms for its type.
fn failover_condition(spec: &RegionalFailoverSpec) -> String {
    let hc = &spec.health_check;
    let kind = verify::health_check_type_str(hc.kind);
    match hc.kind {
        HealthCheckType::Calculated => format!(
            "fewer than {} of the {} child health checks of the {kind} check {} are healthy",
            hc.health_threshold.unwrap_or(1),
            hc.child_health_checks.len(),
            hc.id
        ),
        HealthCheckType::CloudWatchMetric => {
            let alarm = hc
                .alarm
                .as_ref()
                .map_or_else(|| "its alarm".to_string(), |a| format!("the alarm {} in {}", a.name, a.region));
            format!("{alarm}, which the {kind} check {} follows, goes into ALARM", hc.id)
        }
        HealthCheckType::HTTP | HealthCheckType::HTTPS | HealthCheckType::TCP => {
            // A TCP check only connects: it requests no path.
            let path = if hc.kind == HealthCheckType::TCP { "" } else { hc.resource_path.as_str() };
            format!(
                "18 % or fewer of its checkers see {}:{}{path} healthy for {} consecutive checks {} s apart ({kind} check {})",
                spec.primary.endpoint, hc.port, hc.failure_threshold, hc.request_interval_seconds, hc.id
            )
        }
    }
}

fn first_drill(spec: &RegionalFailoverSpec) -> String {
    spec.drills.first().map_or_else(|| "<drill>".to_string(), |d| d.name.clone())
}

fn summary(r: &DrillRecord) -> DrillSummary {
    DrillSummary {
        name: r.name.clone(),
        phase: format!("{:?}", r.phase),
        started_at: r.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        measured_rto_seconds: r.measured_rto_seconds,
        waterfall: r.waterfall.clone(),
    }
}

#[cfg(test)]
mod tests;
