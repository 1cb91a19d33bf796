//! Every status write: one server-side apply of the whole status under one field manager
//! (docs/architecture.md, "Status writes"). A field the operator wrote before and leaves out now
//! (a finished drill's `current`, a resolved finding) is removed by the API server, because this
//! manager owns it.

use kube::{
    Api, ResourceExt,
    api::{Patch, PatchParams},
};
use serde_json::json;

use crate::api::{RegionalFailover, RegionalFailoverStatus};

/// Field manager of every status write.
pub const FIELD_MANAGER: &str = "regional-failover";
/// Present only while a drill may have changed the health check, so deletion waits for the restore.
pub const DRILL_FINALIZER: &str = "regionalfailover.io/drill-restore";

/// Applies `status` as the whole status of `name`; returns the object's new resourceVersion, by
/// which the watch cache's copy is known to include this write.
pub async fn apply(
    api: &Api<RegionalFailover>,
    name: &str,
    status: &RegionalFailoverStatus,
) -> Result<Option<String>, kube::Error> {
    let patch = json!({
        "apiVersion": "regionalfailover.io/v1alpha1",
        "kind": "RegionalFailover",
        "status": status,
    });
    let applied = api.patch_status(name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&patch)).await?;
    Ok(applied.resource_version())
}

/// Adds or removes the drill finalizer (a merge patch guarded by resourceVersion, so a concurrent
/// change of the finalizer list is retried by the next reconcile instead of overwritten).
pub async fn set_finalizer(api: &Api<RegionalFailover>, name: &str, present: bool) -> Result<(), kube::Error> {
    let Some(rf) = api.get_opt(name).await? else { return Ok(()) };
    let mut finalizers = rf.finalizers().to_vec();
    let has = finalizers.iter().any(|f| f == DRILL_FINALIZER);
    if has == present {
        return Ok(());
    }
    if present {
        finalizers.push(DRILL_FINALIZER.to_string());
    } else {
        finalizers.retain(|f| f != DRILL_FINALIZER);
    }
    let patch = json!({"metadata": {"finalizers": finalizers, "resourceVersion": rf.resource_version()}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
    Ok(())
}
