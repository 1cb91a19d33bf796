//! The last step of a reconcile: Kubernetes events and Prometheus metrics for what changed.

use kube::{
    Resource, ResourceExt,
    runtime::events::{Event, EventType as KubeEventType},
};
use tracing::warn;

use super::context::Context;
use crate::{
    api::{RegionalFailover, RegionalFailoverStatus},
    metrics::ObjectLabels,
    status::{EventType, Transition},
};

pub fn labels(rf: &RegionalFailover) -> ObjectLabels {
    ObjectLabels::new(&rf.namespace().unwrap_or_default(), &rf.name_any())
}

/// Publishes each event; a failure is logged, never retried (events are best effort).
pub async fn events(rf: &RegionalFailover, ctx: &Context, events: &[Transition]) {
    let reference = rf.object_ref(&());
    for t in events {
        let ev = Event {
            type_: match t.type_ {
                EventType::Normal => KubeEventType::Normal,
                EventType::Warning => KubeEventType::Warning,
            },
            reason: t.reason.as_str().to_string(),
            note: Some(t.note.clone()),
            action: t.action.to_string(),
            secondary: None,
        };
        if let Err(e) = ctx.recorder.publish(&ev, &reference).await {
            warn!(error = %e, reason = %t.reason, "event not published");
        }
    }
}

/// The object's gauges as of `status`.
pub fn metrics(rf: &RegionalFailover, ctx: &Context, status: &RegionalFailoverStatus) {
    ctx.metrics.record_status(&labels(rf), &rf.spec.primary.region, status);
}
