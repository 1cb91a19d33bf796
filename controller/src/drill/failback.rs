//! PURE: the drill's last phase, waiting for DNS to answer with the primary again after the
//! restore, and the verdict once it does (docs/architecture.md, "Drills").

use chrono::{DateTime, Duration, Utc};

use super::{
    evidence::{AbortCause, Answer, Observation},
    in_flight::note_servers,
    machine::{FAILBACK_GRACE_SECONDS, Step, abort_reason, finish, reason_of, seconds_between, stay},
    reasons::DrillReason,
};
use crate::api::{DrillPhase, DrillRecord};

pub(super) fn awaiting_failback(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    let deadline = r.deadline.unwrap_or(r.started_at);
    // Restored already: a deleted object or an interrupted command need not wait for DNS. An
    // operator that stops leaves the wait to the next one (it resumes from status).
    if let Some(cause @ (AbortCause::Deleted | AbortCause::Interrupted)) = obs.host.abort {
        let why = r.message.clone().unwrap_or_default();
        let msg = format!("The drill was stopped ({}) after the health check was restored. {why}", abort_reason(cause));
        let reason = reason_of(&r).unwrap_or(abort_reason(cause));
        return finish(r, DrillPhase::Aborted, reason, msg.trim_end().to_string(), now);
    }
    if let Some(dns) = &obs.dns {
        note_servers(&mut r, dns, Answer::Primary);
        if r.dns_failed_back_at.is_none() && dns.all(Answer::Primary) {
            r.dns_failed_back_at = Some(dns.answered_at);
            r.all_servers_failed_back_at = Some(dns.answered_at);
            r.failback_seconds = r.restored_at.map(|t| seconds_between(t, dns.answered_at));
            return verdict(r, now);
        }
    }
    if now >= deadline + Duration::seconds(FAILBACK_GRACE_SECONDS) {
        let msg = "The health check is restored but DNS still does not answer with the primary on every server; check the primary endpoint.";
        return finish(r, DrillPhase::Failed, DrillReason::FailbackTimeout, msg.into(), now);
    }
    stay(r)
}

/// DNS is back on the primary everywhere: how did the drill go?
fn verdict(r: DrillRecord, now: DateTime<Utc>) -> Step {
    match reason_of(&r) {
        Some(DrillReason::FailoverTimeout) => {
            let msg = "DNS never failed over within the timeout; the health check is restored and DNS answers with the primary again.";
            finish(r, DrillPhase::Failed, DrillReason::FailoverTimeout, msg.into(), now)
        }
        Some(DrillReason::StandbyNotServing) => {
            let mut r = r;
            r.passed = Some(false);
            let rto = r.measured_rto_seconds.map_or_else(|| "?".to_string(), |s| format!("{s:.1}s"));
            let why = r.message.clone().unwrap_or_default();
            let msg = format!("DNS failed over in {rto}, but the standby did not serve: {why}");
            finish(r, DrillPhase::Failed, DrillReason::StandbyNotServing, msg, now)
        }
        Some(reason) => {
            let why = r.message.clone().unwrap_or_default();
            let msg = format!(
                "Drill aborted ({reason}): {why} The health check is restored and DNS answers with the primary again."
            );
            finish(r, DrillPhase::Aborted, reason, msg, now)
        }
        None => {
            let mut r = r;
            let objective = f64::from(r.objective_rto_seconds.unwrap_or(u32::MAX));
            let rto = r.measured_rto_seconds.unwrap_or(f64::INFINITY);
            let back = r.failback_seconds.unwrap_or_default();
            let passed = rto <= objective;
            r.passed = Some(passed);
            // DNS did fail over either way: the drill succeeded in proving failover; whether it
            // was fast enough is `passed`.
            let (reason, msg) = if passed {
                (
                    DrillReason::WithinObjective,
                    format!("DNS failed over in {rto:.1}s (objective {objective}s) and back in {back:.1}s."),
                )
            } else {
                (
                    DrillReason::RtoAboveObjective,
                    format!("DNS failed over in {rto:.1}s, above the {objective}s objective, and back in {back:.1}s."),
                )
            };
            finish(r, DrillPhase::Succeeded, reason, msg, now)
        }
    }
}
