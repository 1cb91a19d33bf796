//! Kubernetes events for condition transitions: people watching `kubectl get events` learn when
//! drift appears or clears, the primary goes down or recovers, and replication degrades or
//! recovers, once per transition rather than once per reconcile.

use super::conditions::{ConditionTypes, Reasons, find_condition};
use crate::api::{Condition, ConditionStatus};

/// Kubernetes event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// One event to emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub type_: EventType,
    /// CamelCase event reason, e.g. `DriftDetected`.
    pub reason: &'static str,
    /// What the operator was doing (the event's `action`).
    pub action: &'static str,
    /// Human text, at most [`MAX_NOTE_BYTES`].
    pub note: String,
}

/// The API server rejects event notes longer than 1 kB.
pub const MAX_NOTE_BYTES: usize = 1024;

struct Rule {
    condition: &'static str,
    went_bad: &'static str,
    recovered: &'static str,
    recovered_note: &'static str,
}

const RULES: [Rule; 3] = [
    Rule {
        condition: ConditionTypes::IN_SYNC,
        went_bad: "DriftDetected",
        recovered: "DriftResolved",
        recovered_note: "The live AWS resources match the spec again.",
    },
    Rule {
        condition: ConditionTypes::PRIMARY_HEALTHY,
        went_bad: "PrimaryUnhealthy",
        recovered: "PrimaryRecovered",
        recovered_note: "Route 53's checkers see the primary healthy again; DNS answers with the primary.",
    },
    Rule {
        condition: ConditionTypes::REPLICATION_HEALTHY,
        went_bad: "ReplicaDegraded",
        recovered: "ReplicaRecovered",
        recovered_note: "Every replica is ACTIVE and the lag is within the recovery point objective again.",
    },
];

/// Events for conditions that became False (Warning; Normal when our own drill caused it) or
/// came back to True from False. Moves to or from Unknown say nothing about the world and are
/// silent; a condition absent from `previous` counts as Unknown, so a problem found on the first
/// reconcile is still announced.
pub fn transitions(previous: &[Condition], next: &[Condition]) -> Vec<Transition> {
    let status = |cs: &[Condition], t: &str| find_condition(cs, t).map_or(ConditionStatus::Unknown, |c| c.status);
    let mut out = Vec::new();
    for rule in &RULES {
        let Some(now) = find_condition(next, rule.condition) else { continue };
        let before = status(previous, rule.condition);
        match (before, now.status) {
            (ConditionStatus::True | ConditionStatus::Unknown, ConditionStatus::False) => {
                let expected = now.reason == Reasons::DRILL_IN_PROGRESS;
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
    out
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_NOTE_BYTES {
        return s.to_string();
    }
    let mut end = MAX_NOTE_BYTES - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
