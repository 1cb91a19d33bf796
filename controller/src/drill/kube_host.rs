//! The controller's [`DrillHost`]: every record goes into `status.drill` by server-side apply of
//! the FULL status (an apply that omits a field removes it), and the object is re-read every few
//! seconds to notice deletion and suspension.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Utc};
use kube::{
    Api, Resource, ResourceExt,
    api::{Patch, PatchParams},
};
use serde_json::{Value, json};

use super::{
    machine::{self, AbortCause},
    runner::DrillHost,
    sense::HostFacts,
    trigger,
};
use crate::api::{DrillPhase, DrillRecord, RegionalFailover, RegionalFailoverStatus};

/// Field manager of every status write (the same as verification's: one writer).
pub const FIELD_MANAGER: &str = "regional-failover";
/// Removed once no drill can have changed the health check, so deletion waits for the restore.
pub const DRILL_FINALIZER: &str = "regionalfailover.io/drill-restore";

const FACTS_EVERY: chrono::Duration = chrono::Duration::seconds(2);

pub struct KubeHost {
    pub api: Api<RegionalFailover>,
    pub name: String,
    /// The status as last written; every write starts from it.
    pub status: RegionalFailoverStatus,
    /// Another object drills the same health check (decided when the drill started).
    pub other_drill_running: bool,
    facts: HostFacts,
    facts_at: Option<DateTime<Utc>>,
    /// Set when the operator shuts down or loses its lease.
    stopping: Arc<AtomicBool>,
}

impl KubeHost {
    pub fn new(
        api: Api<RegionalFailover>,
        name: String,
        status: RegionalFailoverStatus,
        suspended: bool,
        stopping: Arc<AtomicBool>,
    ) -> Self {
        let facts = HostFacts { suspended, ..HostFacts::default() };
        KubeHost { api, name, status, other_drill_running: false, facts, facts_at: None, stopping }
    }

    pub async fn write(&self) -> Result<(), kube::Error> {
        write_status(&self.api, &self.name, &self.status).await
    }
}

pub async fn write_status(
    api: &Api<RegionalFailover>,
    name: &str,
    status: &RegionalFailoverStatus,
) -> Result<(), kube::Error> {
    let patch = json!({
        "apiVersion": "regionalfailover.io/v1alpha1",
        "kind": "RegionalFailover",
        "status": status,
    });
    api.patch_status(name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&patch)).await?;
    Ok(())
}

impl DrillHost for KubeHost {
    async fn persist(&mut self, record: &DrillRecord) -> Result<(), String> {
        let mut next = self.status.clone();
        let drill = next.drill.get_or_insert_with(Default::default);
        if machine::is_terminal(record.phase) {
            trigger::archive(drill, record.clone());
        } else {
            drill.current = Some(record.clone());
        }
        match replace_status(&self.api, &self.name, &self.status, &next).await {
            Ok(()) => {}
            // The object is gone (its finalizer was removed by hand): nowhere to write, and the
            // drill must still be able to restore and end.
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(e.to_string()),
        }
        self.status = next;
        Ok(())
    }

    async fn facts(&mut self, phase: DrillPhase) -> HostFacts {
        let now = Utc::now();
        if self.facts_at.is_none_or(|t| now - t >= FACTS_EVERY) {
            self.facts_at = Some(now);
            match self.api.get_opt(&self.name).await {
                Ok(Some(rf)) if rf.meta().deletion_timestamp.is_some() => self.facts.abort = Some(AbortCause::Deleted),
                Ok(Some(rf)) => self.facts.suspended = rf.spec.suspend,
                Ok(None) => self.facts.abort = Some(AbortCause::Deleted),
                Err(e) => tracing::warn!(error = %e, "drill: cannot re-read the object"),
            }
        }
        let mut facts = self.facts;
        facts.other_drill_running = self.other_drill_running;
        if facts.abort.is_none() && self.stopping.load(Ordering::SeqCst) {
            facts.abort = Some(AbortCause::OperatorStopping);
        }
        // Before preflight a suspension is a refusal (recorded as such); after it, an abort.
        if facts.suspended && facts.abort.is_none() && !matches!(phase, DrillPhase::Pending | DrillPhase::Preflight) {
            facts.abort = Some(AbortCause::Suspended);
        }
        facts
    }
}

/// Replaces the whole status with one merge patch that names every removed field as `null`.
/// Drill records come and go as whole objects (`current` is removed when the drill ends, `last` is
/// replaced by a record with other optional fields), and the 1.20 API server's server-side apply
/// leaves nested fields of a removed object behind, which then fails validation.
pub async fn replace_status(
    api: &Api<RegionalFailover>,
    name: &str,
    old: &RegionalFailoverStatus,
    new: &RegionalFailoverStatus,
) -> Result<(), kube::Error> {
    let old = serde_json::to_value(old).map_err(kube::Error::SerdeError)?;
    let new = serde_json::to_value(new).map_err(kube::Error::SerdeError)?;
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    let patch = json!({ "status": merge_diff(&old, new) });
    api.patch_status(name, &params, &Patch::Merge(&patch)).await?;
    Ok(())
}

/// `new`, plus `null` for every object key of `old` that `new` lacks (recursively), so that a
/// merge patch turns `old` into exactly `new`. Arrays are replaced whole by merge patches anyway.
pub fn merge_diff(old: &Value, new: Value) -> Value {
    match (old, new) {
        (Value::Object(old), Value::Object(mut new)) => {
            for (key, old_value) in old {
                match new.remove(key) {
                    Some(v) => {
                        let merged = merge_diff(old_value, v);
                        new.insert(key.clone(), merged);
                    }
                    None => {
                        new.insert(key.clone(), Value::Null);
                    }
                }
            }
            Value::Object(new)
        }
        (_, new) => new,
    }
}

/// Adds or removes the drill finalizer (merge patch guarded by resourceVersion).
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

#[cfg(test)]
mod tests {
    use super::merge_diff;
    use serde_json::json;

    #[test]
    fn removed_keys_become_null_at_every_depth() {
        let old = json!({"drill": {"current": {"name": "a"}, "last": {"original": {"id": "x"}, "name": "a"}}, "k": 1});
        let new = json!({"drill": {"last": {"name": "b"}}, "k": 1});
        assert_eq!(
            merge_diff(&old, new),
            json!({"drill": {"current": null, "last": {"original": null, "name": "b"}}, "k": 1})
        );
    }
}
