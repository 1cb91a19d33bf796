//! Conditions in the metav1.Condition shape (docs/architecture.md, "One reconcile").

use chrono::{DateTime, Utc};

use super::{
    reasons::{ConditionReason as Reasons, ConditionType},
    replication, sentences,
};
use crate::{
    api::{
        Condition, ConditionStatus, DrillPhase, DrillRecord, DrillStatus, Finding, HealthSource, HealthState,
        HealthStatus, Objectives, ReplicationStatus,
    },
    aws::{AwsError, ErrorKind},
    drill::reasons::DrillReason,
};

/// The newest finished drill that says something about failover. A drill refused on purpose
/// before it touched anything (another process is drilling the same check right now, the other
/// region is unreachable, the object is suspended, drills are stopped by the switch) proves nothing
/// either way: it leaves `DrillSucceeded` as the drill before it set it, so losing a race to the
/// other cluster, or waiting out an outage, does not make an object not Ready (docs/architecture.md,
/// "Two regions"). Refusals that doubt the failover path itself (drift, an unhealthy primary,
/// unreadable evidence) still count.
pub fn proving_drill(drill: Option<&DrillStatus>) -> Option<&DrillRecord> {
    let drill = drill?;
    let says_nothing = |r: &DrillRecord| {
        r.phase == DrillPhase::Failed
            && r.injected_at.is_none()
            && r.reason.as_deref().is_some_and(|x| {
                [
                    DrillReason::DrillAlreadyRunning,
                    DrillReason::OtherRegionUnreachable,
                    DrillReason::Suspended,
                    DrillReason::DrillsStopped,
                ]
                .iter()
                .any(|d| d.as_str() == x)
            })
    };
    let newest = drill.last.as_ref().into_iter().chain(&drill.history);
    newest.filter(|r| !says_nothing(r)).max_by_key(|r| r.finished_at.unwrap_or(r.started_at))
}

/// Everything the conditions are computed from, for one reconcile.
#[derive(Clone, Copy, Debug)]
pub struct StatusInput<'a> {
    /// Why the spec is unusable (failed validation); nothing was compared.
    pub spec_error: Option<&'a str>,
    /// Why AWS could not be read at all this cycle; AWS-derived conditions become Unknown.
    pub aws_error: Option<&'a AwsError>,
    /// Result of `verify::verify`.
    pub findings: &'a [Finding],
    /// The checkers' verdict, when read.
    pub health: Option<&'a HealthStatus>,
    /// Replica states and lag, when read.
    pub replication: Option<&'a ReplicationStatus>,
    pub objectives: &'a Objectives,
    /// `verify::predicted_rto_seconds(spec, snapshot)`.
    pub predicted_rto_seconds: u32,
    /// The most recently finished drill that says something about failover ([`proving_drill`]).
    pub last_drill: Option<&'a DrillRecord>,
    /// A drill of this operator is running (its injected failure is expected).
    pub drill_in_progress: bool,
    /// The health check's `Inverted`/`Disabled` as last read: they turn the checkers' view around.
    pub check_inverted: bool,
    pub check_disabled: bool,
    /// Why CloudWatch's `ReplicationLatency` could not be read this cycle (the lag is unknown then).
    pub metrics_error: Option<&'a AwsError>,
    /// `spec.primary.region`, to name replication directions.
    pub primary_region: &'a str,
    /// The other region does not answer from here: drift and replication are unknown, the primary's
    /// health comes from DNS.
    pub remote_loss: Option<&'a super::vantage::RemoteLoss>,
}

struct Verdict {
    status: ConditionStatus,
    reason: Reasons,
    message: String,
}

fn v(status: ConditionStatus, reason: Reasons, message: impl Into<String>) -> Verdict {
    Verdict { status, reason, message: message.into() }
}

use ConditionStatus::{False, True, Unknown};

/// The six conditions in [`ConditionType::ALL`] order. `lastTransitionTime` is carried over from
/// `previous` when a condition's status did not change, so it says since when the state holds.
pub fn conditions(
    input: &StatusInput<'_>,
    previous: &[Condition],
    now: DateTime<Utc>,
    generation: Option<i64>,
) -> Vec<Condition> {
    let parts = [
        (ConditionType::InSync, in_sync(input)),
        (ConditionType::PrimaryHealthy, primary_healthy(input)),
        (ConditionType::ReplicationHealthy, replication_healthy(input)),
        (ConditionType::WithinObjective, within_objective(input)),
        (ConditionType::DrillSucceeded, drill_succeeded(input)),
    ];
    let ready = ready(input, &parts);
    std::iter::once((ConditionType::Ready, ready))
        .chain(parts)
        .map(|(type_, verdict)| {
            let last_transition_time = find_condition(previous, type_)
                .filter(|c| c.status == verdict.status)
                .map_or(now, |c| c.last_transition_time);
            Condition {
                type_: type_.as_str().to_string(),
                status: verdict.status,
                observed_generation: generation,
                last_transition_time,
                reason: verdict.reason.as_str().to_string(),
                message: verdict.message,
            }
        })
        .collect()
}

/// The condition of the given type.
pub fn find_condition(conditions: &[Condition], type_: ConditionType) -> Option<&Condition> {
    conditions.iter().find(|c| c.type_ == type_.as_str())
}

/// Conditions that need AWS: Unknown when the spec is invalid or AWS could not be read.
fn blocked(input: &StatusInput<'_>, what: &str) -> Option<Verdict> {
    if let Some(e) = input.spec_error {
        return Some(v(Unknown, Reasons::InvalidSpec, format!("The spec is invalid, so {what} was not checked: {e}")));
    }
    input.aws_error.map(|e| match e.kind {
        ErrorKind::AccessDenied => v(
            Unknown,
            Reasons::AccessDenied,
            format!("The operator cannot read AWS, so {what} is unknown. {}", sentences::access_denied(e)),
        ),
        _ => v(
            Unknown,
            Reasons::AwsUnreachable,
            format!("AWS could not be read, so {what} is unknown: {}", sentences::aws_error(e)),
        ),
    })
}

/// Unknown while the other region does not answer from here (see `status/vantage.rs`).
fn lost(input: &StatusInput<'_>, what: &str, extra: &str) -> Option<Verdict> {
    let loss = input.remote_loss?;
    Some(v(
        Unknown,
        Reasons::RegionUnreachable,
        format!("{}, so {what} is unknown (see status.unreachable).{extra}", super::vantage::summary(loss)),
    ))
}

fn in_sync(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "drift").or_else(|| lost(input, "drift", "")) {
        return b;
    }
    if input.findings.is_empty() {
        return v(True, Reasons::NoDrift, "The live Route 53 and DynamoDB resources match the spec.");
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
    v(False, Reasons::DriftDetected, format!("{n} {noun} from the spec: {} (see status.drift)", list.join(", ")))
}

fn primary_healthy(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "the primary's health") {
        return b;
    }
    let Some(h) = input.health else {
        return v(Unknown, Reasons::HealthUnknown, "Route 53's checkers have not been asked about the primary yet.");
    };
    let (ok, all) = (h.checkers_healthy, h.checkers_reporting);
    match h.status {
        HealthState::Healthy if h.source == HealthSource::Dns => {
            let detail = if all > 0 { format!(" (last checker read: {ok} of {all} healthy)") } else { String::new() };
            v(
                True,
                Reasons::HealthCheckHealthy,
                format!("Route 53's name servers answer with the primary, so its health check passes{detail}."),
            )
        }
        HealthState::Healthy if input.check_disabled => v(
            True,
            Reasons::HealthCheckHealthy,
            "The health check is disabled, so Route 53 treats the primary as healthy whatever the checkers see \
             (failover cannot happen; see status.drift)."
                .to_string(),
        ),
        HealthState::Healthy => {
            v(True, Reasons::HealthCheckHealthy, format!("{ok} of {all} Route 53 checkers see the primary healthy."))
        }
        HealthState::Unhealthy if input.drill_in_progress => v(
            False,
            Reasons::DrillInProgress,
            format!(
                "A drill has inverted the health check, so the primary looks down on purpose ({ok} of {all} checkers see it healthy)."
            ),
        ),
        HealthState::Unhealthy if input.check_inverted => v(
            False,
            Reasons::HealthCheckUnhealthy,
            format!(
                "The health check is inverted, so Route 53 treats the primary as down although {ok} of {all} checkers \
                 see it healthy: DNS answers with the secondary. Restore Inverted=false (see status.drift)."
            ),
        ),
        HealthState::Unhealthy if h.source == HealthSource::Dns => v(
            False,
            Reasons::HealthCheckUnhealthy,
            "Route 53's name servers answer with the secondary, so the primary's health check fails. \
             Investigate the primary endpoint."
                .to_string(),
        ),
        HealthState::Unhealthy => v(
            False,
            Reasons::HealthCheckUnhealthy,
            format!(
                "Only {ok} of {all} Route 53 checkers see the primary healthy (more than 18 % are needed): DNS answers with the secondary. \
                 Investigate the primary endpoint."
            ),
        ),
        HealthState::Unknown => v(
            Unknown,
            Reasons::HealthUnknown,
            "No Route 53 checker reports on the primary yet: the health check may be new or disabled.",
        ),
    }
}

fn replication_healthy(input: &StatusInput<'_>) -> Verdict {
    if let Some(b) = blocked(input, "replication") {
        return b;
    }
    if let Some(loss) = input.remote_loss {
        let here = loss
            .local_table
            .as_ref()
            .map_or_else(String::new, |t| format!(" The replica here ({}) answers and is {}.", t.region, t.status));
        let latest = input.replication.and_then(|r| Some((r.lag_seconds?, r.probed_at.or(r.latency_read_at)?)));
        let lag = latest.map_or_else(String::new, |(s, at)| {
            format!(
                " The latest lag measured was {s:.1} s, at {}.",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        });
        if let Some(b) = lost(input, "replication", &format!("{here}{lag}")) {
            return b;
        }
    }
    let Some(r) = input.replication else {
        return v(Unknown, Reasons::ReplicationUnknown, "The table's replicas have not been read yet.");
    };
    let (status, reason, message) =
        replication::condition(r, input.primary_region, input.objectives, input.metrics_error);
    v(status, reason, message)
}

fn within_objective(input: &StatusInput<'_>) -> Verdict {
    if let Some(e) = input.spec_error {
        return v(Unknown, Reasons::InvalidSpec, format!("The spec is invalid, so the RTO was not predicted: {e}"));
    }
    let rto = input.objectives.rto_seconds;
    let predicted = input.predicted_rto_seconds;
    let rpo = replication::rpo_part(input.replication, input.primary_region, input.objectives, input.metrics_error);
    let measured = input.last_drill.and_then(|d| d.measured_rto_seconds);
    let mut misses: Vec<(Reasons, String)> = Vec::new();
    if predicted > rto {
        misses.push((
            Reasons::PredictedRtoAboveObjective,
            format!(
                "RTO: predicted {predicted} s (detection + propagation + TTL; detection is interval × threshold, a calculated \
                 check's children's, or an alarm's period × evaluation periods), above the {rto} s objective. Detect faster \
                 (interval, failure threshold, the children's or the alarm's settings), or lower maxTtlSeconds."
            ),
        ));
    }
    if let Some(m) = measured.filter(|m| *m > f64::from(rto)) {
        misses.push((
            Reasons::MeasuredRtoAboveObjective,
            format!(
                "RTO: the last drill measured {m:.1} s, above the {rto} s objective (predicted {predicted} s). \
                 Find what delayed the failover in the drill's timeline (status.drill.last)."
            ),
        ));
    }
    if let Err(miss) = &rpo {
        misses.push((Reasons::LagAboveObjective, miss.clone()));
    }
    if let Some((reason, _)) = misses.first() {
        let all: Vec<&str> = misses.iter().map(|(_, m)| m.as_str()).collect();
        return v(False, *reason, all.join(" "));
    }
    let rpo = rpo.unwrap_or_default();
    match measured {
        Some(m) => v(
            True,
            Reasons::RtoWithinObjective,
            format!("RTO: predicted {predicted} s and last measured {m:.1} s are within the {rto} s objective. {rpo}"),
        ),
        None => v(
            True,
            Reasons::RtoWithinObjective,
            format!(
                "RTO: predicted {predicted} s is within the {rto} s objective; no drill has measured it yet. {rpo}"
            ),
        ),
    }
}

fn drill_succeeded(input: &StatusInput<'_>) -> Verdict {
    let Some(d) = input.last_drill else {
        return v(
            Unknown,
            Reasons::NoDrillYet,
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
            Reasons::DrillMissedObjective,
            format!(
                "Drill {} failed over in {rto}, missing the {} s objective it ran against{why}.",
                d.name,
                d.objective_rto_seconds.map_or_else(|| "?".to_string(), |o| o.to_string())
            ),
        ),
        DrillPhase::Succeeded => {
            let back = d.failback_seconds.map_or_else(String::new, |s| format!(" and back in {s:.1} s"));
            v(True, Reasons::DrillSucceeded, format!("Drill {} failed over in {rto}{back}.", d.name))
        }
        DrillPhase::Failed => v(
            False,
            Reasons::DrillFailed,
            format!(
                "Drill {} failed{why}: failover is not proven. Read status.drill.last and fix the cause before relying on it.",
                d.name
            ),
        ),
        DrillPhase::Aborted => v(
            Unknown,
            Reasons::DrillAborted,
            format!("Drill {} was aborted{why}, so it proved nothing; run it again once the cause is gone.", d.name),
        ),
        _ => v(Unknown, Reasons::DrillNotFinished, format!("Drill {} has not finished.", d.name)),
    }
}

/// Ready when every other condition is True, except that a drill that never ran (or was aborted)
/// does not block it: DrillSucceeded only counts when False. The message names the first problem.
fn ready(input: &StatusInput<'_>, parts: &[(ConditionType, Verdict)]) -> Verdict {
    if let Some(e) = input.spec_error {
        return v(
            False,
            Reasons::InvalidSpec,
            format!("The spec is invalid: {e}. The operator waits for a corrected spec."),
        );
    }
    let gating = |(t, p): &&(ConditionType, Verdict)| *t != ConditionType::DrillSucceeded || p.status == False;
    if let Some((t, p)) = parts.iter().filter(gating).find(|(_, p)| p.status == False) {
        return v(False, p.reason, format!("{t} is False: {}", p.message));
    }
    if let Some((t, p)) = parts.iter().filter(gating).find(|(_, p)| p.status == Unknown) {
        return v(Unknown, p.reason, format!("{t} is Unknown: {}", p.message));
    }
    v(
        True,
        Reasons::FailoverReady,
        "Ready to fail over: AWS matches the spec, the primary is healthy, replicas are active and the RTO is within objective.",
    )
}

#[cfg(test)]
mod tests;
