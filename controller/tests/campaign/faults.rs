//! The run's faults through local AWS's control API: added and removed at their moments, their hits
//! followed while the run lasts (local AWS forgets a counted rule once it is used up), and turned
//! into the `model::Rule`s the invariant bounds are computed from.

use serde_json::{Value, json};

use super::{
    history::epoch_of,
    lane::ZONE,
    model::{self, Rule},
    plan::{AwsFault, AwsKind, DnsFault, DnsKind},
    settle::now,
};
use crate::support::localaws::LocalAws;

/// The drill's writes: a request of these delayed past its client's timeout still changes AWS.
const WRITES: [&str; 3] = ["UpdateHealthCheck", "CreateSchedule", "DeleteSchedule"];

/// One AWS fault rule as injected.
pub struct Injected {
    pub id: String,
    pub fault: AwsFault,
    pub added: f64,
    pub removed: Option<f64>,
    pub hits: Vec<f64>,
    /// Local AWS no longer lists it (a counted rule used up): its last hits came before this.
    pub vanished: Option<f64>,
}

#[derive(Default)]
pub struct Book {
    pub aws: Vec<Injected>,
    /// (id, fault, added, removed)
    pub dns: Vec<(String, DnsFault, f64, Option<f64>)>,
    pub dns_hits: usize,
}

impl Book {
    pub fn add_aws(&mut self, local: &LocalAws, fault: &AwsFault) {
        let mut body = json!({"service": fault.service, "operation": fault.operation, "count": fault.count});
        match fault.kind {
            AwsKind::Throttle => body["kind"] = json!("throttle"),
            AwsKind::Error(status) => {
                body["kind"] = json!("error");
                body["status"] = json!(status);
            }
            AwsKind::LatencyMs(ms) => {
                body["kind"] = json!("latency");
                body["latencyMs"] = json!(ms);
            }
        }
        let rule = local.control("POST", "/faults", Some(&body));
        let id = rule["id"].as_str().expect("fault id").to_string();
        self.aws.push(Injected {
            id,
            fault: fault.clone(),
            added: now(),
            removed: None,
            hits: Vec::new(),
            vanished: None,
        });
    }

    pub fn remove_aws(&mut self, local: &LocalAws, i: usize) {
        let _ = local.control_status("DELETE", &format!("/faults/{}", self.aws[i].id), None);
        self.aws[i].removed.get_or_insert(now());
    }

    pub fn add_dns(&mut self, local: &LocalAws, fault: &DnsFault) {
        let (kind, delay) = match fault.kind {
            DnsKind::Drop => ("drop", 0),
            DnsKind::DelayMs(ms) => ("delay", ms),
            DnsKind::Servfail => ("servfail", 0),
        };
        let body = json!({"kind": kind, "delayMs": delay, "probability": fault.probability, "seed": fault.seed,
                          "count": fault.count, "name": format!("api.{ZONE}.")});
        let rule = local.control("POST", "/dns/faults", Some(&body));
        let id = rule["id"].as_str().expect("dns fault id").to_string();
        self.dns.push((id, fault.clone(), now(), None));
    }

    pub fn remove_dns(&mut self, local: &LocalAws, i: usize) {
        let _ = local.control_status("DELETE", &format!("/dns/faults/{}", self.dns[i].0), None);
        self.dns[i].3.get_or_insert(now());
    }

    /// Follows the AWS rules' hits (call often: a used-up rule vanishes with its hit times).
    pub fn follow(&mut self, local: &LocalAws) {
        if self.aws.iter().all(|r| r.removed.is_some() || r.vanished.is_some()) {
            return;
        }
        let listed = local.control("GET", "/faults", None);
        let rules = listed["faults"].as_array().cloned().unwrap_or_default();
        let at = now();
        for r in self.aws.iter_mut().filter(|r| r.removed.is_none() && r.vanished.is_none()) {
            match rules.iter().find(|x| x["id"] == r.id.as_str()) {
                Some(x) => r.hits = hit_times(x),
                None => {
                    // Used up: the hits not seen yet happened before now.
                    let missing = r.fault.count.unwrap_or(0) as usize;
                    r.hits.resize(missing.max(r.hits.len()), at);
                    r.vanished = Some(at);
                }
            }
        }
    }

    /// Clears every fault; returns the moment the last request delayed by a latency rule is applied.
    pub fn clear(&mut self, local: &LocalAws) -> f64 {
        self.follow(local);
        let dns = local.control("GET", "/dns/faults", None);
        self.dns_hits =
            dns["faults"].as_array().into_iter().flatten().filter_map(|f| f["hits"].as_u64()).sum::<u64>() as usize;
        local.control("DELETE", "/faults", None);
        local.control("DELETE", "/dns/faults", None);
        let at = now();
        for r in &mut self.aws {
            r.removed.get_or_insert(at);
        }
        for d in &mut self.dns {
            d.3.get_or_insert(at);
        }
        // Only writes matter: a delayed read changes nothing when it is finally answered.
        self.aws
            .iter()
            .filter(|r| WRITES.contains(&r.fault.operation))
            .filter_map(|r| match r.fault.kind {
                AwsKind::LatencyMs(ms) => r.hits.iter().map(|t| t + ms as f64 / 1000.0).reduce(f64::max),
                _ => None,
            })
            .fold(at, f64::max)
    }

    /// The rules for the bounds: each active from when it was added until it was removed.
    pub fn rules(&self) -> Vec<Rule> {
        self.aws
            .iter()
            .map(|r| Rule {
                operation: r.fault.operation.to_string(),
                kind: match r.fault.kind {
                    AwsKind::Throttle => model::Kind::Throttle,
                    AwsKind::Error(_) => model::Kind::Error,
                    AwsKind::LatencyMs(ms) => model::Kind::Latency(ms as f64 / 1000.0),
                },
                count: r.fault.count,
                from: r.added,
                until: r.removed.unwrap_or(f64::INFINITY),
            })
            .collect()
    }

    pub fn aws_hits(&self) -> usize {
        self.aws.iter().map(|r| r.hits.len()).sum()
    }

    /// Each fault as injected, with its hits.
    pub fn describe(&self) -> Vec<String> {
        let aws = self.aws.iter().map(|r| format!("{} ({} hits)", r.fault, r.hits.len()));
        aws.chain(self.dns.iter().map(|d| d.1.to_string())).collect()
    }
}

fn hit_times(rule: &Value) -> Vec<f64> {
    let mut times: Vec<f64> =
        rule["hitTimes"].as_array().into_iter().flatten().filter_map(|t| t.as_str().and_then(epoch_of)).collect();
    // Only the last 50 are listed: older hits count, at the rule's creation at the earliest.
    let hits = rule["hits"].as_u64().unwrap_or(times.len() as u64) as usize;
    if hits > times.len() {
        let first = times.first().copied().unwrap_or_default();
        times.splice(0..0, std::iter::repeat_n(first, hits - times.len()));
    }
    times
}
