//! Controller wiring (design §10): validate → observe → build → apply status → events.
//! `validate` and `build` never touch a client; AWS and DNS are read in `observe`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use futures::StreamExt;
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{ListParams, Patch, PatchParams},
    runtime::{
        Controller,
        controller::Action,
        events::{Event, EventType as KubeEventType, Recorder, Reporter},
        watcher,
    },
};
use serde_json::json;
use tracing::{info, instrument, warn};

use crate::{
    Error,
    api::{RegionalFailover, RegionalFailoverStatus},
    aws::Aws,
    metrics::{Metrics, ObjectLabels, Probes},
    observe,
    status::{self, EventType, Observed},
};

/// Field manager of every status write.
pub const FIELD_MANAGER: &str = "regional-failover";

/// Shared by every reconcile.
pub struct Context {
    pub client: Client,
    pub aws: Aws,
    pub metrics: Metrics,
    pub probes: Arc<Probes>,
    pub recorder: Recorder,
    /// Consecutive failures per object, for backoff.
    failures: Mutex<HashMap<String, u32>>,
}

impl Context {
    pub fn new(client: Client, aws: Aws, metrics: Metrics, probes: Arc<Probes>, identity: &str) -> Context {
        let reporter = Reporter { controller: "regional-failover".into(), instance: Some(identity.to_string()) };
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            aws,
            metrics,
            probes,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

fn labels(rf: &RegionalFailover) -> ObjectLabels {
    ObjectLabels { namespace: rf.namespace().unwrap_or_default(), name: rf.name_any() }
}

#[instrument(skip(rf, ctx), fields(namespace = rf.namespace().unwrap_or_default(), name = rf.name_any()))]
async fn reconcile(rf: Arc<RegionalFailover>, ctx: Arc<Context>) -> Result<Action, Error> {
    let timer = ctx.metrics.reconcile_duration.clone();
    let started = std::time::Instant::now();
    let result = reconcile_inner(&rf, &ctx).await;
    timer.observe(started.elapsed().as_secs_f64());
    ctx.metrics.count_reconcile(result.as_ref().map(|_| "ok").unwrap_or_else(|e| e.metric_label()));
    result
}

async fn reconcile_inner(rf: &RegionalFailover, ctx: &Context) -> Result<Action, Error> {
    let now = Utc::now();
    let previous = rf.status.clone().unwrap_or_default();
    let spec_error = observe::spec_error(rf);
    let observed = match &spec_error {
        Some(e) => Observed { spec_error: Some(e.clone()), ..Observed::default() },
        None => observe::observe(&rf.spec, &previous, &ctx.aws, now).await,
    };
    let assembled = status::assemble(&rf.spec, rf.meta().generation, &previous, &observed, now);
    apply_status(rf, ctx, &assembled.status).await?;
    ctx.probes.api_contact();
    publish(rf, ctx, &assembled.events).await;
    record_metrics(rf, ctx, &assembled.status);

    let key = format!("{}/{}", rf.namespace().unwrap_or_default(), rf.name_any());
    if spec_error.is_some() {
        // An invalid spec cannot get better by retrying: wait for the user to change it.
        return Ok(Action::await_change());
    }
    if let Some(Err(e)) = &observed.snapshot {
        return Err(Error::Aws(e.clone()));
    }
    ctx.failures.lock().map(|mut f| f.remove(&key)).ok();
    Ok(Action::requeue(Duration::from_secs(u64::from(rf.spec.verify_interval_seconds))))
}

async fn apply_status(rf: &RegionalFailover, ctx: &Context, status: &RegionalFailoverStatus) -> Result<(), Error> {
    let api: Api<RegionalFailover> = Api::namespaced(ctx.client.clone(), &rf.namespace().unwrap_or_default());
    let patch = json!({
        "apiVersion": "regionalfailover.io/v1alpha1",
        "kind": "RegionalFailover",
        "status": status,
    });
    api.patch_status(&rf.name_any(), &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&patch)).await?;
    Ok(())
}

async fn publish(rf: &RegionalFailover, ctx: &Context, events: &[status::Transition]) {
    let reference = rf.object_ref(&());
    for t in events {
        let ev = Event {
            type_: match t.type_ {
                EventType::Normal => KubeEventType::Normal,
                EventType::Warning => KubeEventType::Warning,
            },
            reason: t.reason.to_string(),
            note: Some(t.note.clone()),
            action: t.action.to_string(),
            secondary: None,
        };
        if let Err(e) = ctx.recorder.publish(&ev, &reference).await {
            warn!(error = %e, reason = t.reason, "event not published");
        }
    }
}

fn record_metrics(rf: &RegionalFailover, ctx: &Context, s: &RegionalFailoverStatus) {
    let l = labels(rf);
    ctx.metrics.findings.get_or_create(&l).set(s.drift.len() as i64);
    let health = match s.health.as_ref().map(|h| h.status) {
        Some(crate::api::HealthState::Healthy) => 1,
        Some(crate::api::HealthState::Unhealthy) => 0,
        _ => -1,
    };
    ctx.metrics.primary_healthy.get_or_create(&l).set(health);
    if let Some(lag) = s.replication.as_ref().and_then(|r| r.lag_seconds) {
        ctx.metrics.replication_lag_ms.get_or_create(&l).set((lag * 1000.0) as i64);
    }
    if let Some(p) = s.predicted_rto_seconds {
        ctx.metrics.predicted_rto_seconds.get_or_create(&l).set(i64::from(p));
    }
}

fn error_policy(rf: Arc<RegionalFailover>, error: &Error, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", rf.namespace().unwrap_or_default(), rf.name_any());
    let n = ctx
        .failures
        .lock()
        .map(|mut f| {
            let n = f.entry(key).or_insert(0);
            *n = n.saturating_add(1);
            *n
        })
        .unwrap_or(1);
    let delay = backoff(n);
    warn!(error = %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// 5 s doubling to 5 min: transient AWS or API trouble is retried without hammering either.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1u64 << failures.saturating_sub(1).min(6)).min(300))
}

/// Proves the watch can be established (CRD installed, RBAC granted) and marks the process ready.
/// A standby replica is ready too: readiness must not depend on holding the lease, or a rolling
/// update would wait forever for the new pod.
pub async fn check_access(api: &Api<RegionalFailover>, probes: &Probes) -> Result<(), Error> {
    api.list(&ListParams::default().limit(1)).await?;
    probes.api_contact();
    probes.set_watch_ready(true);
    Ok(())
}

/// Runs the controller until `shutdown` resolves.
pub async fn run(
    ctx: Arc<Context>,
    api: Api<RegionalFailover>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    info!("controller started");
    Controller::new(api, watcher::Config::default().any_semantic())
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx.clone())
        .for_each(|res| {
            let ctx = ctx.clone();
            async move {
                ctx.probes.api_contact();
                if let Err(e) = res {
                    tracing::debug!(error = %e, "reconcile loop error");
                }
            }
        })
        .await;
    info!("controller stopped");
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(4), Duration::from_secs(40));
        assert_eq!(backoff(30), Duration::from_secs(300));
    }
}
