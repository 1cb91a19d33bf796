//! The controller loop around [`super::reconcile`]: the watch, what triggers a reconcile, how
//! many run at once, and the shutdown that restores running drills first.

use std::{sync::Arc, sync::atomic::Ordering, time::Duration};

use futures::{StreamExt, TryStreamExt};
use kube::{
    Api, Resource, ResourceExt,
    api::ListParams,
    runtime::{Controller, WatchStreamExt, controller, reflector, watcher},
};
use tracing::info;

use super::{Context, drills, error_policy, first_list::EagerWriter, reconcile};
use crate::{Error, api::RegionalFailover, metrics::Probes};

/// How long a stopping operator spends restoring the drills it drives (the chart's grace period
/// leaves room for it).
const DRAIN_LIMIT: Duration = Duration::from_secs(15);
/// Wakes from the DNS sensor waiting for the controller: one per object flipping at once is
/// plenty; a wake that does not fit is looked at again at the next interval.
const SENSOR_WAKES_QUEUED: usize = 1024;

/// Proves the watch can be established (CRD installed, RBAC granted) and marks the process ready.
/// A standby replica is ready too: readiness must not depend on holding the lease, or a rolling
/// update would wait forever for the new pod.
pub async fn check_access(api: &Api<RegionalFailover>, probes: &Probes) -> Result<(), Error> {
    api.list(&ListParams::default().limit(1)).await?;
    probes.api_contact();
    probes.set_watch_ready(true);
    Ok(())
}

/// Drops what the controller never reads from the cached copies: managed fields (several KiB per
/// object once status is written by server-side apply) and kubectl's last-applied copy.
fn slim(rf: &mut RegionalFailover) {
    rf.managed_fields_mut().clear();
    rf.annotations_mut().remove("kubectl.kubernetes.io/last-applied-configuration");
}

/// What a user (not the controller's own status writes) changed: spec, annotations, deletion;
/// the UID, so an object deleted and created again under its name counts as changed.
pub(super) fn user_change(rf: &RegionalFailover) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    rf.meta().uid.hash(&mut hasher);
    rf.meta().generation.hash(&mut hasher);
    rf.meta().annotations.hash(&mut hasher);
    rf.meta().deletion_timestamp.as_ref().map(|t| t.0.to_string()).hash(&mut hasher);
    hasher.finish()
}

/// Objects per page of the initial list. A page arrives whole, with every object's status and
/// managed fields, before the watch slims it: at a restart with 1,000 statuses written, pages of 500
/// took the operator to 39.5 MiB, pages of 100 to 37.0–38.4 MiB (docs/architecture.md, "Memory").
const LIST_PAGE: u32 = 100;

/// Runs the controller until `shutdown` resolves, then restores the drills this process drives.
pub async fn run(
    ctx: Arc<Context>,
    api: Api<RegionalFailover>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    info!("controller started");
    ctx.stopping.store(false, Ordering::SeqCst);
    let stopping = ctx.stopping.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.store(true, Ordering::SeqCst);
    };
    let (reader, writer) = reflector::store();
    // Filled as the first list comes, so the first objects are verified before it ends.
    let (mut writer, listed) = EagerWriter::new(writer);
    ctx.watch_fleet(reader.clone());
    let sweeper =
        ctx.settings.runbooks.then(|| tokio::spawn(super::runbook::sweep(ctx.clone(), reader.clone(), listed)));
    // Every status write changes the object (timestamps); reacting to those events would verify
    // each object again at once, forever. Only what a user changes triggers: spec (generation),
    // annotations (drill requests) and deletion. Everything else comes from the requeue.
    let watched = watcher(api, watcher::Config::default().any_semantic().page_size(LIST_PAGE))
        .default_backoff()
        .modify(slim)
        .map_ok(move |event| writer.apply(event))
        .applied_objects()
        .inspect_ok({
            let ctx = ctx.clone();
            move |rf| ctx.settle_written(rf)
        })
        .try_filter({
            let ctx = ctx.clone();
            move |rf| std::future::ready(ctx.user_changed(rf, user_change(rf)))
        });
    // The DNS sensor wakes an object's reconcile when its answer says something new.
    let (wake, woken) = futures::channel::mpsc::channel(SENSOR_WAKES_QUEUED);
    let sensor = tokio::spawn(super::sensor::run(ctx.clone(), reader.clone(), wake));
    let trigger = futures::stream::select(watched, woken.map(Ok));
    // Unbounded here: each reconcile waits for one of our slots, which are handed out in the order
    // objects came due (`slots.rs`); kube-runtime's own limit picks in hash order.
    Controller::for_stream(trigger, reader)
        .with_config(controller::Config::default())
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
    ctx.stopping.store(true, Ordering::SeqCst);
    sensor.abort();
    if let Some(s) = sweeper {
        s.abort();
    }
    let drilling = ctx.drilling();
    if !drilling.is_empty() {
        info!(drills = drilling.len(), "restoring running drills before stopping");
        drills::drain(&ctx, DRAIN_LIMIT).await;
    }
    info!("controller stopped");
}
