//! One run: start the drivers, inject the plan's faults at their moments (reading local AWS's
//! change history to know when the injection and its restore happened), wait for every driver to
//! end, clear the faults, wait out the fail-safe if the check is still inverted, settle, and check
//! the invariants on local AWS's history of the run.

use std::time::Duration;

use regional_failover::api::{DrillRecord, RegionalFailover};

use super::{
    drivers::Cli,
    faults::Book,
    history::{self, Actor},
    invariants::Outage,
    lane::{Lane, NAMESPACES, OBJECT, TIMEOUT, annotate},
    plan::{Driver, Kill, Mode, PersonChange, Plan, When},
    report::{self, RunReport},
    settle::now,
};

/// A run whose drivers have not all ended this long after they started is stuck.
const CAP: f64 = TIMEOUT as f64 + 45.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum What {
    Driver(usize),
    AddAws(usize),
    AddDns(usize),
    StopPrimary,
    StopSecondary,
    Person,
    Interrupt,
    KillCli,
}

/// The harness's own log: what it did, when (for the excerpts and the facts).
#[derive(Default)]
pub struct Log {
    pub events: Vec<(f64, String)>,
    pub outages: Vec<Outage>,
    pub dead: Vec<(f64, f64)>,
    pub injected: Vec<String>,
    pub notes: Vec<String>,
}

impl Log {
    pub(super) fn note(&mut self, text: String) {
        self.events.push((now(), text));
    }
}

struct Moments {
    start: f64,
    injection: Option<f64>,
    restore: Option<f64>,
}

impl Moments {
    fn due(&self, when: When) -> Option<f64> {
        match when {
            When::Before => Some(f64::NEG_INFINITY),
            When::After(s) => Some(self.start + s),
            When::AtInjection(s) => self.injection.map(|t| t + s),
            When::AtRestore(s) => self.restore.map(|t| t + s),
        }
    }
}

fn planned(plan: &Plan) -> Vec<(When, What)> {
    let mut out: Vec<(When, What)> = Vec::new();
    for (i, f) in plan.aws.iter().enumerate() {
        out.push((f.when, What::AddAws(i)));
    }
    for (i, f) in plan.dns.iter().enumerate() {
        out.push((f.when, What::AddDns(i)));
    }
    out.extend(plan.primary.as_ref().map(|o| (o.when, What::StopPrimary)));
    out.extend(plan.secondary.as_ref().map(|o| (o.when, What::StopSecondary)));
    out.extend(plan.person.as_ref().map(|(_, w)| (*w, What::Person)));
    out.extend(plan.interrupt.map(|w| (w, What::Interrupt)));
    out.extend(plan.cli_kill.map(|w| (w, What::KillCli)));
    for (i, d) in plan.drivers.iter().enumerate() {
        let at = match d {
            Driver::Cli { at } | Driver::Operator { at, .. } => *at,
        };
        out.push((When::After(at), What::Driver(i)));
    }
    out
}

fn order(phase: &str) -> usize {
    ["Pending", "Preflight", "Injecting", "AwaitingFailover", "Restoring", "AwaitingFailback"]
        .iter()
        .position(|p| *p == phase)
        .unwrap_or(usize::MAX)
}

pub(super) async fn record(lane: &Lane, which: usize) -> Option<RegionalFailover> {
    lane.ops.as_ref()?.api(which).get(OBJECT).await.ok()
}

pub(super) fn drill_of(rf: &RegionalFailover, begin: f64) -> (Option<DrillRecord>, Option<DrillRecord>) {
    let d = rf.status.as_ref().and_then(|s| s.drill.as_ref());
    let since = |r: &&DrillRecord| r.started_at.timestamp_millis() as f64 / 1000.0 >= begin;
    (d.and_then(|d| d.current.as_ref()).filter(since).cloned(), d.and_then(|d| d.last.as_ref()).filter(since).cloned())
}

pub async fn run(lane: &mut Lane, index: usize, plan: &Plan) -> RunReport {
    if plan.mode == Mode::Operator {
        lane.operators().await;
    }
    let begin = now();
    let mut log = Log::default();
    let mut book = Book::default();
    let mut moments = Moments { start: begin + plan.lead, injection: None, restore: None };
    let mut todo = planned(plan);
    let mut timed: Vec<(f64, &'static str, usize)> = Vec::new();
    let mut clis: Vec<Cli> = Vec::new();
    let mut annotated: Vec<usize> = Vec::new();
    let mut person: Option<tokio::task::JoinHandle<String>> = None;
    let (mut killed, mut restart_at, mut stuck) = (false, None::<f64>, false);
    let hc = lane.g.hc.clone();
    loop {
        let t = now();
        book.follow(&lane.g.local);
        if moments.injection.is_none() || moments.restore.is_none() {
            let changes = history::changes_since(&lane.g.local, &hc, begin);
            if let Some(inj) =
                changes.iter().find(|c| matches!(c.actor, Actor::Drill(_)) && c.inverted_to() == Some(true))
            {
                moments.injection.get_or_insert(inj.at);
                let back = changes.iter().find(|c| c.seq > inj.seq && c.inverted_to() == Some(false));
                moments.restore = back.map(|c| c.at);
            }
        }
        let (due, rest): (Vec<_>, Vec<_>) =
            todo.into_iter().partition(|(w, _)| moments.due(*w).is_some_and(|d| d <= t));
        todo = rest;
        for (when, what) in due {
            act(lane, plan, what, when, index, &mut book, &mut log, &mut clis, &mut annotated, &mut person, &mut timed)
                .await;
        }
        let (now_due, later): (Vec<_>, Vec<_>) = timed.into_iter().partition(|(at, _, _)| *at <= t);
        timed = later;
        for (_, what, i) in now_due {
            undo(lane, what, i, &mut book, &mut log);
        }
        if let (Some(k), false) = (&plan.kill, killed)
            && let Some(rf) = record(lane, k.which).await
        {
            (killed, restart_at) = kill_in_phase(lane, k, &rf, begin, &mut log);
        }
        if restart_at.is_some_and(|r| r <= t) {
            let which = plan.kill.as_ref().map_or(0, |k| k.which);
            let session = lane.start_operator(which);
            log.note(format!("operator {} restarted as {session}", NAMESPACES[which]));
            if let Some(d) = log.dead.last_mut() {
                d.1 = now();
            }
            restart_at = None;
        }
        let mut done = todo.iter().all(|(_, w)| !matches!(w, What::Driver(_))) && restart_at.is_none();
        for c in &mut clis {
            done &= c.poll().await;
        }
        for &which in &annotated {
            let rf = record(lane, which).await;
            done &= rf.is_some_and(|rf| matches!(drill_of(&rf, begin), (None, Some(_))));
        }
        if done {
            break;
        }
        if t - moments.start > CAP {
            stuck = true;
            log.notes.push(format!("STUCK: drivers still running {CAP}s after the start; killed"));
            for c in &clis {
                c.signal("KILL");
            }
            if let Some(ops) = lane.ops.as_mut() {
                ops.procs.iter_mut().flatten().for_each(|p| p.kill9());
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    super::cleanup::cleanup(lane, index, plan, begin, book, log, clis, annotated, person, stuck).await
}

/// Kills operator `k.which` once its drill of this run reached `k.phase` (or a later one); returns
/// (done with the kill, when to restart it).
fn kill_in_phase(lane: &mut Lane, k: &Kill, rf: &RegionalFailover, begin: f64, log: &mut Log) -> (bool, Option<f64>) {
    match drill_of(rf, begin) {
        (Some(cur), _) if order(&format!("{:?}", cur.phase)) >= order(k.phase) => {
            if let Some(p) = lane.ops.as_mut().and_then(|o| o.procs[k.which].as_mut()) {
                p.kill9();
            }
            log.note(format!("kill -9 operator {} in {:?}", NAMESPACES[k.which], cur.phase));
            log.injected.push(format!("kill9:{:?}", cur.phase));
            log.dead.push((now(), f64::INFINITY));
            (true, Some(now() + k.restart_after))
        }
        (None, Some(_)) => {
            log.notes.push(format!("kill skipped: the drill ended before {}", k.phase));
            (true, None)
        }
        _ => (false, None),
    }
}

#[allow(clippy::too_many_arguments)]
async fn act(
    lane: &mut Lane,
    plan: &Plan,
    what: What,
    when: When,
    index: usize,
    book: &mut Book,
    log: &mut Log,
    clis: &mut Vec<Cli>,
    annotated: &mut Vec<usize>,
    person: &mut Option<tokio::task::JoinHandle<String>>,
    timed: &mut Vec<(f64, &'static str, usize)>,
) {
    let local = &lane.g.local;
    match what {
        What::Driver(i) => match &plan.drivers[i] {
            Driver::Cli { .. } => {
                let session = format!("cli-{}-{}", plan.seed, clis.len() + 1);
                let log_path = lane.log_path(&format!("run{index}-{session}.log"));
                clis.push(Cli::spawn(&lane.g, &lane.manifest, &session, &log_path));
                log.note(format!("started {session}"));
            }
            Driver::Operator { which, .. } => {
                let ops = lane.ops.as_ref().expect("operator run");
                annotate(ops, *which, &format!("smoke/run{index}-seed{}", plan.seed)).await;
                annotated.push(*which);
                log.note(format!("annotated {}/{OBJECT}", NAMESPACES[*which]));
            }
        },
        What::AddAws(i) => {
            let f = &plan.aws[i];
            book.add_aws(local, f);
            log.note(format!("fault {f}"));
            log.injected.push(report::aws_kind(f));
            if f.count.is_none() {
                timed.push((now() + f.lasts, "aws", book.aws.len() - 1));
            }
        }
        What::AddDns(i) => {
            let f = &plan.dns[i];
            book.add_dns(local, f);
            log.note(format!("fault {f}"));
            log.injected.push(report::dns_kind(f));
            if f.count.is_none() {
                timed.push((now() + f.lasts, "dns", book.dns.len() - 1));
            }
        }
        What::StopPrimary => {
            lane.g.primary.stop();
            let at = now();
            log.outages.push(Outage { stop: at, start: f64::INFINITY });
            log.note(format!("primary stopped {when}"));
            log.injected.push(format!("primary-down:{}", report::when_kind(when)));
            timed.push((at + plan.primary.as_ref().map_or(1.0, |o| o.lasts), "primary", 0));
        }
        What::StopSecondary => {
            lane.g.secondary.stop();
            log.note(format!("secondary stopped {when}"));
            log.injected.push("secondary-down".into());
            timed.push((now() + plan.secondary.as_ref().map_or(1.0, |o| o.lasts), "secondary", 0));
        }
        What::Person => {
            let Some((change, _)) = plan.person.clone() else { return };
            log.note(format!("person changes {change:?} {when}"));
            log.injected.push(format!("person:{}", report::person_kind(&change)));
            let (client, hc) = (lane.person.clone(), lane.g.hc.clone());
            *person = Some(tokio::spawn(async move {
                let req = client.update_health_check().health_check_id(hc);
                let req = match change {
                    PersonChange::FailureThreshold(n) => req.failure_threshold(n),
                    PersonChange::ResourcePath => req.resource_path("/health?by=person"),
                    PersonChange::Disabled => req.disabled(true),
                };
                match req.send().await {
                    Ok(_) => "applied".into(),
                    Err(e) => format!("failed: {e:?}"),
                }
            }));
        }
        What::KillCli => {
            if let Some(c) = clis.first() {
                c.signal("KILL");
                log.note(format!("kill -9 {} {when}", c.session));
                log.injected.push("cli-kill9".into());
                log.dead.push((now(), f64::INFINITY));
            }
        }
        What::Interrupt => {
            if let Some(c) = clis.first() {
                c.signal("INT");
                log.note(format!("SIGINT to {} {when}", c.session));
                log.injected.push("sigint".into());
            }
        }
    }
}

fn undo(lane: &mut Lane, what: &str, i: usize, book: &mut Book, log: &mut Log) {
    match what {
        "aws" => book.remove_aws(&lane.g.local, i),
        "dns" => book.remove_dns(&lane.g.local, i),
        "primary" => start_primary(lane, log),
        _ => {
            lane.g.secondary.start();
            log.note("secondary started".into());
        }
    }
}

pub(super) fn start_primary(lane: &mut Lane, log: &mut Log) {
    if let Some(o) = log.outages.last_mut().filter(|o| o.start.is_infinite()) {
        lane.g.primary.start();
        o.start = now();
        log.note("primary started".into());
    }
}
