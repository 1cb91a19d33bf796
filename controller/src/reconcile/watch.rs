//! The DNS watch between verifications, and what a flip means (docs/architecture.md, "Incident
//! freshness" and "Witnessed failovers"): the sensor (`sensor.rs`) looks at the authoritative
//! answer every few seconds outside the reconcile slots and wakes the reconcile on news, so
//! `status.activeRegion` follows a real failover within seconds while the full verification keeps
//! its AWS budget. While a flip converges the reconcile asks each server on its own.

use std::time::Duration;

use chrono::Utc;
use kube::ResourceExt;
use tokio::time::Instant;
use tracing::debug;

use super::{Context, publish, sensor::Woken};
use crate::{
    api::{ConditionStatus, RegionalFailover, RegionalFailoverStatus},
    drill::validate,
    observe,
    status::{
        self, Assembled, ConditionType,
        witness::{self, LastAnswer, ServerSaw, Sighting},
    },
    verify,
};

/// Between verifications, woken by the sensor (`sensor.rs`): the answer it saw, or each
/// server's while a flip converges.
pub async fn dns_watch_step(
    rf: &RegionalFailover,
    ctx: &Context,
    key: &str,
    status: &RegionalFailoverStatus,
) -> (Option<Assembled>, Vec<ServerSaw>) {
    let woken = ctx.with_memory(key, |m| m.woken.take());
    let per_server = status.last_failover.as_ref().is_some_and(|r| witness::converging(r, Utc::now()));
    let (answer, servers) = match woken {
        Some(Woken::Answer(values)) if !per_server => (Ok(values), Vec::new()),
        _ if per_server => {
            let servers = observe::answers_per_server(&rf.spec, zone(rf, ctx).await.as_ref()).await;
            // The combined answer is the first server's that named an endpoint, as a resolver's.
            let first = servers.iter().find_map(|s| s.region.clone());
            let values = first.and_then(|r| endpoint_of(rf, &r)).map(|e| vec![e]);
            (values.ok_or_else(|| "no server named an endpoint".to_string()), servers)
        }
        _ => (authoritative(rf, ctx).await, Vec::new()),
    };
    let assembled = match &answer {
        Ok(values) => status::assemble_dns_watch(&rf.spec, status, values, Utc::now()),
        Err(e) => {
            debug!(error = %e, "DNS watch: no answer");
            None
        }
    };
    let next = interval(rf, ctx, assembled.as_ref().map_or(status, |a| &a.status));
    ctx.with_memory(key, |m| m.dns_at = Some(Instant::now() + next));
    (assembled, servers)
}

/// The authoritative answer for the object's record, as the watch asks it.
pub async fn authoritative(rf: &RegionalFailover, ctx: &Context) -> Result<Vec<String>, String> {
    observe::authoritative_answer(&rf.spec, zone(rf, ctx).await.as_ref()).await
}

/// The zone's servers when the spec names none. The delegation set rarely changes: the
/// verification's last read names them, so the watch adds no Route 53 call to the verification's
/// budget (the cache only the first time).
async fn zone(rf: &RegionalFailover, ctx: &Context) -> Option<verify::ZoneObserved> {
    if !rf.spec.dns.nameservers.is_empty() {
        return None;
    }
    match ctx.aws.last_known_zone(&rf.spec.dns.hosted_zone_id) {
        Some(z) => Some(z),
        None => ctx.aws.cached_hosted_zone(&rf.spec.dns.hosted_zone_id).await.ok().flatten(),
    }
}

fn endpoint_of(rf: &RegionalFailover, region: &str) -> Option<String> {
    [&rf.spec.primary, &rf.spec.secondary].into_iter().find(|e| e.region == region).map(|e| e.endpoint.clone())
}

/// After a verification or a watch look: a flip is announced, counted and, outside drills,
/// recorded in `status.lastFailover`, whose servers the watch then follows until they agree;
/// after a real failover the standby is asked once (`spec.postFailoverValidation`).
pub async fn witness_step(
    rf: &RegionalFailover,
    ctx: &Context,
    key: &str,
    previous: &RegionalFailoverStatus,
    assembled: Option<Assembled>,
    servers: &[ServerSaw],
) -> Option<Assembled> {
    let now = Utc::now();
    let base = assembled.as_ref().map_or(previous, |a| &a.status);
    let active = base.active_region.clone();
    let last = ctx.with_memory(key, |m| m.last_answer.clone());
    let drilling = previous.drill.as_ref().is_some_and(|d| d.current.is_some());
    let predicted = verify::predicted_stages(&rf.spec, None);
    // A flip while no drill of ours runs may be another process's drill (the other cluster's, a
    // CLI's): its lock says so before the flip is announced as a regional failover. The lock is
    // read only on a flip, and only on a spare read (many flips at once are no drill: waiting on
    // the Scheduler budget would delay every status); verification reads it again while the
    // check stays changed.
    let flipped = active.as_deref().is_some_and(|a| last.as_ref().is_some_and(|l| l.region != a));
    let foreign = if flipped && !drilling && ctx.spare_lock_read() {
        observe::foreign_lock(&rf.spec, &ctx.aws, &ctx.settings.failsafe).await
    } else {
        None
    };
    let sighting = Sighting {
        active: active.as_deref(),
        servers,
        at: now,
        vantage: ctx.settings.cluster_region.as_deref(),
        foreign_drill: foreign.as_ref().map(|f| f.holder.as_str()),
    };
    let judged =
        witness::witness(&rf.spec, last.as_ref(), base.last_failover.as_deref(), &sighting, drilling, &predicted);
    if let Some(region) = &active {
        ctx.with_memory(key, |m| m.last_answer = Some(LastAnswer { region: region.clone(), at: now }));
    }
    if let Some(to) = &judged.flipped_to {
        ctx.metrics.dns_flip_observed(&publish::labels(rf), Some(to), now);
    }
    let mut record = judged.record.clone().or_else(|| base.last_failover.as_deref().cloned());
    let mut events = Vec::new();
    events.extend(judged.event.clone());
    let mut changed = judged.record.is_some();
    let foreign_drill = foreign.map(|f| status::foreign::record(&f, base.foreign_drill.as_ref(), now));
    if foreign_drill.is_some() {
        events.extend(status::foreign::events(base.foreign_drill.as_ref(), foreign_drill.as_ref(), now));
        changed = true;
    }
    if let Some(r) = record.as_mut()
        && witness::validation_due(&rf.spec, r, active.as_deref())
        && let Some(v) = rf.spec.post_failover_validation.as_ref()
    {
        let result = validate::standby(&rf.spec, v).await;
        events.push(witness::validation_event(&result));
        witness::attach_validation(r, result, &predicted);
        changed = true;
    }
    if !changed && events.is_empty() {
        return assembled;
    }
    let mut out = assembled.unwrap_or_else(|| Assembled { status: previous.clone(), events: Vec::new() });
    if changed {
        out.status.last_failover = record.map(Box::new);
    }
    if foreign_drill.is_some() {
        out.status.foreign_drill = foreign_drill;
    }
    out.events.extend(events);
    debug!(name = %rf.name_any(), flipped = ?judged.flipped_to, "witnessed");
    Some(out)
}

/// The watch's cadence: the object's own setting or the operator's, faster while anything is wrong
/// (DNS not on the primary, the primary not known healthy, a drill running, a flip converging).
pub fn interval(rf: &RegionalFailover, ctx: &Context, status: &RegionalFailoverStatus) -> Duration {
    let normal =
        rf.spec.dns.watch_interval_seconds.map_or(ctx.settings.dns_watch, |s| Duration::from_secs(u64::from(s)));
    let healthy = status::find_condition(&status.conditions, ConditionType::PrimaryHealthy)
        .is_some_and(|c| c.status == ConditionStatus::True);
    let on_primary = status.active_region.as_deref() == Some(rf.spec.primary.region.as_str());
    let drilling = status.drill.as_ref().is_some_and(|d| d.current.is_some());
    let converging = status.last_failover.as_ref().is_some_and(|r| witness::converging(r, Utc::now()));
    if healthy && on_primary && !drilling && !converging { normal } else { normal.min(ctx.settings.dns_watch_alert) }
}
