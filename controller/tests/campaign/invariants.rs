//! PURE: the four invariants of issue 14 (item 7), checked on local AWS's own history of one run
//! (`history::History`) and the harness's own log of what it did (`Facts`): never on the drill's
//! report or the operator's status.
//!
//! Definitions (times are local AWS's wall-clock epochs; `I` = the scaled request interval,
//! `P` = `route53ConfigPropagationSeconds`, `FT` = the highest `FailureThreshold` in effect):
//!
//! - **Injection** `k`: an applied change by a drill principal (the operator role, assumed by web
//!   identity) that sets `Inverted` false→true, at `C_k`; it lasts until the next applied change
//!   that sets `Inverted` true→false (any source), at `R_k`. Its deadline `T_k` is the `scheduledFor`
//!   of the fail-safe that fired for it, else `C_k + timeout` (an upper bound of the drill's own
//!   deadline: the drill started before it injected).
//! - **Really down**: `[stop, up)` for every time the harness stopped the primary endpoint, where `up`
//!   is the first raw transition to healthy (`rawTransitions`: the checkers' raw probes, no threshold)
//!   after the harness started it again, or the restart itself if no probe saw it down.
//! - **Inverted** (for (a)): the `effective` timeline, i.e. when the evaluation applied `Inverted`.
//!
//! (a) For every injection `k` and outage `[d, u)` that overlap in time:
//!   (a1) the injection did not START in a visible outage: if `d ≤ C_k < u` then
//!        `C_k − d ≤ (FT + 1)·I + GUARD + A_k + SLACK`, where `(FT + 1)·I` is when every checker has
//!        seen FT failures and DNS answers with the secondary, GUARD the age of the drill's last DNS
//!        answer, and `A_k` how late the Invert request can be applied after that guard under the
//!        run's UpdateHealthCheck faults (`model::Sim`, upper bound);
//!   (a2) it was undone in time: the evaluation stops applying `Inverted` by
//!        `min(restore(t* + B_k + NOTICE + dead) + P + SLACK, T_k + POLL + P)`, `t* = max(d, C_k)`,
//!        where `B_k` is how long the drill may still be blocked in its Invert call after it
//!        applied, NOTICE the drill's own detection (its HTTP probe of the primary every 2 s and one
//!        step), `dead` the time a killed operator was kept dead plus RESTART, and `restore(t)` when
//!        a restore started at `t` is applied at the latest under the run's faults (`model::Sim`).
//!        Past that, only the fail-safe is left: `T_k + POLL + P`.
//! (b) Injections never overlap: no drill principal's applied change lies strictly inside another
//!     injection `[C_k, R_k)` (a second Inverted=true, or any write that is not the restore).
//! (c) Every injection is restored, by the drill or its fail-safe, by `T_k + POLL`.
//! (d) A person's change is never overwritten: after a person changes field F, no drill principal
//!     and no fail-safe changes F until a person or the harness changes it again; and drills and
//!     fail-safes never change anything but `Inverted` at all.

use super::{
    history::{Actor, Change, History},
    model::{Rule, Sim},
};

/// One poll: the runner's slowest regular step (0.5 s), the fail-safe's whole-second `at()` and local
/// AWS's 0.1 s scheduler tick, on a busy 2-core machine.
pub const POLL: f64 = 2.0;
/// Age of the DNS answer the drill's last guard saw: the prober's 1 s timeout (a later answer is
/// unreadable and stops the injection) plus 0.5 s.
pub const GUARD: f64 = 1.5;
/// The drill noticing a failure while injected: its own probe of the primary runs every 2 s
/// (`PROBES_EVERY`; a stopped endpoint refuses at once), picked up at the next step (0.25 s plus at
/// most 1 s of DNS timeout), plus 1.25 s of scheduling slack.
pub const NOTICE: f64 = 4.5;
/// Scheduling slack of a busy 2-core machine.
pub const SLACK: f64 = 1.5;
/// A killed operator restarted by the harness: process start, web identity, list/watch, first
/// reconcile and the resume.
pub const RESTART: f64 = 15.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    pub stop: f64,
    pub start: f64,
}

/// What the harness knows about a run from its own actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub begin: f64,
    pub end: f64,
    pub interval: f64,
    pub propagation: f64,
    pub timeout: f64,
    pub failure_threshold_max: u32,
    pub outages: Vec<Outage>,
    pub rules: Vec<Rule>,
    /// Operators killed (at) and started again (at).
    pub dead: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Injection {
    pub by: String,
    pub seq: u64,
    pub at: f64,
    /// (time, seq, who) of the change that set `Inverted` back.
    pub restored: Option<(f64, u64, Actor)>,
    pub deadline: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub invariant: &'static str,
    /// The window of history that shows it.
    pub from: f64,
    pub to: f64,
    pub text: String,
}

fn violation(invariant: &'static str, from: f64, to: f64, text: String) -> Violation {
    Violation { invariant, from, to, text }
}

/// Injections in order, and (b) violations.
pub fn injections(h: &History, f: &Facts) -> (Vec<Injection>, Vec<Violation>) {
    let (mut out, mut bad) = (Vec::<Injection>::new(), Vec::new());
    let mut open: Option<usize> = None;
    for c in h.changes.iter().filter(|c| c.applied()) {
        match (c.inverted_to(), &c.actor, open) {
            (Some(false), _, Some(i)) => {
                out[i].restored = Some((c.at, c.seq, c.actor.clone()));
                open = None;
            }
            (Some(true), Actor::Drill(by), _) => {
                if let Some(i) = open {
                    let text = format!(
                        "{by} injected (seq {}) while {}'s injection (seq {}) was open",
                        c.seq, out[i].by, out[i].seq
                    );
                    bad.push(violation("b", out[i].at, c.at, text));
                }
                out.push(Injection {
                    by: by.clone(),
                    seq: c.seq,
                    at: c.at,
                    restored: None,
                    deadline: deadline(h, f, c.at),
                });
                open = Some(out.len() - 1);
            }
            (_, Actor::Drill(by), Some(i)) => {
                let text = format!(
                    "{by} wrote the check (seq {}, {:?}) during {}'s injection (seq {}) without restoring it",
                    c.seq,
                    c.fields.keys().collect::<Vec<_>>(),
                    out[i].by,
                    out[i].seq
                );
                bad.push(violation("b", out[i].at, c.at, text));
            }
            _ => {}
        }
    }
    (out, bad)
}

/// `T_k`: the fired fail-safe's time, else `C_k + timeout`.
fn deadline(h: &History, f: &Facts, injected: f64) -> f64 {
    h.fired
        .iter()
        .filter(|x| x.scheduled_for >= injected - 1.0 && x.scheduled_for <= injected + f.timeout + 1.0)
        .map(|x| x.scheduled_for)
        .fold(injected + f.timeout, f64::min)
}

/// `[stop, up)` of every outage of the primary.
pub fn down_intervals(h: &History, f: &Facts) -> Vec<(f64, f64)> {
    f.outages
        .iter()
        .map(|o| {
            let seen_down = h.raw.iter().any(|r| !r.healthy && r.at >= o.stop && r.at <= o.start + 1.0);
            let up = h.raw.iter().find(|r| r.healthy && r.at >= o.start).map(|r| r.at);
            (o.stop, if seen_down { up.unwrap_or(f64::INFINITY) } else { o.start })
        })
        .collect()
}

/// `[on, off)` while the evaluation applied `Inverted`; `off` = infinity while still on.
pub fn inverted_intervals(h: &History) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut on: Option<f64> = None;
    for e in &h.effective {
        match (e.inverted, on) {
            (true, None) => on = Some(e.at),
            (false, Some(t)) => {
                out.push((t, e.at));
                on = None;
            }
            _ => {}
        }
    }
    out.extend(on.map(|t| (t, f64::INFINITY)));
    out
}

/// How late an Invert sent right after its guard can be applied (`A_k`) and how long after that
/// the drill may still be inside the call (`B_k`), under the UpdateHealthCheck faults of the half
/// minute before `C_k`.
fn invert_spans(f: &Facts, injected: f64) -> (f64, f64) {
    let call = Sim::window(&f.rules, injected - 35.0, injected).call("UpdateHealthCheck", 0.0);
    let apply = call.last_apply.unwrap_or(0.0);
    (apply, (call.end - call.first_apply.unwrap_or(call.end)).max(0.0))
}

/// Time a killed operator was kept dead within `[from, to]`, plus RESTART for each.
fn dead_time(f: &Facts, from: f64, to: f64) -> f64 {
    f.dead
        .iter()
        .filter(|(k, r)| *k <= to && r + RESTART >= from)
        .map(|(k, r)| (r - k.max(from)).max(0.0) + RESTART)
        .sum()
}

/// The latest moment the evaluation may still apply injection `k` during an outage from `d`.
pub fn reaction_end(f: &Facts, k: &Injection, d: f64) -> f64 {
    let t_star = d.max(k.at);
    let (_, block) = invert_spans(f, k.at);
    let failsafe = k.deadline + POLL + f.propagation;
    let mut notice = t_star + block + NOTICE;
    notice += dead_time(f, t_star, notice + 60.0);
    let restored = Sim::new(&f.rules).restore_applied(notice, k.deadline + POLL);
    restored.map_or(failsafe, |at| (at + f.propagation + SLACK).min(failsafe))
}

/// (a1) bound: how long after the outage began an injection may still be applied.
pub fn start_window(f: &Facts, k: &Injection) -> f64 {
    let (apply, _) = invert_spans(f, k.at);
    f64::from(f.failure_threshold_max + 1) * f.interval + GUARD + apply + SLACK
}

/// Every violation of (a)–(d) in one run.
pub fn check(h: &History, f: &Facts) -> (Vec<Injection>, Vec<Violation>) {
    let (inj, mut bad) = injections(h, f);
    let down = down_intervals(h, f);
    // (a)
    for (on, off) in inverted_intervals(h) {
        let Some(k) = inj.iter().rev().find(|k| k.at <= on + 0.01) else { continue };
        for &(d, u) in &down {
            if d.max(on) >= u.min(off) {
                continue;
            }
            let w = start_window(f, k);
            if d <= k.at && k.at < u && k.at - d > w {
                let text = format!(
                    "{} injected (seq {}) {:.1}s after the primary went down (allowed {w:.1}s)",
                    k.by,
                    k.seq,
                    k.at - d
                );
                bad.push(violation("a", d, k.at, text));
            }
            let allowed = reaction_end(f, k, d);
            let inverted_until = u.min(off);
            if inverted_until > allowed + 1e-6 {
                let text = format!(
                    "the check stayed inverted (injection seq {} by {}) while the primary was down until {} \
                     (down since {:.1}s, allowed until {:.1}s)",
                    k.seq,
                    k.by,
                    if inverted_until.is_finite() {
                        format!("{:.1}s", inverted_until - f.begin)
                    } else {
                        "the end".into()
                    },
                    d - f.begin,
                    allowed - f.begin
                );
                bad.push(violation("a", d, inverted_until.min(f.end), text));
            }
        }
    }
    // (c)
    for k in &inj {
        match &k.restored {
            None => bad.push(violation(
                "c",
                k.at,
                f.end,
                format!(
                    "injection seq {} by {} was never restored (deadline {:.1}s)",
                    k.seq,
                    k.by,
                    k.deadline - f.begin
                ),
            )),
            Some((at, seq, who)) if *at > k.deadline + POLL => bad.push(violation(
                "c",
                k.at,
                *at,
                format!(
                    "injection seq {} by {} restored at {:.1}s by {} (seq {seq}), after the deadline {:.1}s + {POLL}s",
                    k.seq,
                    k.by,
                    at - f.begin,
                    who.short(),
                    k.deadline - f.begin
                ),
            )),
            Some(_) => {}
        }
    }
    bad.extend(overwrites(&h.changes));
    (inj, bad)
}

/// (d)
pub fn overwrites(changes: &[Change]) -> Vec<Violation> {
    let mut bad = Vec::new();
    let applied: Vec<&Change> = changes.iter().filter(|c| c.applied()).collect();
    for (i, c) in applied.iter().enumerate() {
        if c.actor.is_drill_side() {
            for field in c.fields.keys().filter(|k| k.as_str() != "Inverted") {
                let text =
                    format!("{} changed {field} (seq {}): drills may only change Inverted", c.actor.short(), c.seq);
                bad.push(violation("d", c.at, c.at, text));
            }
        }
        if c.actor != Actor::Person {
            continue;
        }
        for (field, (_, after)) in &c.fields {
            for later in &applied[i + 1..] {
                let Some((_, value)) = later.fields.get(field) else { continue };
                if matches!(later.actor, Actor::Person | Actor::Harness) {
                    break;
                }
                if later.actor.is_drill_side() {
                    let text = format!(
                        "the person set {field} to {after} (seq {}); {} then set it to {value} (seq {})",
                        c.seq,
                        later.actor.short(),
                        later.seq
                    );
                    bad.push(violation("d", c.at, later.at, text));
                }
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests;
