//! PURE: another process's drill on this object's health check, as this operator reports it
//! (docs/architecture.md, "Two regions"): seen (its lock exists and the check is changed), who
//! holds it and when its fail-safe restores the check; announced when it appears and when it ends.

use chrono::{DateTime, Utc};

use super::{
    assemble::ForeignLock,
    events::{EventType, Transition, truncate},
    reasons::{ConditionReason, ConditionType, EventReason},
};
use crate::api::{Condition, ForeignDrill};

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The status record, keeping when it was first seen.
pub fn record(lock: &ForeignLock, previous: Option<&ForeignDrill>, now: DateTime<Utc>) -> ForeignDrill {
    let same = previous.filter(|p| p.lock == lock.lock && p.holder == lock.holder);
    ForeignDrill {
        holder: lock.holder.clone(),
        lock: lock.lock.clone(),
        restores_at: lock.restores_at,
        first_seen_at: same.map_or(now, |p| p.first_seen_at),
    }
}

fn sentence(d: &ForeignDrill) -> String {
    let restores =
        d.restores_at.map_or_else(String::new, |t| format!("; its fail-safe restores the check at {}", at(t)));
    format!(
        "A drill of another operator holds the health check ({}){restores}. This operator leaves it alone",
        d.holder
    )
}

/// The PrimaryHealthy message names the other drill instead of "a drill".
pub fn explain(conditions: &mut [Condition], d: Option<&ForeignDrill>) {
    let Some(d) = d else { return };
    if let Some(c) = conditions.iter_mut().find(|c| {
        c.type_ == ConditionType::PrimaryHealthy.as_str() && c.reason == ConditionReason::DrillInProgress.as_str()
    }) {
        c.message = format!("{}: the primary looks down on purpose.", sentence(d));
    }
}

/// Announced once when it appears and once when it is gone.
pub fn events(previous: Option<&ForeignDrill>, next: Option<&ForeignDrill>, now: DateTime<Utc>) -> Vec<Transition> {
    let event = |type_, reason, note: String| Transition { type_, reason, action: "Verify", note: truncate(&note) };
    match (previous, next) {
        (None, Some(d)) => vec![event(EventType::Normal, EventReason::ForeignDrillSeen, format!("{}.", sentence(d)))],
        (Some(p), None) => {
            let by = match p.restores_at {
                Some(t) if now >= t => format!("restored by its fail-safe (due {})", at(t)),
                _ => "ended by its holder".to_string(),
            };
            vec![event(
                EventType::Normal,
                EventReason::ForeignDrillEnded,
                format!("The drill of {} is over: the health check was {by}.", p.holder),
            )]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
