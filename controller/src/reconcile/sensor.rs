//! The DNS watch's looks, outside the reconcile slots (docs/architecture.md, "Incident
//! freshness"): every verified object's authoritative answer on its watch cadence, at most
//! [`MAX_LOOKS_IN_FLIGHT`] at once. A look that finds nothing new costs one UDP query and no
//! reconcile. A different answer, a failover whose servers are still converging, or a standby
//! request still owed wakes one reconcile, which judges, records and writes (`watch.rs`).
//!
//! Why not a reconcile per look: at 1,000 objects the looks alone (200 a second) filled the
//! reconcile slots, and kube-runtime serves a full queue in hash order, not in arrival order, so
//! objects never verified waited behind them for good.

use std::{sync::Arc, time::Duration};

use futures::channel::mpsc::Sender;
use kube::{Resource, runtime::reflector::Store};
use tokio::{sync::Semaphore, time::Instant};
use tracing::debug;

use super::{Context, context::key_of, watch};
use crate::{
    api::{RegionalFailover, RegionalFailoverSpec, RegionalFailoverStatus},
    status::witness,
    verify,
};

/// UDP queries in flight at once for the whole process.
pub const MAX_LOOKS_IN_FLIGHT: usize = 64;
/// How often the schedule is scanned: the finest watch cadence is 1 s.
const TICK: Duration = Duration::from_millis(250);

/// What a look asks of the reconcile it wakes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Woken {
    /// DNS answered something new: these values, judged as they are.
    Answer(Vec<String>),
    /// The reconcile asks itself: each server while a failover converges, or the standby once.
    AskItself,
}

/// Scans the objects the controller caches until aborted (with the controller that owns it).
pub async fn run(ctx: Arc<Context>, store: Store<RegionalFailover>, wake: Sender<RegionalFailover>) {
    let limit = Arc::new(Semaphore::new(MAX_LOOKS_IN_FLIGHT));
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = Instant::now();
        for rf in store.state() {
            if rf.meta().deletion_timestamp.is_some() {
                continue;
            }
            let key = key_of(&rf);
            // Due once a verification scheduled it (so never before the first status, and never
            // for an invalid spec, which is not verified against AWS), and not already looking.
            let due = ctx.with_known_memory(&key, |m| {
                let due = !m.looking
                    && m.woken.is_none()
                    && m.dns_at.is_some_and(|t| t <= now)
                    && !matches!(m.verdict, Some((_, Some(_))));
                m.looking |= due;
                due
            });
            if due != Some(true) {
                continue;
            }
            let Ok(permit) = limit.clone().try_acquire_owned() else {
                // Every query slot is busy: the rest keep their place for the next tick.
                ctx.with_known_memory(&key, |m| m.looking = false);
                break;
            };
            let (ctx, wake) = (ctx.clone(), wake.clone());
            tokio::spawn(async move {
                look(&rf, &ctx, &key, wake).await;
                drop(permit);
            });
        }
    }
}

/// One look: the answer, the decision, the next look scheduled.
async fn look(rf: &RegionalFailover, ctx: &Context, key: &str, mut wake: Sender<RegionalFailover>) {
    // The status as this process last wrote it: the cache may not have seen that write yet.
    let status =
        ctx.with_memory(key, |m| m.written.as_deref().cloned()).or_else(|| rf.status.clone()).unwrap_or_default();
    let woken = if asks_itself(&rf.spec, &status) {
        Some(Woken::AskItself)
    } else {
        match watch::authoritative(rf, ctx).await {
            Ok(values) => {
                let last = ctx.with_memory(key, |m| m.last_answer.as_ref().map(|l| l.region.clone()));
                news(&rf.spec, &values, &status, last.as_deref()).then_some(Woken::Answer(values))
            }
            Err(e) => {
                // No answer is no verdict: the next verification judges a silent DNS.
                debug!(object = key, error = %e, "DNS watch: no answer");
                None
            }
        }
    };
    let next = watch::interval(rf, ctx, &status);
    let wakes = woken.is_some();
    ctx.with_memory(key, |m| {
        m.looking = false;
        m.dns_at = Some(Instant::now() + next);
        if wakes {
            m.woken = woken;
        }
    });
    if wakes && wake.try_send(rf.clone()).is_err() {
        // The controller is stopping (or far behind): the look is repeated at the next interval.
        ctx.with_memory(key, |m| m.woken = None);
    }
}

/// Whether the reconcile must look itself rather than be told an answer: a failover recorded and
/// still converging (each server is asked), or the standby request still owed after one.
pub fn asks_itself(spec: &RegionalFailoverSpec, status: &RegionalFailoverStatus) -> bool {
    status.last_failover.as_ref().is_some_and(|r| {
        witness::converging(r, chrono::Utc::now()) || witness::validation_due(spec, r, status.active_region.as_deref())
    })
}

/// Whether `answer` says something the status (or the last answer this process saw) does not:
/// another region. An answer naming no known endpoint is left to the next verification.
pub fn news(
    spec: &RegionalFailoverSpec,
    answer: &[String],
    status: &RegionalFailoverStatus,
    last_seen: Option<&str>,
) -> bool {
    let Some(active) = verify::active_region(answer, spec) else { return false };
    status.active_region.as_deref() != Some(active.as_str()) || last_seen.is_some_and(|l| l != active)
}

#[cfg(test)]
mod tests;
