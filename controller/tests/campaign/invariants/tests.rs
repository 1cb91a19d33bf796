//! The checker itself, on hand-made histories: each invariant passes a clean drill and catches the
//! violation it names.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::campaign::{
    history::{Effective, Fired, Raw},
    model::Kind,
};

fn change(seq: u64, at: f64, actor: Actor, fields: &[(&str, Value, Value)]) -> Change {
    let fields: BTreeMap<String, (Value, Value)> =
        fields.iter().map(|(k, b, a)| ((*k).to_string(), (b.clone(), a.clone()))).collect();
    Change { seq, at, kind: "update".into(), actor, fields, version_after: Some(seq as i64), error: None }
}

fn drill(name: &str) -> Actor {
    Actor::Drill(name.into())
}

fn invert(seq: u64, at: f64, who: Actor) -> Change {
    change(seq, at, who, &[("Inverted", json!(false), json!(true))])
}

fn restore(seq: u64, at: f64, who: Actor) -> Change {
    change(seq, at, who, &[("Inverted", json!(true), json!(false))])
}

fn effective(points: &[(f64, bool)]) -> Vec<Effective> {
    points.iter().map(|&(at, inverted)| Effective { at, inverted, disabled: false }).collect()
}

fn facts(outages: &[(f64, f64)]) -> Facts {
    Facts {
        begin: 0.0,
        end: 120.0,
        interval: 1.0,
        propagation: 1.0,
        timeout: 60.0,
        failure_threshold_max: 3,
        outages: outages.iter().map(|&(stop, start)| Outage { stop, start }).collect(),
        rules: Vec::new(),
        dead: Vec::new(),
    }
}

/// A drill: injected at 10, restored at 14 (effective one propagation later).
fn clean() -> History {
    History {
        changes: vec![invert(1, 10.0, drill("cli-1")), restore(2, 14.0, drill("cli-1"))],
        effective: effective(&[(0.0, false), (11.0, true), (15.0, false)]),
        raw: vec![Raw { at: 0.0, healthy: true }],
        fired: Vec::new(),
    }
}

fn invariants(bad: &[Violation]) -> Vec<&'static str> {
    bad.iter().map(|v| v.invariant).collect()
}

#[test]
fn a_clean_drill_passes_and_is_one_injection() {
    let (inj, bad) = check(&clean(), &facts(&[]));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(inj.len(), 1);
    assert_eq!(inj[0].deadline, 70.0, "C_k + timeout without a fired fail-safe");
    assert_eq!(inj[0].restored.as_ref().map(|r| r.0), Some(14.0));
}

#[test]
fn a_injecting_into_a_visible_outage_is_a_violation() {
    // The scenario: the primary down since 0 (DNS failed over by 4), inverted at 10.
    let mut h = clean();
    h.raw = vec![Raw { at: 0.0, healthy: true }, Raw { at: 0.5, healthy: false }, Raw { at: 40.5, healthy: true }];
    let (_, bad) = check(&h, &facts(&[(0.0, 40.0)]));
    assert!(bad.iter().any(|v| v.invariant == "a" && v.text.contains("after the primary went down")), "{bad:?}");
    // Within the detection window ((3 + 1) × 1 + 1.5 + 1.5 = 7 s) it is allowed, and restored in time.
    let (_, bad) = check(&h, &facts(&[(4.0, 40.0)]));
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn a_staying_inverted_while_down_beyond_the_reaction_bound_is_a_violation() {
    let mut h = clean();
    h.changes[1].at = 40.0;
    h.effective = effective(&[(0.0, false), (11.0, true), (41.0, false)]);
    // The primary went down at 12: noticed by 12 + 0.5 (the Invert call) + 4.5, restored 0.5 s later,
    // applied by the evaluation 1 s after that, plus 1.5 s of slack: 20.0.
    let (_, bad) = check(&h, &facts(&[(12.0, 30.0)]));
    assert_eq!(invariants(&bad), ["a"], "{bad:?}");
    assert!(bad[0].text.contains("allowed until 20.0s"), "{bad:?}");
    // Without an outage, a long injection is no (a) violation.
    assert!(check(&h, &facts(&[])).1.is_empty());
}

#[test]
fn a_the_bound_grows_with_faults_on_the_restore_path_and_dead_operators() {
    let mut h = clean();
    h.changes[1].at = 30.0;
    h.effective = effective(&[(0.0, false), (11.0, true), (31.0, false)]);
    let mut f = facts(&[(12.0, 50.0)]);
    assert!(!check(&h, &f).1.is_empty(), "30 s is too late without faults");
    // UpdateHealthCheck delayed 12 s (beyond the attempt timeout) from 10 to 25.
    f.rules = vec![Rule {
        operation: "UpdateHealthCheck".into(),
        kind: Kind::Latency(12.0),
        count: None,
        from: 10.0,
        until: 25.0,
    }];
    assert!(check(&h, &f).1.is_empty(), "{:?}", check(&h, &f).1);
    let mut f = facts(&[(12.0, 50.0)]);
    f.dead = vec![(11.0, 14.0)];
    assert!(check(&h, &f).1.is_empty(), "an operator dead from 11 to 14 restores after its restart");
    // A driver killed for good: only the fail-safe is left, at the deadline.
    f.dead = vec![(11.0, f64::INFINITY)];
    let (inj, _) = check(&h, &f);
    assert_eq!(reaction_end(&f, &inj[0], 12.0), 70.0 + POLL + 1.0);
}

#[test]
fn b_a_second_injection_or_a_foreign_write_inside_one_is_a_violation() {
    let mut h = clean();
    h.changes.insert(1, change(5, 12.0, drill("op-b-1"), &[]));
    let (_, bad) = check(&h, &facts(&[]));
    assert_eq!(invariants(&bad), ["b"], "{bad:?}");
    let mut h = clean();
    h.changes.insert(1, invert(5, 12.0, drill("op-b-1")));
    assert!(check(&h, &facts(&[])).1.iter().any(|v| v.invariant == "b"));
    // Rejected writes change nothing and are fine.
    let mut h = clean();
    let mut rejected = invert(5, 12.0, drill("op-b-1"));
    rejected.kind = "rejected".into();
    h.changes.insert(1, rejected);
    assert!(check(&h, &facts(&[])).1.is_empty());
}

#[test]
fn c_an_injection_never_restored_or_restored_late_is_a_violation() {
    let mut h = clean();
    h.changes.pop();
    h.effective.pop();
    let (_, bad) = check(&h, &facts(&[]));
    assert_eq!(invariants(&bad), ["c"], "{bad:?}");
    // Restored by the fail-safe at its deadline: fine; a minute later: not.
    let mut h = clean();
    h.changes[1] = restore(2, 62.5, Actor::Scheduler("regionalfailover-x".into()));
    h.fired = vec![Fired { name: "regionalfailover-x".into(), scheduled_for: 62.0, fired_at: 62.4, error: None }];
    let (inj, bad) = check(&h, &facts(&[]));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(inj[0].deadline, 62.0);
    h.changes[1].at = 122.0;
    assert_eq!(invariants(&check(&h, &facts(&[])).1), ["c"]);
}

#[test]
fn d_a_persons_change_set_back_by_a_drill_or_the_fail_safe_is_a_violation() {
    let person = change(3, 12.0, Actor::Person, &[("FailureThreshold", json!(3), json!(4))]);
    let mut h = clean();
    h.changes.insert(1, person.clone());
    assert!(check(&h, &facts(&[])).1.is_empty(), "restoring Inverted keeps the person's change");
    let mut h = clean();
    h.changes[1].fields.insert("FailureThreshold".into(), (json!(4), json!(3)));
    h.changes.insert(1, person.clone());
    let bad = check(&h, &facts(&[])).1;
    assert_eq!(invariants(&bad), ["d", "d"], "{bad:?}");
    // The harness resetting it between runs is not a drill.
    let reset = change(9, 30.0, Actor::Harness, &[("FailureThreshold", json!(4), json!(3))]);
    let h = History { changes: vec![person, reset], ..History::default() };
    assert!(overwrites(&h.changes).is_empty());
}
