//! PURE: a real failover or failback the operator saw (docs/architecture.md, "Witnessed
//! failovers"). The DNS watch and the verification report what the authoritative servers answer;
//! this module decides whether that is a flip, keeps `status.lastFailover` with each server's
//! first new answer, and says what to announce. A flip during one of this object's own drills is
//! announced but not recorded here: the drill record has it.

use chrono::{DateTime, Duration, Utc};

use super::{
    events::{EventType, Transition, truncate},
    reasons::EventReason,
};
use crate::{
    api::{FlipDirection, RegionalFailoverSpec, ServerTimeline, ValidationResult, WaterfallStage, WitnessedFailover},
    verify::PredictedStages,
};

/// How long the watch keeps asking every server after a flip: Route 53 converges in seconds, so
/// a server still answering the old region after this is reported, not waited for.
pub const CONVERGENCE_WINDOW_SECONDS: i64 = 300;

/// The region one authoritative server answered with (`None`: no answer, or neither endpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSaw {
    pub server: String,
    pub region: Option<String>,
}

/// The last region the operator saw DNS answer with, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastAnswer {
    pub region: String,
    pub at: DateTime<Utc>,
}

/// One look at the authoritative answer: the combined answer (`active`) and, while converging,
/// each server's.
#[derive(Clone, Debug, PartialEq)]
pub struct Sighting<'a> {
    pub active: Option<&'a str>,
    pub servers: &'a [ServerSaw],
    pub at: DateTime<Utc>,
    /// The operator's cluster region (two-cluster mode), named in the announcement.
    pub vantage: Option<&'a str>,
    /// Who holds the health check's drill lock, read when a flip is seen while no drill of this
    /// operator runs: another process's drill explains the flip, which is then no regional failover.
    pub foreign_drill: Option<&'a str>,
}

/// What changed: the new `status.lastFailover` (if it changed) and the event to publish.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Witnessed {
    pub record: Option<WitnessedFailover>,
    pub event: Option<Transition>,
    /// A flip was seen in this sighting (for the metric).
    pub flipped_to: Option<String>,
}

/// Judges one sighting against the last answer seen and the record being converged.
pub fn witness(
    spec: &RegionalFailoverSpec,
    last: Option<&LastAnswer>,
    current: Option<&WitnessedFailover>,
    sighting: &Sighting<'_>,
    drilling: bool,
    predicted: &PredictedStages,
) -> Witnessed {
    let mut out = Witnessed::default();
    let Some(now_region) = sighting.active else { return out };
    let flipped = last.filter(|l| l.region != now_region);
    if let Some(before) = flipped {
        out.flipped_to = Some(now_region.to_string());
        out.event = Some(flip_event(spec, &before.region, now_region, drilling, sighting));
        if !drilling && sighting.foreign_drill.is_none() {
            let direction =
                if now_region == spec.primary.region { FlipDirection::Failback } else { FlipDirection::Failover };
            let mut record = WitnessedFailover {
                direction,
                from_region: Some(before.region.clone()),
                to_region: now_region.to_string(),
                last_old_answer_at: Some(before.at),
                observed_at: sighting.at,
                servers: Vec::new(),
                all_servers_at: None,
                post_failover_validation: None,
                waterfall: Vec::new(),
            };
            note_servers(&mut record, sighting);
            record.waterfall = waterfall(&record, predicted);
            out.record = Some(record);
        }
        return out;
    }
    if let Some(open) = current.filter(|c| converging(c, sighting.at)) {
        let mut record = open.clone();
        note_servers(&mut record, sighting);
        if &record != open {
            record.waterfall = waterfall(&record, predicted);
            out.record = Some(record);
        }
    }
    out
}

/// The record still waits for servers to agree (and the window is open): the watch asks each.
pub fn converging(record: &WitnessedFailover, now: DateTime<Utc>) -> bool {
    record.all_servers_at.is_none() && now - record.observed_at < Duration::seconds(CONVERGENCE_WINDOW_SECONDS)
}

/// The standby request is still owed for this record.
pub fn validation_due(spec: &RegionalFailoverSpec, record: &WitnessedFailover, active: Option<&str>) -> bool {
    spec.post_failover_validation.is_some()
        && record.direction == FlipDirection::Failover
        && record.post_failover_validation.is_none()
        && active == Some(record.to_region.as_str())
}

/// Keeps the standby's answer in the record (and its stage in the waterfall).
pub fn attach_validation(record: &mut WitnessedFailover, v: ValidationResult, predicted: &PredictedStages) {
    record.post_failover_validation = Some(v);
    record.waterfall = waterfall(record, predicted);
}

/// The event for the standby's answer after a real failover.
pub fn validation_event(v: &ValidationResult) -> Transition {
    let (type_, reason, note) = match &v.error {
        None => (
            EventType::Normal,
            EventReason::StandbyServing,
            format!(
                "The standby served {} through the failed-over answer (HTTP {}, {} ms).",
                v.url,
                v.status_code.unwrap_or_default(),
                v.latency_ms.unwrap_or_default()
            ),
        ),
        Some(e) => (
            EventType::Warning,
            EventReason::StandbyNotServing,
            format!("DNS failed over but the standby does not serve {} ({e}): check the standby now.", v.url),
        ),
    };
    Transition { type_, reason, action: "Watch", note: truncate(&note) }
}

fn flip_event(
    spec: &RegionalFailoverSpec,
    from: &str,
    to: &str,
    drilling: bool,
    sighting: &Sighting<'_>,
) -> Transition {
    let failback = to == spec.primary.region;
    let name = spec.dns.record_name.trim_end_matches('.');
    let seen = sighting.vantage.map_or_else(String::new, |v| format!(" from {v}"));
    let (reason, mut note) = if failback {
        (
            EventReason::FailbackObserved,
            format!("Regional failback observed{seen}: DNS answers {name} with the primary again ({from} → {to})."),
        )
    } else {
        (
            EventReason::FailoverObserved,
            format!(
                "Regional failover observed{seen}: the authoritative servers answer {name} with {to} instead of {from}."
            ),
        )
    };
    if drilling {
        note.push_str(" A drill of this object is running.");
    }
    if let Some(holder) = sighting.foreign_drill {
        note.push_str(&format!(" A drill of another operator holds the health check ({holder})."));
    }
    // A failover nobody drilled is news; a failback or a drill's own flip is expected.
    let type_ =
        if failback || drilling || sighting.foreign_drill.is_some() { EventType::Normal } else { EventType::Warning };
    Transition { type_, reason, action: "Watch", note: truncate(&note) }
}

/// Each server's first answer with the new region; all agree once every server that answered
/// names it (a server that did not answer is neither for nor against).
fn note_servers(record: &mut WitnessedFailover, sighting: &Sighting<'_>) {
    let failback = record.direction == FlipDirection::Failback;
    for saw in sighting.servers {
        if saw.region.as_deref() != Some(record.to_region.as_str()) {
            continue;
        }
        let entry = match record.servers.iter().position(|s| s.server == saw.server) {
            Some(i) => &mut record.servers[i],
            None => {
                record.servers.push(ServerTimeline {
                    server: saw.server.clone(),
                    failed_over_at: None,
                    failed_back_at: None,
                });
                let last = record.servers.len() - 1;
                &mut record.servers[last]
            }
        };
        let slot = if failback { &mut entry.failed_back_at } else { &mut entry.failed_over_at };
        slot.get_or_insert(sighting.at);
    }
    let answered: Vec<&ServerSaw> = sighting.servers.iter().filter(|s| s.region.is_some()).collect();
    if record.all_servers_at.is_none()
        && !answered.is_empty()
        && answered.iter().all(|s| s.region.as_deref() == Some(record.to_region.as_str()))
    {
        record.all_servers_at = Some(sighting.at);
    }
}

/// The stages the record has evidence for, in seconds from the last old answer (the flip lies
/// between it and the first new answer), next to what the spec's settings predict.
pub fn waterfall(record: &WitnessedFailover, p: &PredictedStages) -> Vec<WaterfallStage> {
    let failback = record.direction == FlipDirection::Failback;
    let start = record.last_old_answer_at.unwrap_or(record.observed_at);
    let ttl = if failback { p.failback_ttl } else { p.ttl };
    let standby = record.post_failover_validation.as_ref().filter(|v| v.ok).map(|v| v.at);
    let clients = record.all_servers_at.map(|t| t + Duration::seconds(i64::from(ttl)));
    let names: [&str; 4] = if failback {
        ["FirstServerFailedBack", "AllServersFailedBack", "StandbyServing", "ClientsFailedBack"]
    } else {
        ["FirstServerFailedOver", "AllServersFailedOver", "StandbyServing", "ClientsFailedOver"]
    };
    let rows = [
        ("LastOldAnswer", Some(start), Some(0)),
        (names[0], Some(record.observed_at), None),
        (names[1], record.all_servers_at, Some(p.propagation)),
        (names[2], if failback { None } else { standby }, Some(p.propagation)),
        (names[3], clients, Some(p.propagation.saturating_add(ttl))),
    ];
    rows.into_iter()
        .filter_map(|(stage, at, predicted)| {
            let at = at?;
            Some(WaterfallStage {
                stage: stage.into(),
                at: Some(at),
                seconds: Some((at - start).num_milliseconds() as f64 / 1000.0),
                predicted_seconds: predicted.map(f64::from),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
