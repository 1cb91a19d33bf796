//! PURE: may a drill start? Every input must have been read and be good; anything missing,
//! unreadable or contradictory refuses (docs/architecture.md, "Drills: safety rules").

use super::{
    evidence::{Answer, CheckState, CheckerVerdict, DnsView, Evidence, Input, Observation},
    reasons::DrillReason,
};
use crate::api::PreflightCheck;

/// A refusal: the reason and a sentence a person can act on.
pub type Refusal = (DrillReason, String);

fn unreadable(input: Input, error: impl std::fmt::Display) -> Refusal {
    (
        DrillReason::PreflightUnreadable,
        format!(
            "{} could not be read ({error}); a drill never starts on missing evidence.",
            capitalize(input.describe())
        ),
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// Every preflight check with its result, and the verdict: the check's settings to capture when
/// all passed, else the first refusal in this order.
pub struct Judgement {
    pub checks: Vec<PreflightCheck>,
    pub verdict: Result<CheckState, Refusal>,
}

/// `Ok(check)` when the drill may go on (the check's settings to capture), else the refusal.
#[cfg(test)]
pub fn judge(obs: &Observation) -> Result<CheckState, Refusal> {
    judged(obs).verdict
}

/// Judges every check, not only up to the first refusal, so that the record (and the JUnit report
/// and runbook built from it) shows the whole picture.
pub fn judged(obs: &Observation) -> Judgement {
    let mut checks = Vec::new();
    let mut first: Option<Refusal> = None;
    let mut note = |check: &str, result: Result<String, Refusal>| {
        let (passed, detail) = match result {
            Ok(detail) => (true, detail),
            Err(refusal) => {
                let detail = refusal.1.clone();
                first.get_or_insert(refusal);
                (false, detail)
            }
        };
        checks.push(PreflightCheck { check: check.into(), passed, detail });
    };
    let host = &obs.host;
    note(
        "NotSuspended",
        if host.suspended {
            Err((DrillReason::Suspended, "The RegionalFailover is suspended; drills do not run.".into()))
        } else {
            Ok("spec.suspend is false.".into())
        },
    );
    note(
        "DrillsAllowed",
        match &host.drills_stopped {
            Some(Evidence::Read(why)) => {
                Err((DrillReason::DrillsStopped, format!("Drills are stopped cluster-wide: {why}.")))
            }
            Some(Evidence::Unreadable(e)) => Err(unreadable(Input::StopSwitch, e)),
            None => Ok("No stop switch is on.".into()),
        },
    );
    note(
        "FailsafeConfigured",
        if host.failsafe_configured {
            Ok("A fail-safe role is configured.".into())
        } else {
            Err((
            DrillReason::FailsafeNotConfigured,
            "No fail-safe role is configured (--failsafe-role-arn, chart value drillFailsafe.roleArn; Terraform output \
             drill_failsafe): without the AWS-side fail-safe and lock, a drill could outlive its operator or overlap \
             another one, so none starts."
                .into(),
        ))
        },
    );
    note(
        "OtherRegionReachable",
        match &host.unreachable {
            Some(why) => Err((
                DrillReason::OtherRegionUnreachable,
                format!("Part of AWS does not answer from this operator's region, so no drill starts: {why}"),
            )),
            None => Ok("Every service the last verification read answered.".into()),
        },
    );
    let check = health_check(obs);
    note(
        "HealthCheckReadable",
        match &check {
            Ok(CheckState { version: Some(v), .. }) => Ok(format!("Read, HealthCheckVersion {v}.")),
            // Every change a drill makes is conditional on the version it read: without one it
            // could overwrite someone else's change (docs/architecture.md, "Drills: safety rules").
            Ok(_) => Err((
                DrillReason::PreflightUnreadable,
                "Route 53 reported no HealthCheckVersion for the health check; a drill changes the check only on \
                 condition of the version it read, so none starts."
                    .into(),
            )),
            Err(r) => Err(r.clone()),
        },
    );
    note(
        "HealthCheckNormal",
        match &check {
            Ok(c) if c.inverted || c.disabled => Err((
                DrillReason::HealthCheckNotNormal,
                format!(
                    "The health check is already {}; someone else is changing it, so the drill does not.",
                    if c.inverted { "inverted" } else { "disabled" }
                ),
            )),
            Ok(_) => Ok("Neither inverted nor disabled.".into()),
            Err(r) => Err(r.clone()),
        },
    );
    note("DnsAndCheckersOnPrimary", dns_and_checkers(obs.dns.as_ref(), obs.checkers.as_ref()));
    note(
        "PrimaryAnswers",
        match &obs.primary_probe {
            None => Err(unreadable(Input::PrimaryProbe, "not run")),
            Some(Evidence::Unreadable(e)) => Err((
                DrillReason::PrimaryUnhealthy,
                format!("The primary's health path does not answer the operator ({e}): this may be a real incident."),
            )),
            Some(Evidence::Read(())) => Ok("The primary answers the operator's request.".into()),
        },
    );
    note(
        "SecondaryAnswers",
        match &obs.secondary_probe {
            None => Err(unreadable(Input::SecondaryProbe, "not run")),
            Some(Evidence::Unreadable(e)) => Err((
                DrillReason::SecondaryNotAnswering,
                format!(
                    "The secondary endpoint does not answer its health path ({e}): failing over would cause an outage."
                ),
            )),
            Some(Evidence::Read(())) => Ok("The secondary answers the operator's request.".into()),
        },
    );
    let facts = match &obs.settings {
        None => Err(unreadable(Input::AwsSettings, "not read")),
        Some(Evidence::Unreadable(e)) => Err(unreadable(Input::AwsSettings, e)),
        Some(Evidence::Read(f)) => Ok(f),
    };
    note(
        "SettingsReadable",
        facts.as_ref().map(|_| "Records, tables and replication read.".to_string()).map_err(Clone::clone),
    );
    if let Ok(facts) = facts {
        // Before drift: an unhealthy SECONDARY check is also a finding, and this reason says why
        // the drill cannot work at all.
        note(
            "SecondaryCanBeAnswered",
            match &facts.secondary_unanswerable {
                Some(why) => Err((DrillReason::SecondaryHealthCheckUnhealthy, why.clone())),
                None => Ok("Route 53 can answer with the secondary.".into()),
            },
        );
        note(
            "ReplicasActive",
            if facts.replicas_not_active.is_empty() {
                Ok("Every replica is ACTIVE.".into())
            } else {
                Err((
                    DrillReason::ReplicaNotActive,
                    format!(
                        "Replica(s) not ACTIVE in {}: the standby could serve stale or no data.",
                        facts.replicas_not_active.join(", ")
                    ),
                ))
            },
        );
        note(
            "NoDrift",
            if facts.drift_codes.is_empty() {
                Ok("Live AWS matches the spec.".into())
            } else {
                Err((
                    DrillReason::DriftDetected,
                    format!(
                        "Live AWS differs from the spec ({}): fix drift before drilling.",
                        facts.drift_codes.join(", ")
                    ),
                ))
            },
        );
        note(
            "ReplicationWithinRpo",
            match &facts.replication_behind {
                Some(why) => Err((DrillReason::ReplicationBehind, why.clone())),
                None => Ok("Replication is within the recovery point objective.".into()),
            },
        );
    }
    let verdict = match first {
        Some(refusal) => Err(refusal),
        None => check,
    };
    Judgement { checks, verdict }
}

fn health_check(obs: &Observation) -> Result<CheckState, Refusal> {
    match &obs.health_check {
        None => Err(unreadable(Input::HealthCheck, "not read")),
        Some(Evidence::Unreadable(e)) => Err(unreadable(Input::HealthCheck, e)),
        Some(Evidence::Read(None)) => {
            Err((DrillReason::HealthCheckMissing, "The health check does not exist; there is nothing to drill.".into()))
        }
        Some(Evidence::Read(Some(c))) => Ok(c.clone()),
    }
}

/// The authoritative answer must name the primary on every server, and Route 53's checkers must
/// agree: a primary that DNS has already failed away from is a real incident, and evidence that
/// disagrees is not evidence.
fn dns_and_checkers(dns: Option<&DnsView>, checkers: Option<&Evidence<CheckerVerdict>>) -> Result<String, Refusal> {
    let Some(dns) = dns else { return Err(unreadable(Input::Dns, "not read")) };
    let verdict = match checkers {
        None => return Err(unreadable(Input::Checkers, "not read")),
        Some(Evidence::Unreadable(e)) => return Err(unreadable(Input::Checkers, e)),
        Some(Evidence::Read(CheckerVerdict::NoReports)) => {
            return Err(unreadable(Input::Checkers, "no checker has reported on the primary yet"));
        }
        Some(Evidence::Read(v)) => *v,
    };
    let secondary = dns.any(Answer::Secondary);
    if secondary && verdict == CheckerVerdict::Unhealthy {
        return Err((
            DrillReason::PrimaryUnhealthy,
            format!(
                "The primary is already down: Route 53's checkers report it unhealthy and DNS fails over ({}). \
                 This is a real incident, not a time for a drill.",
                dns.summary()
            ),
        ));
    }
    if secondary {
        return Err((
            DrillReason::ContradictoryEvidence,
            format!(
                "DNS answers with the secondary ({}) while Route 53's checkers report the primary healthy: the \
                 evidence disagrees, so the drill does not start.",
                dns.summary()
            ),
        ));
    }
    if let Some((server, e)) = dns.first_unreadable() {
        return Err(unreadable(Input::Dns, format!("{server}: {e}")));
    }
    if !dns.all(Answer::Primary) {
        return Err((
            DrillReason::DnsAnswerUnexpected,
            format!("The authoritative servers do not all answer with the primary ({}).", dns.summary()),
        ));
    }
    if verdict == CheckerVerdict::Unhealthy {
        return Err((
            DrillReason::ContradictoryEvidence,
            "Route 53's checkers report the primary unhealthy while DNS still answers with it: the primary may be \
             failing right now, so the drill does not start."
                .into(),
        ));
    }
    Ok(format!("Every server answers with the primary ({}) and Route 53's checkers see it healthy.", dns.summary()))
}

#[cfg(test)]
mod tests;
