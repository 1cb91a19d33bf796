//! PURE: drills that never overlap, judged on local AWS's own history of a health check
//! (`campaign/history.rs`): who set `Inverted` true, who set it back, and nothing else of a drill
//! in between. Included with `#[path]` by tests that declare `history` at their root.

use crate::history::{Actor, Change};

/// One injection as local AWS recorded it: who set `Inverted` true, when, and who set it back.
#[derive(Debug, PartialEq)]
pub struct Injection {
    pub by: String,
    pub at: f64,
    pub restored_by: String,
    pub restored_at: f64,
}

/// PURE: the injections in local AWS's history of the check, or the first sign of two drills at
/// once: `Inverted` set true while another injection is open, or any other drill principal's change
/// inside it. An injection is closed by its own process or by its fail-safe (the scheduler), and
/// every injection must be closed.
pub fn injections(changes: &[Change]) -> Result<Vec<Injection>, String> {
    let mut done = Vec::new();
    let mut open: Option<(String, f64)> = None;
    for c in changes.iter().filter(|c| c.applied()) {
        let who = c.actor.short();
        match (c.inverted_to(), &open) {
            (Some(true), None) => open = Some((who, c.at)),
            (Some(true), Some((by, at))) => {
                return Err(format!("{who} inverted the check at {:.3} inside {by}'s injection from {at:.3}", c.at));
            }
            (Some(false), Some((by, at))) => {
                if who != *by && !matches!(c.actor, Actor::Scheduler(_)) {
                    return Err(format!("{who} restored {by}'s injection (from {at:.3}) at {:.3}", c.at));
                }
                done.push(Injection { by: by.clone(), at: *at, restored_by: who, restored_at: c.at });
                open = None;
            }
            (Some(false), None) => return Err(format!("{who} restored at {:.3} with no injection open", c.at)),
            (None, Some((by, at))) if c.actor.is_drill_side() && who != *by => {
                return Err(format!("{who} changed the check at {:.3} inside {by}'s injection from {at:.3}", c.at));
            }
            (None, _) => {}
        }
    }
    match open {
        Some((by, at)) => Err(format!("{by}'s injection from {at:.3} was never restored")),
        None => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn change(seq: u64, actor: Actor, inverted: Option<bool>) -> Change {
        let mut fields = BTreeMap::new();
        if let Some(v) = inverted {
            fields.insert("Inverted".to_string(), (json!(!v), json!(v)));
        }
        Change {
            seq,
            at: seq as f64,
            kind: "update".into(),
            actor,
            fields,
            version_after: Some(seq as i64),
            error: None,
        }
    }

    #[test]
    fn injections_in_turn_pass_and_any_overlap_fails() {
        let (east, west) = (Actor::Drill("op-us-east-1".into()), Actor::Drill("op-us-west-2".into()));
        let turns = [
            change(1, east.clone(), Some(true)),
            change(2, east.clone(), Some(false)),
            change(3, west.clone(), Some(true)),
            change(4, Actor::Scheduler("regionalfailover-x".into()), Some(false)),
        ];
        let found = injections(&turns).expect("no overlap");
        assert_eq!(found.len(), 2);
        assert_eq!((found[1].by.as_str(), found[1].restored_by.as_str()), ("op-us-west-2", "fail-safe"));

        let twice = [change(1, east.clone(), Some(true)), change(2, west.clone(), Some(true))];
        assert!(injections(&twice).is_err());
        // A second Invert while inverted changes no field but is still a write inside the injection.
        let hidden = [change(1, east.clone(), Some(true)), change(2, west.clone(), None)];
        assert!(injections(&hidden).is_err());
        let foreign_restore = [change(1, east.clone(), Some(true)), change(2, west, Some(false))];
        assert!(injections(&foreign_restore).is_err());
        assert!(injections(&[change(1, east, Some(true))]).is_err(), "never restored");
    }
}
