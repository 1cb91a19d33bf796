//! The end of a run: clear the faults, wait out delayed writes and, if the check is still
//! inverted, its fail-safe; remove a leftover lock; reset what a person changed; settle; then check
//! the invariants on local AWS's history of the run and report.

use std::time::Duration;

use super::{
    drivers::Cli,
    faults::Book,
    history::{self, Actor},
    invariants::{self, Facts, POLL, Violation},
    lane::{INTERVAL, Lane, PROPAGATION, TIMEOUT},
    plan::Plan,
    report::{self, RunReport},
    run::{Log, drill_of, record, start_primary},
    settle::{self, now},
};

#[allow(clippy::too_many_arguments)]
pub async fn cleanup(
    lane: &mut Lane,
    index: usize,
    plan: &Plan,
    begin: f64,
    mut book: Book,
    mut log: Log,
    clis: Vec<Cli>,
    annotated: Vec<usize>,
    person: Option<tokio::task::JoinHandle<String>>,
    stuck: bool,
) -> RunReport {
    let drivers_done = now();
    let drained = book.clear(&lane.g.local);
    for r in &book.aws {
        log.events.extend(r.hits.iter().map(|t| (*t, format!("{}:{} hit", r.fault.service, r.fault.operation))));
    }
    start_primary(lane, &mut log);
    if log.events.iter().any(|(_, e)| e.starts_with("secondary stopped"))
        && !log.events.iter().any(|(_, e)| e == "secondary started")
    {
        lane.g.secondary.start();
        log.note("secondary started".into());
    }
    if let Some(p) = person {
        let result = p.await.unwrap_or_else(|e| format!("panicked: {e}"));
        log.note(format!("person's change {result}"));
    }
    // Requests delayed by latency faults are still applied when their delay ends.
    let wait = (drained - now()).max(0.0);
    tokio::time::sleep(Duration::from_secs_f64(wait + 0.3)).await;
    // Still inverted: only the fail-safe is left; it fires at the deadline.
    let changes = history::changes_since(&lane.g.local, &lane.g.hc, begin);
    let last_injection = changes.iter().rev().find(|c| c.inverted_to() == Some(true)).map(|c| c.at);
    if settle::config(lane).await.inverted() == Some(true) {
        let until = last_injection.unwrap_or(begin) + f64::from(TIMEOUT) + POLL + 3.0;
        log.note("still inverted after the drivers ended: waiting for the fail-safe".into());
        while now() < until && settle::config(lane).await.inverted() == Some(true) {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    // An operator writes a finished record before it releases the lock (the record that asks for a
    // cleanup comes first), so a release may still be under way, backing off after a fault: give
    // it time. A lock left after that (a killed driver's late CreateSchedule, a release that
    // failed) keeps every drill of the check out until its fail-safe fires; nothing is inverted and
    // nothing is in flight any more, so the harness removes it to keep the campaign short.
    let patience = now() + 8.0;
    while now() < patience && settle::lock(lane).await.is_some() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if let Some(at) = settle::lock(lane).await {
        log.notes.push(format!("orphan lock {at} deleted by the harness"));
        settle::delete_lock(lane).await;
    }
    let reset = settle::reset_check(lane).await;
    if !reset.is_empty() {
        log.note(format!("harness reset {reset:?}"));
    }
    settle::settled(&lane.g.local, &lane.g.hc, begin).await;
    let end = now();
    let h = history::fetch(&lane.g.local, &lane.g.hc, begin - 0.1);
    let person_ft = h
        .changes
        .iter()
        .filter(|c| c.applied() && c.actor == Actor::Person)
        .filter_map(|c| c.fields.get("FailureThreshold").and_then(|(_, a)| a.as_u64()))
        .max()
        .unwrap_or(3) as u32;
    let facts = Facts {
        begin,
        end,
        interval: INTERVAL,
        propagation: PROPAGATION,
        timeout: f64::from(TIMEOUT),
        failure_threshold_max: person_ft.max(3),
        outages: log.outages.clone(),
        rules: book.rules(),
        dead: log.dead.clone(),
    };
    let (injections, mut violations) = invariants::check(&h, &facts);
    if stuck {
        violations.push(Violation {
            invariant: "liveness",
            from: begin,
            to: drivers_done,
            text: "the drivers did not end in time".into(),
        });
    }
    let mut outcomes: Vec<String> = clis.iter().map(|c| format!("{}={}", c.session, c.outcome())).collect();
    for which in annotated {
        if let Some(rf) = record(lane, which).await {
            let last = drill_of(&rf, begin).1;
            let text = last.map_or("none".into(), |r| format!("{:?}/{}", r.phase, r.reason.unwrap_or_default()));
            outcomes.push(format!("op-{}={text}", ["a", "b"][which]));
        }
    }
    report::assemble(index, plan, begin, end, &h, &facts, &book, log, outcomes, injections.len(), violations)
}
