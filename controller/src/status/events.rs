//! Kubernetes events for condition transitions: people watching `kubectl get events` learn when
//! drift appears or clears, the primary goes down or recovers, and replication degrades or
//! recovers, once per transition rather than once per reconcile.

use super::{
    conditions::find_condition,
    reasons::{ConditionReason, ConditionType, EventReason},
};
use crate::api::{Condition, ConditionStatus};

/// Kubernetes event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// One event to emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub type_: EventType,
    /// CamelCase event reason, e.g. `DriftDetected`.
    pub reason: EventReason,
    /// What the operator was doing (the event's `action`).
    pub action: &'static str,
    /// Human text, at most [`MAX_NOTE_BYTES`].
    pub note: String,
}

/// The API server rejects event notes longer than 1 kB.
pub const MAX_NOTE_BYTES: usize = 1024;

struct Rule {
    condition: ConditionType,
    went_bad: EventReason,
    recovered: EventReason,
    recovered_note: &'static str,
}

const RULES: [Rule; 3] = [
    Rule {
        condition: ConditionType::InSync,
        went_bad: EventReason::DriftDetected,
        recovered: EventReason::DriftResolved,
        recovered_note: "The live AWS resources match the spec again.",
    },
    Rule {
        condition: ConditionType::PrimaryHealthy,
        went_bad: EventReason::PrimaryUnhealthy,
        recovered: EventReason::PrimaryRecovered,
        recovered_note: "Route 53's checkers see the primary healthy again; DNS answers with the primary.",
    },
    Rule {
        condition: ConditionType::ReplicationHealthy,
        went_bad: EventReason::ReplicaDegraded,
        recovered: EventReason::ReplicaRecovered,
        recovered_note: "Every replica is ACTIVE and the lag is within the recovery point objective again.",
    },
];

/// Events for conditions that became False (Warning; Normal when our own drill caused it) or
/// came back to True from False. Moves to or from Unknown say nothing about the world and are
/// silent; a condition absent from `previous` counts as Unknown, so a problem found on the first
/// reconcile is still announced.
pub fn transitions(previous: &[Condition], next: &[Condition]) -> Vec<Transition> {
    let status = |cs: &[Condition], t| find_condition(cs, t).map_or(ConditionStatus::Unknown, |c| c.status);
    let mut out = Vec::new();
    for rule in &RULES {
        let Some(now) = find_condition(next, rule.condition) else { continue };
        let before = status(previous, rule.condition);
        match (before, now.status) {
            (ConditionStatus::True | ConditionStatus::Unknown, ConditionStatus::False) => {
                let expected = now.reason == ConditionReason::DrillInProgress.as_str();
                out.push(Transition {
                    type_: if expected { EventType::Normal } else { EventType::Warning },
                    reason: rule.went_bad,
                    action: "Verify",
                    note: truncate(&now.message),
                });
            }
            (ConditionStatus::False, ConditionStatus::True) => out.push(Transition {
                type_: EventType::Normal,
                reason: rule.recovered,
                action: "Verify",
                note: rule.recovered_note.to_string(),
            }),
            _ => {}
        }
    }
    out.extend(access_transition(previous, next));
    out
}

/// IAM refusing the operator is announced once when it starts (Warning, with the action and the
/// fix) and once when it stops.
fn access_transition(previous: &[Condition], next: &[Condition]) -> Option<Transition> {
    fn denied(cs: &[Condition]) -> Option<&Condition> {
        find_condition(cs, ConditionType::Ready).filter(|c| c.reason == ConditionReason::AccessDenied.as_str())
    }
    match (denied(previous), denied(next)) {
        (None, Some(now)) => Some(Transition {
            type_: EventType::Warning,
            reason: EventReason::AccessDenied,
            action: "Verify",
            note: truncate(&now.message),
        }),
        (Some(_), None) if find_condition(next, ConditionType::Ready).is_some() => Some(Transition {
            type_: EventType::Normal,
            reason: EventReason::AccessRestored,
            action: "Verify",
            note: "AWS accepts the operator's requests again.".into(),
        }),
        _ => None,
    }
}

pub fn truncate(s: &str) -> String {
    if s.len() <= MAX_NOTE_BYTES {
        return s.to_string();
    }
    let mut end = MAX_NOTE_BYTES - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests;
