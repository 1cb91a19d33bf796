//! The runbook ConfigMap: each object's report (`regional-failover report`, rendered from its spec
//! and status with the last drill's preflight) kept current in the operator's namespace, so it is
//! there during an incident without a tool to run (docs/architecture.md, "The runbook").
//!
//! It lives in the operator's namespace, not the object's: there a Role can grant it, while
//! writing ConfigMaps in every namespace would let the operator overwrite anyone's. Objects are
//! found by label; ones whose RegionalFailover is gone are swept.

use std::{collections::BTreeMap, hash::Hasher, sync::Arc, time::Duration};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::{
    Api, ResourceExt,
    api::{DeleteParams, ListParams, ObjectMeta, Patch, PatchParams},
    runtime::reflector::{ObjectRef, Store},
};
use tokio::{sync::watch, time::Instant};
use tracing::{debug, warn};

use super::{Context, status_write::FIELD_MANAGER};
use crate::{
    api::{RegionalFailover, RegionalFailoverStatus},
    report,
};

/// Label every runbook ConfigMap carries (its value: `namespace.name` of the object).
pub const RUNBOOK_LABEL: &str = "regionalfailover.io/runbook-of";
/// A failed write is tried again after this long even if the report did not change.
const RETRY_AFTER: Duration = Duration::from_secs(60);
/// How often ConfigMaps of deleted objects are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(300);

/// `runbook.<namespace>.<name>`, cut to the 253 characters a ConfigMap name may have.
pub fn configmap_name(namespace: &str, name: &str) -> String {
    let full = format!("runbook.{namespace}.{name}");
    if full.len() <= 253 {
        return full;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(full.as_bytes());
    format!("{}.{:016x}", &full[..253 - 17], h.finish())
}

/// Label values are at most 63 characters: long names are hashed.
fn label_value(namespace: &str, name: &str) -> String {
    let v = format!("{namespace}.{name}");
    if v.len() <= 63 {
        return v;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(v.as_bytes());
    format!("{:016x}", h.finish())
}

/// Writes the object's runbook when it changed (or a failed write is due again).
pub async fn publish(rf: &RegionalFailover, ctx: &Context, key: &str, status: &RegionalFailoverStatus) {
    let namespace = rf.namespace().unwrap_or_default();
    let name = rf.name_any();
    let last_drill = status.drill.as_ref().and_then(|d| d.last.as_ref());
    let input = report::Input {
        namespace: &namespace,
        name: &name,
        spec: &rf.spec,
        status: Some(status),
        preflight: last_drill.map(|d| d.preflight.clone()).unwrap_or_default(),
        operator_namespace: &ctx.settings.namespace,
    };
    let built = report::build(&input);
    let markdown = report::markdown(&built);
    let json = serde_json::to_string_pretty(&built).unwrap_or_default();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(markdown.as_bytes());
    let hash = h.finish();
    let due = ctx.with_memory(key, |m| match m.runbook {
        Some((written, None)) => written != hash,
        Some((written, Some(failed))) => written != hash || failed.elapsed() >= RETRY_AFTER,
        None => true,
    });
    if !due {
        return;
    }
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(configmap_name(&namespace, &name)),
            labels: Some(BTreeMap::from([(RUNBOOK_LABEL.to_string(), label_value(&namespace, &name))])),
            annotations: Some(BTreeMap::from([(
                "regionalfailover.io/object".to_string(),
                format!("{namespace}/{name}"),
            )])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("runbook.md".to_string(), markdown), ("report.json".to_string(), json)])),
        ..ConfigMap::default()
    };
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.settings.namespace);
    let written = api
        .patch(&configmap_name(&namespace, &name), &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&cm))
        .await;
    let failed = match written {
        Ok(_) => None,
        Err(e) => {
            warn!(error = %e, configmap = %configmap_name(&namespace, &name), "runbook ConfigMap not written");
            Some(Instant::now())
        }
    };
    ctx.with_memory(key, |m| m.runbook = Some((hash, failed)));
}

/// Removes a deleted object's runbook (best effort: the sweep catches what this misses).
pub async fn remove(rf: &RegionalFailover, ctx: &Context) {
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.settings.namespace);
    let name = configmap_name(&rf.namespace().unwrap_or_default(), &rf.name_any());
    if let Err(e) = api.delete(&name, &DeleteParams::default()).await {
        debug!(error = %e, configmap = %name, "runbook ConfigMap not deleted");
    }
}

/// Every few minutes: deletes runbooks whose object is gone (deleted while no drill held it).
/// Only once the store has held the whole fleet (`listed`): during the first list it holds only
/// the objects listed so far (`first_list.rs`), and a runbook is no proof its object is gone.
pub async fn sweep(ctx: Arc<Context>, store: Store<RegionalFailover>, mut listed: watch::Receiver<bool>) {
    let api: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.settings.namespace);
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        if listed.wait_for(|listed| *listed).await.is_err() {
            return;
        }
        let Ok(list) = api.list_metadata(&ListParams::default().labels(RUNBOOK_LABEL)).await else { continue };
        for cm in list {
            let Some(object) = cm.annotations().get("regionalfailover.io/object") else { continue };
            let Some((ns, name)) = object.split_once('/') else { continue };
            if store.get(&ObjectRef::new(name).within(ns)).is_none() {
                let _ = api.delete(&cm.name_any(), &DeleteParams::default()).await;
            }
        }
    }
}
