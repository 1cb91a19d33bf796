//! Conditions in the metav1.Condition shape (design §3).

use chrono::{DateTime, Utc};

use crate::api::{
    Condition, ConditionStatus, DrillPhase, DrillRecord, Finding, HealthSource, HealthState, HealthStatus, Objectives,
    ReplicationStatus,
};

/// Condition types, in the order they appear in `status.conditions`.
pub struct ConditionTypes;

impl ConditionTypes {
    pub const READY: &'static str = "Ready";
    pub const IN_SYNC: &'static str = "InSync";
    pub const PRIMARY_HEALTHY: &'static str = "PrimaryHealthy";
    pub const REPLICATION_HEALTHY: &'static str = "ReplicationHealthy";
    pub const WITHIN_OBJECTIVE: &'static str = "WithinObjective";
    pub const DRILL_SUCCEEDED: &'static str = "DrillSucceeded";
    pub const ALL: [&'static str; 6] = [
        Self::READY,
        Self::IN_SYNC,
        Self::PRIMARY_HEALTHY,
        Self::REPLICATION_HEALTHY,
        Self::WITHIN_OBJECTIVE,
        Self::DRILL_SUCCEEDED,
    ];
}

/// Condition reasons: stable CamelCase strings automation may match on.
pub struct Reasons;

impl Reasons {
    pub const FAILOVER_READY: &'static str = "FailoverReady";
    pub const INVALID_SPEC: &'static str = "InvalidSpec";
    pub const AWS_UNREACHABLE: &'static str = "AwsUnreachable";
    pub const NO_DRIFT: &'static str = "NoDrift";
    pub const DRIFT_DETECTED: &'static str = "DriftDetected";
    pub const HEALTH_CHECK_HEALTHY: &'static str = "HealthCheckHealthy";
    pub const HEALTH_CHECK_UNHEALTHY: &'static str = "HealthCheckUnhealthy";
    pub const HEALTH_UNKNOWN: &'static str = "HealthUnknown";
    pub const DRILL_IN_PROGRESS: &'static str = "DrillInProgress";
    pub const REPLICAS_ACTIVE: &'static str = "ReplicasActive";
    pub const REPLICA_NOT_ACTIVE: &'static str = "ReplicaNotActive";
    pub const NO_REPLICAS: &'static str = "NoReplicas";
    pub const LAG_ABOVE_OBJECTIVE: &'static str = "LagAboveObjective";
    pub const REPLICATION_UNKNOWN: &'static str = "ReplicationUnknown";
    pub const RTO_WITHIN_OBJECTIVE: &'static str = "RtoWithinObjective";
    pub const PREDICTED_RTO_ABOVE_OBJECTIVE: &'static str = "PredictedRtoAboveObjective";
    pub const MEASURED_RTO_ABOVE_OBJECTIVE: &'static str = "MeasuredRtoAboveObjective";
    pub const NO_DRILL_YET: &'static str = "NoDrillYet";
    pub const DRILL_SUCCEEDED: &'static str = "DrillSucceeded";
    pub const DRILL_MISSED_OBJECTIVE: &'static str = "DrillMissedObjective";
    pub const DRILL_FAILED: &'static str = "DrillFailed";
    pub const DRILL_ABORTED: &'static str = "DrillAborted";
    pub const DRILL_NOT_FINISHED: &'static str = "DrillNotFinished";
}

/// Everything the conditions are computed from, for one reconcile.
#[derive(Clone, Copy, Debug)]
pub struct StatusInput<'a> {
    /// Why the spec is unusable (failed validation); nothing was compared.
    pub spec_error: Option<&'a str>,
    /// Why AWS could not be read at all this cycle; AWS-derived conditions become Unknown.
    pub aws_error: Option<&'a str>,
    /// Result of `verify::verify`.
    pub findings: &'a [Finding],
    /// The checkers' verdict, when read.
    pub health: Option<&'a HealthStatus>,
    /// Replica states and lag, when read.
    pub replication: Option<&'a ReplicationStatus>,
    pub objectives: &'a Objectives,
    /// `verify::predicted_rto_seconds(spec)`.
    pub predicted_rto_seconds: u32,
    /// The most recently finished drill.
    pub last_drill: Option<&'a DrillRecord>,
    /// A drill of this operator is running (its injected failure is expected).
    pub drill_in_progress: bool,
}

struct Verdict {
    status: ConditionStatus,
    reason: &'static str,
    message: String,
}

fn v(status: ConditionStatus, reason: &'static str, message: impl Into<String>) -> Verdict {
    Verdict { status, reason, message: message.into() }
}

use ConditionStatus::{False, True, Unknown};

/// The six conditions in [`ConditionTypes::ALL`] order. `lastTransitionTime` is carried over from
/// `previous` when a condition's status did not change, so it says since when the state holds.
pub fn conditions(
    input: &StatusInput<'_>,
    previous: &[Condition],
    now: DateTime<Utc>,
    generation: Option<i64>,
) -> Vec<Condition> {
    let parts = [
        (ConditionTypes::IN_SYNC, in_sync(input)),
        (ConditionTypes::PRIMARY_HEALTHY, primary_healthy(input)),
        (ConditionTypes::REPLICATION_HEALTHY, replication_healthy(input)),
        (ConditionTypes::WITHIN_OBJECTIVE, within_objective(input)),
        (ConditionTypes::DRILL_SUCCEEDED, drill_succeeded(input)),
    ];
    let ready = ready(input, &parts);
    std::iter::once((ConditionTypes::READY, ready))
        .chain(parts)
        .map(|(type_, verdict)| {
            let last_transition_time = find_condition(previous, type_)
                .filter(|c| c.status == verdict.status)
                .map_or(now, |c| c.last_transition_time);
            Condition {
                type_: type_.to_string(),
                status: verdict.status,
                observed_generation: generation,
                last_transition_time,
                reason: verdict.reason.to_string(),
                message: verdict.message,
            }
        })
        .collect()
}

/// The condition of the given type.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Conditions that need AWS: Unknown when the spec is invalid or AWS could not be read.
fn blocked(input: &StatusInput<'_>, what: &str) -> Option<Verdict> {
    if let Some(e) = input.spec_error {
        return Some(v(Unknown, Reasons::INVALID_SPEC, format!("The spec is invalid, so {what} was not checked: {e}")));
    }
    input.aws_error.map(|e| {
        v(
            Unknown,
            Reasons::AWS_UNREACHABLE,
            format!("AWS could not be read, so {what} is unknown: {e}. Check the operator's credentials, IAM policy and network."),
        )
    })
}

fn in_sync(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "drift") {
        return b;
    }
    if input.findings.is_empty() {
        return v(True, Reasons::NO_DRIFT, "The live Route 53 and DynamoDB resources match the spec.");
    }
    let mut codes: Vec<(&str, usize)> = Vec::new();
    for f in input.findings {
        match codes.iter_mut().find(|(c, _)| *c == f.code) {
            Some((_, n)) => *n += 1,
            None => codes.push((&f.code, 1)),
        }
    }
    let list: Vec<String> =
        codes.iter().map(|(c, n)| if *n > 1 { format!("{c} ({n})") } else { (*c).to_string() }).collect();
    let n = input.findings.len();
    let noun = if n == 1 { "difference" } else { "differences" };
    v(False, Reasons::DRIFT_DETECTED, format!("{n} {noun} from the spec: {} (see status.drift)", list.join(", ")))
}

fn primary_healthy(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "the primary's health") {
        return b;
    }
    let Some(h) = input.health else {
        return v(Unknown, Reasons::HEALTH_UNKNOWN, "Route 53's checkers have not been asked about the primary yet.");
    };
    let (ok, all) = (h.checkers_healthy, h.checkers_reporting);
    match h.status {
        HealthState::Healthy if h.source == HealthSource::Dns => {
            let detail = if all > 0 { format!(" (last checker read: {ok} of {all} healthy)") } else { String::new() };
            v(
                True,
                Reasons::HEALTH_CHECK_HEALTHY,
                format!("Route 53's name servers answer with the primary, so its health check passes{detail}."),
            )
        }
        HealthState::Healthy => {
            v(True, Reasons::HEALTH_CHECK_HEALTHY, format!("{ok} of {all} Route 53 checkers see the primary healthy."))
        }
        HealthState::Unhealthy if input.drill_in_progress => v(
            False,
            Reasons::DRILL_IN_PROGRESS,
            format!(
                "A drill has inverted the health check, so the primary looks down on purpose ({ok} of {all} checkers see it healthy)."
            ),
        ),
        HealthState::Unhealthy if h.source == HealthSource::Dns => v(
            False,
            Reasons::HEALTH_CHECK_UNHEALTHY,
            "Route 53's name servers answer with the secondary, so the primary's health check fails. \
             Investigate the primary endpoint."
                .to_string(),
        ),
        HealthState::Unhealthy => v(
            False,
            Reasons::HEALTH_CHECK_UNHEALTHY,
            format!(
                "Only {ok} of {all} Route 53 checkers see the primary healthy (more than 18 % are needed): DNS answers with the secondary. \
                 Investigate the primary endpoint."
            ),
        ),
        HealthState::Unknown => v(
            Unknown,
            Reasons::HEALTH_UNKNOWN,
            "No Route 53 checker reports on the primary yet: the health check may be new or disabled.",
        ),
    }
}

fn replication_healthy(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "replication") {
        return b;
    }
    let Some(r) = input.replication else {
        return v(Unknown, Reasons::REPLICATION_UNKNOWN, "The table's replicas have not been read yet.");
    };
    if r.replicas.is_empty() {
        return v(
            False,
            Reasons::NO_REPLICAS,
            "The table has no replicas: the secondary region has no copy of the data.",
        );
    }
    let bad: Vec<String> =
        r.replicas.iter().filter(|x| x.status != "ACTIVE").map(|x| format!("{} ({})", x.region, x.status)).collect();
    if !bad.is_empty() {
        return v(
            False,
            Reasons::REPLICA_NOT_ACTIVE,
            format!(
                "Not every replica is ACTIVE: {}. A failover there could serve missing or stale data; see status.drift.",
                bad.join(", ")
            ),
        );
    }
    let rpo = f64::from(input.objectives.rpo_seconds);
    let lag = r
        .replicas
        .iter()
        .filter_map(|x| x.lag_seconds)
        .chain(r.lag_seconds)
        .fold(None, |m: Option<f64>, l| Some(m.map_or(l, |m| m.max(l))));
    match lag {
        Some(l) if l > rpo => v(
            False,
            Reasons::LAG_ABOVE_OBJECTIVE,
            format!(
                "Replication lag is {l:.1} s, above the {rpo} s recovery point objective: a failover now would lose recent writes. \
                 Check the secondary's write throttling and the ReplicationLatency metric."
            ),
        ),
        Some(l) => v(
            True,
            Reasons::REPLICAS_ACTIVE,
            format!("All {} replicas are ACTIVE; last measured lag {l:.1} s (objective {rpo} s).", r.replicas.len()),
        ),
        None => v(
            True,
            Reasons::REPLICAS_ACTIVE,
            format!(
                "All {} replicas are ACTIVE; lag is not measured (enable table.replicationProbe to measure it).",
                r.replicas.len()
            ),
        ),
    }
}

fn within_objective(input: &StatusInput<'_>) -> Verdict {
    if let Some(e) = input.spec_error {
        return v(Unknown, Reasons::INVALID_SPEC, format!("The spec is invalid, so the RTO was not predicted: {e}"));
    }
    let rto = input.objectives.rto_seconds;
    let predicted = input.predicted_rto_seconds;
    if predicted > rto {
        return v(
            False,
            Reasons::PREDICTED_RTO_ABOVE_OBJECTIVE,
            format!(
                "Predicted RTO is {predicted} s (interval × threshold + propagation + TTL), above the {rto} s objective. \
                 Lower the health check's interval or failure threshold, or maxTtlSeconds."
            ),
        );
    }
    let measured = input.last_drill.and_then(|d| d.measured_rto_seconds);
    match measured {
        Some(m) if m > f64::from(rto) => v(
            False,
            Reasons::MEASURED_RTO_ABOVE_OBJECTIVE,
            format!(
                "The last drill measured an RTO of {m:.1} s, above the {rto} s objective (predicted {predicted} s). \
                 Find what delayed the failover in the drill's timeline (status.drill.last)."
            ),
        ),
        Some(m) => v(
            True,
            Reasons::RTO_WITHIN_OBJECTIVE,
            format!("Predicted RTO {predicted} s and last measured {m:.1} s are within the {rto} s objective."),
        ),
        None => v(
            True,
            Reasons::RTO_WITHIN_OBJECTIVE,
            format!("Predicted RTO {predicted} s is within the {rto} s objective; no drill has measured it yet."),
        ),
    }
}

fn drill_succeeded(input: &StatusInput<'_>) -> Verdict {
    let Some(d) = input.last_drill else {
        return v(
            Unknown,
            Reasons::NO_DRILL_YET,
            "No drill has finished yet: run one with kubectl annotate rf <name> regionalfailover.io/run-drill=<drill> --overwrite.",
        );
    };
    let why = match (&d.reason, &d.message) {
        (Some(r), Some(m)) => format!(" ({r}: {m})"),
        (Some(x), None) | (None, Some(x)) => format!(" ({x})"),
        (None, None) => String::new(),
    };
    let rto = d.measured_rto_seconds.map_or_else(|| "an unmeasured time".to_string(), |s| format!("{s:.1} s"));
    match d.phase {
        DrillPhase::Succeeded if d.passed == Some(false) => v(
            False,
            Reasons::DRILL_MISSED_OBJECTIVE,
            format!(
                "Drill {} failed over in {rto}, missing the {} s objective it ran against{why}.",
                d.name,
                d.objective_rto_seconds.map_or_else(|| "?".to_string(), |o| o.to_string())
            ),
        ),
        DrillPhase::Succeeded => {
            let back = d.failback_seconds.map_or_else(String::new, |s| format!(" and back in {s:.1} s"));
            v(True, Reasons::DRILL_SUCCEEDED, format!("Drill {} failed over in {rto}{back}.", d.name))
        }
        DrillPhase::Failed => v(
            False,
            Reasons::DRILL_FAILED,
            format!(
                "Drill {} failed{why}: failover is not proven. Read status.drill.last and fix the cause before relying on it.",
                d.name
            ),
        ),
        DrillPhase::Aborted => v(
            Unknown,
            Reasons::DRILL_ABORTED,
            format!("Drill {} was aborted{why}, so it proved nothing; run it again once the cause is gone.", d.name),
        ),
        _ => v(Unknown, Reasons::DRILL_NOT_FINISHED, format!("Drill {} has not finished.", d.name)),
    }
}

/// Ready when every other condition is True, except that a drill that never ran (or was aborted)
/// does not block it: DrillSucceeded only counts when False. The message names the first problem.
fn ready(input: &StatusInput<'_>, parts: &[(&'static str, Verdict)]) -> Verdict {
    if let Some(e) = input.spec_error {
        return v(
            False,
            Reasons::INVALID_SPEC,
            format!("The spec is invalid: {e}. The operator waits for a corrected spec."),
        );
    }
    let gating = |(t, p): &&(&'static str, Verdict)| *t != ConditionTypes::DRILL_SUCCEEDED || p.status == False;
    if let Some((t, p)) = parts.iter().filter(gating).find(|(_, p)| p.status == False) {
        return v(False, p.reason, format!("{t} is False: {}", p.message));
    }
    if let Some((t, p)) = parts.iter().filter(gating).find(|(_, p)| p.status == Unknown) {
        return v(Unknown, p.reason, format!("{t} is Unknown: {}", p.message));
    }
    v(
        True,
        Reasons::FAILOVER_READY,
        "Ready to fail over: AWS matches the spec, the primary is healthy, replicas are active and the RTO is within objective.",
    )
}
