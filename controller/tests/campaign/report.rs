//! What a run and the campaign print: one line per run, the totals, and for every violation the
//! excerpt of local AWS's history (and of the harness's own log) that shows it.

use std::{collections::BTreeMap, fmt::Write};

use super::{
    faults::Book,
    history::History,
    invariants::{Facts, Violation},
    plan::{AwsFault, AwsKind, DnsFault, DnsKind, Mode, PersonChange, Plan, When},
    run::Log,
};

pub fn aws_kind(f: &AwsFault) -> String {
    match f.kind {
        AwsKind::Throttle => "aws:throttle".into(),
        AwsKind::Error(s) => format!("aws:{s}"),
        AwsKind::LatencyMs(ms) if ms >= 10_000 => "aws:delay>attempt-timeout".into(),
        AwsKind::LatencyMs(ms) if ms >= 5_000 => "aws:delay>read-limit".into(),
        AwsKind::LatencyMs(_) => "aws:delay-short".into(),
    }
}

pub fn dns_kind(f: &DnsFault) -> String {
    match f.kind {
        DnsKind::Drop => "dns:drop".into(),
        DnsKind::DelayMs(_) => "dns:delay".into(),
        DnsKind::Servfail => "dns:servfail".into(),
    }
}

pub fn when_kind(w: When) -> &'static str {
    match w {
        When::Before => "before",
        When::After(_) => "preflight",
        When::AtInjection(_) => "injected",
        When::AtRestore(_) => "after-restore",
    }
}

pub fn person_kind(c: &PersonChange) -> &'static str {
    match c {
        PersonChange::FailureThreshold(_) => "FailureThreshold",
        PersonChange::ResourcePath => "ResourcePath",
        PersonChange::Disabled => "Disabled",
    }
}

pub struct RunReport {
    pub index: usize,
    pub seed: u64,
    pub mode: Mode,
    pub secs: f64,
    pub outcomes: Vec<String>,
    pub injected: Vec<String>,
    /// The faults as injected, with their hits.
    pub faults: Vec<String>,
    pub aws_hits: usize,
    pub dns_hits: usize,
    pub injections: usize,
    pub violations: Vec<(Violation, String)>,
    pub notes: Vec<String>,
}

impl RunReport {
    pub fn line(&self) -> String {
        let mode = if self.mode == Mode::Operator { "op " } else { "cli" };
        let mut faults: Vec<String> = self.faults.clone();
        faults.extend(self.injected.iter().filter(|k| !k.starts_with("aws:") && !k.starts_with("dns:")).cloned());
        let faults = if faults.is_empty() { "no faults".into() } else { faults.join(", ") };
        format!(
            "run {:>3} seed {:>5} {mode} {:>5.1}s [{faults}] → {} | injections {} violations {}{}",
            self.index,
            self.seed,
            self.secs,
            self.outcomes.join(" "),
            self.injections,
            self.violations.len(),
            if self.notes.is_empty() { String::new() } else { format!(" ({})", self.notes.join("; ")) }
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub fn assemble(
    index: usize,
    plan: &Plan,
    begin: f64,
    end: f64,
    h: &History,
    facts: &Facts,
    book: &Book,
    log: Log,
    outcomes: Vec<String>,
    injections: usize,
    violations: Vec<Violation>,
) -> RunReport {
    if std::env::var("RF_CAMPAIGN_TRACE").is_ok_and(|v| v == "1") {
        println!("trace of run {index} (seed {}):\n{}", plan.seed, trace(h, facts, &log));
    }
    let violations = violations.into_iter().map(|v| (v.clone(), excerpt(h, facts, &log, &v))).collect();
    RunReport {
        index,
        seed: plan.seed,
        mode: plan.mode,
        secs: end - begin,
        outcomes,
        injected: log.injected,
        faults: book.describe(),
        aws_hits: book.aws_hits(),
        dns_hits: book.dns_hits,
        injections,
        violations,
        notes: log.notes,
    }
}

/// The whole run, as `excerpt` shows it (`RF_CAMPAIGN_TRACE=1`).
pub fn trace(h: &History, f: &Facts, log: &Log) -> String {
    let all = Violation { invariant: "trace", from: f.begin + 5.0, to: f.end - 5.0, text: String::new() };
    excerpt(h, f, log, &all)
}

/// Everything local AWS and the harness recorded from 5 s before to 5 s after the violation.
pub fn excerpt(h: &History, f: &Facts, log: &Log, v: &Violation) -> String {
    let (a, b) = (v.from - 5.0, v.to.min(f.end) + 5.0);
    let rel = |t: f64| format!("{:>7.2}s", t - f.begin);
    let mut lines: Vec<(f64, String)> = Vec::new();
    for c in h.changes.iter().filter(|c| c.at >= a && c.at <= b) {
        let fields: Vec<String> = c.fields.iter().map(|(k, (x, y))| format!("{k} {x}→{y}")).collect();
        let error = c.error.as_deref().map(|e| format!(" {e}")).unwrap_or_default();
        lines.push((
            c.at,
            format!(
                "change seq {} {} by {} v{:?}{error} {}",
                c.seq,
                c.kind,
                c.actor.short(),
                c.version_after,
                fields.join(", ")
            ),
        ));
    }
    for e in h.effective.iter().filter(|e| e.at >= a && e.at <= b) {
        lines.push((e.at, format!("effective inverted={} disabled={}", e.inverted, e.disabled)));
    }
    for r in h.raw.iter().filter(|r| r.at >= a && r.at <= b) {
        lines.push((r.at, format!("raw {}", if r.healthy { "UP" } else { "DOWN" })));
    }
    for x in h.fired.iter().filter(|x| x.fired_at >= a && x.fired_at <= b) {
        lines.push((x.fired_at, format!("fail-safe {} fired (scheduled {})", x.name, rel(x.scheduled_for))));
    }
    for (t, e) in log.events.iter().filter(|(t, _)| *t >= a && *t <= b) {
        lines.push((*t, format!("harness: {e}")));
    }
    lines.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut out = String::new();
    for (t, l) in lines {
        let _ = writeln!(out, "      {} {l}", rel(t));
    }
    out
}

/// The campaign's totals.
#[derive(Default)]
pub struct Totals {
    pub runs: usize,
    pub operator_runs: usize,
    pub injections: usize,
    pub faults: BTreeMap<String, usize>,
    pub outcomes: BTreeMap<String, usize>,
    pub aws_hits: usize,
    pub dns_hits: usize,
    pub violations: Vec<String>,
    pub secs: f64,
}

impl Totals {
    pub fn add(&mut self, r: &RunReport) {
        self.runs += 1;
        self.operator_runs += usize::from(r.mode == Mode::Operator);
        self.injections += r.injections;
        self.aws_hits += r.aws_hits;
        self.dns_hits += r.dns_hits;
        self.secs += r.secs;
        for f in &r.injected {
            *self.faults.entry(f.clone()).or_default() += 1;
        }
        for o in &r.outcomes {
            let outcome = o.split_once('=').map_or(o.as_str(), |(_, x)| x);
            *self.outcomes.entry(outcome.to_string()).or_default() += 1;
        }
        for (v, excerpt) in &r.violations {
            self.violations.push(format!("run {} (seed {}): ({}) {}\n{excerpt}", r.index, r.seed, v.invariant, v.text));
        }
    }

    pub fn summary(&self) -> String {
        let mut s = String::new();
        let faults: usize = self.faults.values().sum();
        let _ = writeln!(
            s,
            "campaign: {} runs ({} with operators) in {:.0}s, {faults} faults injected ({} AWS fault hits, {} DNS fault hits), {} injections, {} invariant violations",
            self.runs,
            self.operator_runs,
            self.secs,
            self.aws_hits,
            self.dns_hits,
            self.injections,
            self.violations.len()
        );
        let _ = writeln!(s, "  faults by kind: {}", join(&self.faults));
        let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
        for (outcome, n) in &self.outcomes {
            *by_class.entry(class(outcome).into()).or_default() += n;
        }
        let started: usize = self.outcomes.values().sum();
        let _ = writeln!(s, "  drills: {started} started: {}", join(&by_class));
        let _ = writeln!(s, "  drills by outcome/reason: {}", join(&self.outcomes));
        s
    }
}

/// Succeeded; refused (ended in preflight, nothing changed); aborted (stopped, restored); failed
/// after injecting (failover or failback timeout, standby not serving); no record (killed).
pub fn class(outcome: &str) -> &'static str {
    match outcome.split_once('/') {
        Some(("Succeeded", _)) => "succeeded",
        Some(("Aborted", _)) => "aborted",
        Some(("Failed", "FailoverTimeout" | "FailbackTimeout" | "StandbyNotServing")) => "failed",
        Some(("Failed", _)) => "refused",
        _ => "no record",
    }
}

fn join(m: &BTreeMap<String, usize>) -> String {
    m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
}
