//! PURE: may a drill start? Every input must have been read and be good; anything missing,
//! unreadable or contradictory refuses (docs/architecture.md, "Drills: safety rules").

use super::{
    evidence::{Answer, CheckState, CheckerVerdict, DnsView, Evidence, Input, Observation},
    reasons::DrillReason,
};

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

/// `Ok(check)` when the drill may go on (the check's settings to capture), else the refusal.
pub fn judge(obs: &Observation) -> Result<CheckState, Refusal> {
    let host = &obs.host;
    if host.suspended {
        return Err((DrillReason::Suspended, "The RegionalFailover is suspended; drills do not run.".into()));
    }
    match &host.drills_stopped {
        Some(Evidence::Read(why)) => {
            return Err((DrillReason::DrillsStopped, format!("Drills are stopped cluster-wide: {why}.")));
        }
        Some(Evidence::Unreadable(e)) => return Err(unreadable(Input::StopSwitch, e)),
        None => {}
    }
    if !host.failsafe_configured {
        return Err((
            DrillReason::FailsafeNotConfigured,
            "No fail-safe role is configured (--failsafe-role-arn, chart value drillFailsafe.roleArn; Terraform output \
             drill_failsafe): without the AWS-side fail-safe and lock, a drill could outlive its operator or overlap \
             another one, so none starts."
                .into(),
        ));
    }
    let check = match &obs.health_check {
        None => return Err(unreadable(Input::HealthCheck, "not read")),
        Some(Evidence::Unreadable(e)) => return Err(unreadable(Input::HealthCheck, e)),
        Some(Evidence::Read(None)) => {
            return Err((
                DrillReason::HealthCheckMissing,
                "The health check does not exist; there is nothing to drill.".into(),
            ));
        }
        Some(Evidence::Read(Some(c))) => c.clone(),
    };
    if check.inverted || check.disabled {
        return Err((
            DrillReason::HealthCheckNotNormal,
            format!(
                "The health check is already {}; someone else is changing it, so the drill does not.",
                if check.inverted { "inverted" } else { "disabled" }
            ),
        ));
    }
    dns_and_checkers(obs.dns.as_ref(), obs.checkers.as_ref())?;
    match &obs.primary_probe {
        None => return Err(unreadable(Input::PrimaryProbe, "not run")),
        Some(Evidence::Unreadable(e)) => {
            return Err((
                DrillReason::PrimaryUnhealthy,
                format!("The primary's health path does not answer the operator ({e}): this may be a real incident."),
            ));
        }
        Some(Evidence::Read(())) => {}
    }
    match &obs.secondary_probe {
        None => return Err(unreadable(Input::SecondaryProbe, "not run")),
        Some(Evidence::Unreadable(e)) => {
            return Err((
                DrillReason::SecondaryNotAnswering,
                format!(
                    "The secondary endpoint does not answer its health path ({e}): failing over would cause an outage."
                ),
            ));
        }
        Some(Evidence::Read(())) => {}
    }
    let facts = match &obs.settings {
        None => return Err(unreadable(Input::AwsSettings, "not read")),
        Some(Evidence::Unreadable(e)) => return Err(unreadable(Input::AwsSettings, e)),
        Some(Evidence::Read(f)) => f,
    };
    // Before drift: an unhealthy SECONDARY check is also a finding, and this reason says why
    // the drill cannot work at all.
    if let Some(why) = &facts.secondary_unanswerable {
        return Err((DrillReason::SecondaryHealthCheckUnhealthy, why.clone()));
    }
    if !facts.replicas_not_active.is_empty() {
        return Err((
            DrillReason::ReplicaNotActive,
            format!(
                "Replica(s) not ACTIVE in {}: the standby could serve stale or no data.",
                facts.replicas_not_active.join(", ")
            ),
        ));
    }
    if !facts.drift_codes.is_empty() {
        return Err((
            DrillReason::DriftDetected,
            format!("Live AWS differs from the spec ({}): fix drift before drilling.", facts.drift_codes.join(", ")),
        ));
    }
    if let Some(why) = &facts.replication_behind {
        return Err((DrillReason::ReplicationBehind, why.clone()));
    }
    Ok(check)
}

/// The authoritative answer must name the primary on every server, and Route 53's checkers must
/// agree: a primary that DNS has already failed away from is a real incident, and evidence that
/// disagrees is not evidence.
fn dns_and_checkers(dns: Option<&DnsView>, checkers: Option<&Evidence<CheckerVerdict>>) -> Result<(), Refusal> {
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
    Ok(())
}

#[cfg(test)]
mod tests;
