//! PURE: a drill while the health check is inverted: record what DNS shows, server by server, and
//! stop at once on any sign that the drill could make an outage worse or that someone else is
//! acting on the check (docs/architecture.md, "Drills: safety rules").

use chrono::{DateTime, Duration, Utc};

use super::{
    evidence::{Answer, CheckerVerdict, DnsView, Evidence, Observation, Standby},
    machine::{
        CONVERGENCE_WAIT_SECONDS, DEADLINE_MARGIN_SECONDS, DNS_BLIND_SECONDS, Step, host_stop, restore,
        seconds_between, stay,
    },
    reasons::DrillReason,
};
use crate::api::{DrillRecord, ServerTimeline};

/// While injected: record what DNS shows, and abort at once on any sign that the drill could make
/// an outage worse or that someone else is acting on the check.
pub(super) fn awaiting_failover(mut r: DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Step {
    note_unhealthy(&mut r, obs, now);
    if let Some(dns) = &obs.dns {
        note_servers(&mut r, dns, Answer::Secondary);
    }
    if let Some((reason, message)) = in_flight_guard(&r, obs, now) {
        return restore(r, Some(reason), Some(format!("{message} Restoring the health check.")));
    }
    let deadline = r.deadline.unwrap_or(r.started_at);
    let Some(dns) = &obs.dns else { return stay(r) };
    if r.dns_failed_over_at.is_none() && dns.any(Answer::Secondary) {
        r.dns_failed_over_at = Some(dns.answered_at);
        r.measured_rto_seconds = r.injected_at.map(|t| seconds_between(t, dns.answered_at));
    }
    if let Some(first) = r.dns_failed_over_at {
        let converged = r.servers.iter().all(|s| s.failed_over_at.is_some()) && dns.all(Answer::Secondary);
        if converged && r.all_servers_failed_over_at.is_none() {
            r.all_servers_failed_over_at = Some(dns.answered_at);
        }
        if let Standby::Done(result) = &obs.standby
            && r.post_failover_validation.is_none()
        {
            r.post_failover_validation = Some(result.clone());
        }
        let validated = matches!(obs.standby, Standby::NotConfigured) || r.post_failover_validation.is_some();
        let waited = converged || now - first >= Duration::seconds(CONVERGENCE_WAIT_SECONDS);
        let late = now >= deadline - Duration::seconds(DEADLINE_MARGIN_SECONDS);
        if (waited && validated) || late {
            return match r.post_failover_validation.as_ref().filter(|v| !v.ok).cloned() {
                Some(v) => {
                    let why = v.error.unwrap_or_else(|| "it did not answer as expected".into());
                    restore(r, Some(DrillReason::StandbyNotServing), Some(format!("{} answered wrong: {why}", v.url)))
                }
                None if late && !validated => {
                    let msg = "The standby was not validated before the drill's deadline.".to_string();
                    restore(r, Some(DrillReason::StandbyNotServing), Some(msg))
                }
                None => restore(r, None, None),
            };
        }
        return stay(r);
    }
    if now >= deadline - Duration::seconds(DEADLINE_MARGIN_SECONDS) {
        let msg = "DNS did not answer with the secondary before the drill's timeout; restoring.".to_string();
        return restore(r, Some(DrillReason::FailoverTimeout), Some(msg));
    }
    stay(r)
}

/// Every reason to stop an injected drill now, in order of urgency.
fn in_flight_guard(r: &DrillRecord, obs: &Observation, now: DateTime<Utc>) -> Option<(DrillReason, String)> {
    if let Some(stop) = host_stop(obs) {
        return Some(stop);
    }
    if let Some(Evidence::Read(CheckerVerdict::Unhealthy)) = &obs.checkers {
        let msg = "Route 53's checkers report the primary endpoint itself failing during the drill: a real failure.";
        return Some((DrillReason::PrimaryFailedDuringDrill, msg.into()));
    }
    if let Some(Evidence::Unreadable(e)) = &obs.checkers {
        let msg =
            format!("Route 53's checkers could not be read during the drill ({e}), so a real failure could go unseen.");
        return Some((DrillReason::EvidenceUnreadable, msg));
    }
    if let Some(Evidence::Unreadable(e)) = &obs.primary_probe {
        let msg =
            format!("The primary's health path stopped answering the operator during the drill ({e}): a real failure.");
        return Some((DrillReason::PrimaryFailedDuringDrill, msg));
    }
    if let Some(Evidence::Unreadable(e)) = &obs.secondary_probe {
        let msg = format!("The secondary stopped answering its health path during the drill ({e}).");
        return Some((DrillReason::SecondaryStoppedAnswering, msg));
    }
    match &obs.health_check {
        Some(Evidence::Read(Some(c)))
            if c.inverted && (r.injected_version.is_none() || c.version == r.injected_version) => {}
        Some(Evidence::Read(Some(c))) => {
            let seen = c.version.map_or_else(|| "not reported".to_string(), |v| v.to_string());
            let msg = match r.injected_version.filter(|_| c.inverted) {
                Some(drills) => format!(
                    "Someone else changed the health check during the drill (version {seen}, the drill's was {drills})."
                ),
                None => format!(
                    "Someone else changed the health check during the drill: it is not inverted any more (version {seen})."
                ),
            };
            return Some((DrillReason::HealthCheckChangedByOthers, msg));
        }
        Some(Evidence::Read(None)) => {
            return Some((
                DrillReason::HealthCheckChangedByOthers,
                "The health check was deleted during the drill.".into(),
            ));
        }
        Some(Evidence::Unreadable(e)) => {
            let msg = format!("The health check could not be read back during the drill ({e}).");
            return Some((DrillReason::EvidenceUnreadable, msg));
        }
        None => {}
    }
    if let Some(dns) = &obs.dns {
        if dns.any(Answer::Other) {
            return Some((
                DrillReason::DnsAnswerUnexpected,
                format!("DNS answers with neither endpoint ({}).", dns.summary()),
            ));
        }
        let blind_since = r.injected_at.unwrap_or(now);
        if dns.none_read() && now - blind_since >= Duration::seconds(DNS_BLIND_SECONDS) {
            return Some((
                DrillReason::DnsUnreadable,
                format!("No authoritative server answered ({}).", dns.summary()),
            ));
        }
    }
    None
}

/// Route 53's verdict after `Inverted`: the checkers see the endpoint healthy, so the injected
/// check is unhealthy from the first read after the injection.
fn note_unhealthy(r: &mut DrillRecord, obs: &Observation, now: DateTime<Utc>) {
    if r.first_unhealthy_at.is_none()
        && r.injected_at.is_some()
        && matches!(obs.checkers, Some(Evidence::Read(CheckerVerdict::Healthy)))
    {
        let at = obs.checkers_at.unwrap_or(now);
        r.first_checker_failed_at = Some(at);
        r.first_unhealthy_at = Some(at);
    }
}

/// Per-server first answers with `target` (secondary while failing over, primary while back).
pub(super) fn note_servers(r: &mut DrillRecord, dns: &DnsView, target: Answer) {
    for s in &dns.servers {
        let entry = match r.servers.iter_mut().find(|t| t.server == s.server) {
            Some(e) => e,
            None => {
                r.servers.push(ServerTimeline { server: s.server.clone(), failed_over_at: None, failed_back_at: None });
                let last = r.servers.len() - 1;
                &mut r.servers[last]
            }
        };
        if s.answer.read() == Some(&target) {
            let slot = if target == Answer::Secondary { &mut entry.failed_over_at } else { &mut entry.failed_back_at };
            if slot.is_none() {
                *slot = Some(dns.answered_at);
            }
        }
    }
}
