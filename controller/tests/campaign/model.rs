//! PURE: how long the drill's own AWS calls can take under the faults a run injected, so that the
//! reaction bounds of invariant (a) grow with the faults instead of being guessed.
//!
//! A small model of the product's client: every call goes through the request budget
//! (`controller/src/aws/budget.rs`, `RetryPolicy::default()`): up to 5 retries after throttling and
//! 2 after 5xx answers or timeouts, backoff `0.2 s × 2^n` capped at 5 s (the model takes the top of
//! the jitter), and one attempt gives up after the SDK's 10 s attempt timeout
//! (`AwsOptions::default().attempt_timeout`). Local AWS applies an injected latency BEFORE it
//! executes a request (`tests/localaws/localaws/middleware.py`), so an attempt that the client
//! abandoned at 10 s is still applied when its latency ends: the model reports every application.
//!
//! Rules are modelled as if this one call met every matching request they may still affect (their
//! full `count`): other callers using them up only makes the real call faster, so the times here
//! are upper bounds.

/// SDK attempt timeout of the product's AWS clients.
pub const ATTEMPT_TIMEOUT: f64 = 10.0;
pub const MAX_THROTTLE_RETRIES: u32 = 5;
pub const MAX_TRANSIENT_RETRIES: u32 = 2;
const BASE_DELAY: f64 = 0.2;
const MAX_DELAY: f64 = 5.0;
/// One unfaulted call on the busy 2-core machine, token-bucket wait included.
pub const CALL: f64 = 0.5;
/// The runner retries a restore that did not verify after 1, 2, 4 … 30 s (`runner::next_step_in`).
pub fn runner_backoff(failures: u32) -> f64 {
    f64::from(1u32 << (failures.max(1) - 1).min(5)).min(30.0)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Throttle,
    Error,
    /// Seconds.
    Latency(f64),
}

/// One fault rule as the harness injected it: active in `[from, until)` for `count` requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub operation: String,
    pub kind: Kind,
    pub count: Option<u32>,
    pub from: f64,
    pub until: f64,
}

/// What one call did: when the client got control back, whether it succeeded, and when the
/// server applied any of its attempts (for writes).
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub end: f64,
    pub ok: bool,
    pub first_apply: Option<f64>,
    pub last_apply: Option<f64>,
}

/// Rules with their remaining counts, consumed as attempts meet them.
pub struct Sim {
    rules: Vec<Rule>,
    left: Vec<Option<u32>>,
}

impl Sim {
    pub fn new(rules: &[Rule]) -> Sim {
        Sim { rules: rules.to_vec(), left: rules.iter().map(|r| r.count).collect() }
    }

    /// The rules that overlap `[a, b]`, active for all time: an upper bound for a call whose start
    /// is only known to lie in that window.
    pub fn window(rules: &[Rule], a: f64, b: f64) -> Sim {
        let kept: Vec<Rule> = rules
            .iter()
            .filter(|r| r.from <= b && r.until >= a)
            .map(|r| Rule { from: f64::NEG_INFINITY, until: f64::INFINITY, ..r.clone() })
            .collect();
        Sim::new(&kept)
    }

    /// (total latency, failing kind) of one attempt of `op` at `t`, consuming counts as local AWS does:
    /// every matching latency rule adds up, the first matching throttle/error rule answers.
    fn attempt(&mut self, op: &str, t: f64) -> (f64, Option<Kind>) {
        let (mut latency, mut failing) = (0.0, None);
        for (rule, left) in self.rules.iter().zip(self.left.iter_mut()) {
            if rule.operation != op || t < rule.from || t >= rule.until || *left == Some(0) {
                continue;
            }
            match &rule.kind {
                Kind::Latency(s) => latency += s,
                kind if failing.is_none() => failing = Some(kind.clone()),
                _ => continue,
            }
            if let Some(n) = left.as_mut() {
                *n -= 1;
            }
        }
        (latency, failing)
    }

    /// One call of `op` starting at `start`, with the budget's retries.
    pub fn call(&mut self, op: &str, start: f64) -> Call {
        let (mut t, mut throttles, mut transients) = (start, 0u32, 0u32);
        let (mut first_apply, mut last_apply) = (None::<f64>, None::<f64>);
        loop {
            let (latency, failing) = self.attempt(op, t);
            let mut note_apply = |at: f64| {
                first_apply = Some(first_apply.map_or(at, |f| f.min(at)));
                last_apply = Some(last_apply.map_or(at, |l| l.max(at)));
            };
            let (answered, retry) = if latency >= ATTEMPT_TIMEOUT {
                if failing.is_none() {
                    note_apply(t + latency);
                }
                (t + ATTEMPT_TIMEOUT, transient(&mut transients))
            } else {
                match failing {
                    None => {
                        note_apply(t + latency);
                        return Call { end: t + latency + CALL, ok: true, first_apply, last_apply };
                    }
                    Some(Kind::Throttle) => {
                        let retry = (throttles < MAX_THROTTLE_RETRIES).then_some(throttles);
                        throttles += 1;
                        (t + latency + CALL, retry)
                    }
                    Some(_) => (t + latency + CALL, transient(&mut transients)),
                }
            };
            match retry {
                Some(n) => t = answered + (BASE_DELAY * f64::from(1u32 << n.min(20))).min(MAX_DELAY),
                None => return Call { end: answered, ok: false, first_apply, last_apply },
            }
        }
    }

    /// When a restore that starts at `start` has put `Inverted` back at the latest: the drill's
    /// `restore` action (read, conditional update, read back), retried by the runner with its
    /// backoff until an update is applied. `None` if nothing is applied before `give_up`.
    pub fn restore_applied(&mut self, start: f64, give_up: f64) -> Option<f64> {
        let (mut t, mut failures) = (start, 0u32);
        while t <= give_up {
            let read = self.call("GetHealthCheck", t);
            if !read.ok {
                failures += 1;
                t = read.end + runner_backoff(failures);
                continue;
            }
            let update = self.call("UpdateHealthCheck", read.end);
            if let Some(at) = update.first_apply {
                return Some(at);
            }
            failures += 1;
            t = update.end + runner_backoff(failures);
        }
        None
    }
}

fn transient(transients: &mut u32) -> Option<u32> {
    let retry = (*transients < MAX_TRANSIENT_RETRIES).then_some(*transients);
    *transients += 1;
    retry
}

#[cfg(test)]
mod tests;
