use super::*;

fn rule(op: &str, kind: Kind, count: Option<u32>) -> Rule {
    Rule { operation: op.into(), kind, count, from: 0.0, until: f64::INFINITY }
}

#[test]
fn an_unfaulted_call_is_one_attempt() {
    let c = Sim::new(&[]).call("UpdateHealthCheck", 10.0);
    assert_eq!(c, Call { end: 10.0 + CALL, ok: true, first_apply: Some(10.0), last_apply: Some(10.0) });
}

#[test]
fn endless_throttling_gives_up_after_five_retries_with_capped_backoff() {
    let mut sim = Sim::new(&[rule("GetHealthCheck", Kind::Throttle, None)]);
    let c = sim.call("GetHealthCheck", 0.0);
    // 6 attempts of CALL each, backoffs 0.2 + 0.4 + 0.8 + 1.6 + 3.2.
    assert!(!c.ok);
    assert!((c.end - (6.0 * CALL + 6.2)).abs() < 1e-9, "{c:?}");
    assert_eq!(c.first_apply, None);
}

#[test]
fn a_counted_rule_is_used_up() {
    let mut sim = Sim::new(&[rule("UpdateHealthCheck", Kind::Error, Some(1))]);
    let c = sim.call("UpdateHealthCheck", 0.0);
    assert!(c.ok);
    assert!((c.first_apply.expect("applied") - (CALL + 0.2)).abs() < 1e-9, "{c:?}");
    assert!(sim.call("UpdateHealthCheck", 5.0).first_apply == Some(5.0), "the rule is spent");
}

#[test]
fn an_attempt_beyond_the_timeout_is_still_applied_when_its_latency_ends() {
    // 10.5 s latency on the first attempt only: the client gives up at 10 s and retries at 10.2 s,
    // which is applied at once; the abandoned first attempt lands at 10.5 s.
    let mut sim = Sim::new(&[rule("UpdateHealthCheck", Kind::Latency(10.5), Some(1))]);
    let c = sim.call("UpdateHealthCheck", 0.0);
    assert!(c.ok);
    assert_eq!(c.first_apply, Some(10.2));
    assert_eq!(c.last_apply, Some(10.5));
    // Every attempt delayed: three timeouts, each applied 12 s after it was sent.
    let mut sim = Sim::new(&[rule("UpdateHealthCheck", Kind::Latency(12.0), None)]);
    let c = sim.call("UpdateHealthCheck", 0.0);
    assert!(!c.ok);
    assert!((c.end - 30.6).abs() < 1e-9, "{c:?}");
    assert_eq!(c.first_apply, Some(12.0));
    assert!((c.last_apply.expect("applied") - 32.6).abs() < 1e-9, "{c:?}");
}

#[test]
fn a_restore_waits_out_a_rule_that_ends() {
    // Updates fail until t = 20: the runner's backoff (1, 2, 4, 8 … s) carries the restore past it.
    let r = Rule { operation: "UpdateHealthCheck".into(), kind: Kind::Error, count: None, from: 0.0, until: 20.0 };
    let at = Sim::new(&[r]).restore_applied(0.0, 100.0).expect("applied once the rule ended");
    assert!((20.0..40.0).contains(&at), "{at}");
    assert_eq!(Sim::new(&[]).restore_applied(3.0, 100.0), Some(3.0 + CALL));
}

#[test]
fn a_window_makes_every_overlapping_rule_permanent() {
    let early =
        Rule { operation: "UpdateHealthCheck".into(), kind: Kind::Throttle, count: None, from: 0.0, until: 1.0 };
    let late = Rule { from: 50.0, until: 60.0, ..early.clone() };
    let mut sim = Sim::window(&[early, late], 0.5, 10.0);
    assert!(!sim.call("UpdateHealthCheck", 100.0).ok, "the early rule counts at any time");
    let mut sim = Sim::window(&[Rule { from: 50.0, until: 60.0, ..rule("X", Kind::Throttle, None) }], 0.0, 10.0);
    assert!(sim.call("X", 55.0).ok, "a rule outside the window is left out");
}

#[test]
fn the_runner_backoff_doubles_to_thirty_seconds() {
    let b: Vec<f64> = (1..=8).map(runner_backoff).collect();
    assert_eq!(b, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]);
}
