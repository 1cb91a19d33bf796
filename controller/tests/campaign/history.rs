//! Local AWS's own record of a run, typed: every change of the health check (who, when, which
//! fields), when the evaluation applied `Inverted`, when the checkers' raw probes saw the endpoint
//! go down and up, and which fail-safe schedules fired. Parsing is pure; `fetch` reads the control
//! API (never the AWS API, so that injected faults cannot touch the harness's view).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::localaws::LocalAws;

/// The access key a person's concurrent changes are made with (a root key of local AWS).
pub const PERSON_KEY: &str = "local";
/// The access key the harness resets the check with between runs.
pub const HARNESS_KEY: &str = "testing";

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A drill: the operator role Terraform created, assumed by web identity (session name = the
    /// process: `cli-…` or `op-…`).
    Drill(String),
    /// The fail-safe schedule firing (EventBridge Scheduler as its role).
    Scheduler(String),
    Person,
    Harness,
    Other(String),
}

impl Actor {
    pub fn is_drill_side(&self) -> bool {
        matches!(self, Actor::Drill(_) | Actor::Scheduler(_))
    }

    pub fn short(&self) -> String {
        match self {
            Actor::Drill(s) => s.clone(),
            Actor::Scheduler(_) => "fail-safe".into(),
            Actor::Person => "person".into(),
            Actor::Harness => "harness".into(),
            Actor::Other(s) => s.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub seq: u64,
    pub at: f64,
    /// `update`, `rejected`, `create`, `delete`.
    pub kind: String,
    pub actor: Actor,
    /// Field → (before, after).
    pub fields: BTreeMap<String, (Value, Value)>,
    pub version_after: Option<i64>,
    pub error: Option<String>,
}

impl Change {
    pub fn applied(&self) -> bool {
        self.kind == "update"
    }

    /// `Some(v)` when this applied change set `Inverted` to `v`.
    pub fn inverted_to(&self) -> Option<bool> {
        self.applied().then(|| self.fields.get("Inverted").and_then(|(_, a)| a.as_bool())).flatten()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Effective {
    pub at: f64,
    pub inverted: bool,
    pub disabled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Raw {
    pub at: f64,
    pub healthy: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    pub name: String,
    pub scheduled_for: f64,
    pub fired_at: f64,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub changes: Vec<Change>,
    pub effective: Vec<Effective>,
    pub raw: Vec<Raw>,
    pub fired: Vec<Fired>,
}

pub fn epoch_of(iso: &str) -> Option<f64> {
    let t: DateTime<Utc> = iso.parse().ok()?;
    Some(t.timestamp_millis() as f64 / 1000.0)
}

pub fn actor_of(c: &Value) -> Actor {
    if c["source"] == "scheduler" {
        return Actor::Scheduler(c["schedule"]["name"].as_str().unwrap_or_default().to_string());
    }
    let principal = c["principal"].as_str().unwrap_or_default();
    if let Some((_, session)) = principal.split_once(":assumed-role/") {
        return Actor::Drill(session.rsplit('/').next().unwrap_or(session).to_string());
    }
    match c["accessKeyId"].as_str() {
        Some(PERSON_KEY) => Actor::Person,
        Some(HARNESS_KEY) => Actor::Harness,
        other => Actor::Other(format!("{principal} {}", other.unwrap_or("?"))),
    }
}

pub fn parse_change(c: &Value) -> Change {
    let fields = c["changes"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), (v["before"].clone(), v["after"].clone()))).collect())
        .unwrap_or_default();
    Change {
        seq: c["seq"].as_u64().unwrap_or_default(),
        at: c["atEpoch"].as_f64().unwrap_or_default(),
        kind: c["kind"].as_str().unwrap_or_default().to_string(),
        actor: actor_of(c),
        fields,
        version_after: c["versionAfter"].as_i64(),
        error: c["error"].as_str().map(str::to_string),
    }
}

/// Parses the control API's answers: `/healthchecks/{id}/changes`, `/healthchecks/{id}`,
/// `/scheduler/fired`; keeps what lies at or after `since`.
pub fn parse(changes: &Value, check: &Value, fired: &Value, since: f64) -> History {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut h = History {
        changes: list(&changes["changes"]).iter().map(parse_change).filter(|c| c.at >= since).collect(),
        effective: list(&changes["effective"])
            .iter()
            .map(|e| Effective {
                at: e["atEpoch"].as_f64().unwrap_or_default(),
                inverted: e["inverted"].as_bool().unwrap_or(false),
                disabled: e["disabled"].as_bool().unwrap_or(false),
            })
            .collect(),
        raw: list(&check["rawTransitions"])
            .iter()
            .map(|r| Raw { at: r["atEpoch"].as_f64().unwrap_or_default(), healthy: r["healthy"] == true })
            .collect(),
        fired: list(&fired["fired"])
            .iter()
            .filter_map(|f| {
                Some(Fired {
                    name: f["name"].as_str()?.to_string(),
                    scheduled_for: epoch_of(f["scheduledFor"].as_str()?)?,
                    fired_at: f["firedAtEpoch"].as_f64()?,
                    error: f["error"].as_str().map(str::to_string),
                })
            })
            .filter(|f| f.fired_at >= since)
            .collect(),
    };
    h.changes.sort_by_key(|c| c.seq);
    // The state at `since` (the last entry before it) stays as the first entry.
    trim_before(&mut h.effective, |e| e.at, since);
    trim_before(&mut h.raw, |r| r.at, since);
    h
}

fn trim_before<T>(timeline: &mut Vec<T>, at: impl Fn(&T) -> f64, since: f64) {
    let keep = timeline.iter().rposition(|e| at(e) < since).unwrap_or(0);
    timeline.drain(..keep);
}

/// Reads the run's history from local AWS's control API.
pub fn fetch(local: &LocalAws, hc: &str, since: f64) -> History {
    // Before `since` the check was settled: not inverted.
    let changes = local.control("GET", &format!("/healthchecks/{hc}/changes?since={since}"), None);
    let check = local.control("GET", &format!("/healthchecks/{hc}"), None);
    let fired = local.control("GET", "/scheduler/fired", None);
    parse(&changes, &check, &fired, since)
}

/// Changes of the check since `since` (the harness's trigger for "at injection" actions).
pub fn changes_since(local: &LocalAws, hc: &str, since: f64) -> Vec<Change> {
    let v = local.control("GET", &format!("/healthchecks/{hc}/changes?since={since}"), None);
    let mut out: Vec<Change> =
        v["changes"].as_array().map(|a| a.iter().map(parse_change).collect()).unwrap_or_default();
    out.sort_by_key(|c| c.seq);
    out
}
