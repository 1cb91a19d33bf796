//! Status written through the status subresource by server-side apply, as the operator writes it.

use regional_failover::{
    api::{RegionalFailover, RegionalFailoverStatus},
    reconcile::status_write,
};

use super::*;

pub(crate) async fn status_is_applied_through_the_status_subresource(
    client: &Client,
    api: &Api<DynamicObject>,
    ns: &str,
) {
    let typed: Api<RegionalFailover> = Api::namespaced(client.clone(), ns);
    let running = json!({"name": "weekly", "trigger": "Annotation", "phase": "AwaitingFailover",
        "startedAt": "2026-11-22T10:00:00Z", "injectedAt": "2026-11-22T10:00:05Z",
        "deadline": "2026-11-22T10:10:00Z", "original": {"id": "0f3c9a8e-1b2d-4c5e-8f90-123456789abc", "inverted": false, "disabled": false}});
    let mut status = json!({
        "observedGeneration": 1,
        "activeRegion": "us-east-1",
        "health": {"status": "Healthy", "checkersHealthy": 8, "checkersReporting": 8, "observedAt": "2026-11-22T10:00:00Z"},
        "replication": {"replicas": [{"region": "us-west-2", "status": "ACTIVE"}], "lagSeconds": 0.8},
        "conditions": [{"type": "InSync", "status": "True", "observedGeneration": 1,
                        "lastTransitionTime": "2026-11-22T10:00:00Z", "reason": "NoDrift",
                        "message": "Live AWS resources match the spec."}],
        "drill": {"current": running, "handledRunRequest": "r1"}
    });
    let written = write_status(&typed, ns, &status).await;
    assert_eq!(written.pointer("/drill/current/injectedAt"), Some(&json!("2026-11-22T10:00:05Z")), "{written}");

    // The same drill, restoring: injectedAt left out is gone, the rest of `current` stays.
    status["drill"]["current"]["phase"] = json!("Restoring");
    status["drill"]["current"].as_object_mut().expect("object").remove("injectedAt");
    let written = write_status(&typed, ns, &status).await;
    assert_eq!(written.pointer("/drill/current/phase"), Some(&json!("Restoring")), "{written}");
    assert_eq!(written.pointer("/drill/current/injectedAt"), None, "a removed field is removed: {written}");

    // The drill finished: `current` left out is gone, `last` holds the record.
    let mut last = status["drill"]["current"].clone();
    last["phase"] = json!("Succeeded");
    last["measuredRtoSeconds"] = json!(41.5);
    status["drill"] = json!({"last": last, "handledRunRequest": "r1"});
    let written = write_status(&typed, ns, &status).await;
    assert_eq!(written.pointer("/drill/current"), None, "a finished drill's current is removed: {written}");
    assert_eq!(written.pointer("/drill/last/measuredRtoSeconds"), Some(&json!(41.5)), "{written}");

    let rf = typed.get("profile-api").await.expect("read back");
    let status_managers: Vec<_> = rf
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| m.subresource.as_deref() == Some("status"))
        .map(|m| (m.manager.clone().unwrap_or_default(), m.operation.clone().unwrap_or_default()))
        .collect();
    assert_eq!(status_managers, [(status_write::FIELD_MANAGER.to_string(), "Apply".to_string())]);

    // A spec change through the main resource cannot touch status.
    let sneaky = json!({"spec": {"suspend": true}, "status": {"activeRegion": "us-west-2"}});
    api.patch("profile-api", &PatchParams::default(), &Patch::Merge(&sneaky)).await.expect("spec patch");
    let rf = typed.get("profile-api").await.expect("read back");
    assert!(rf.spec.suspend, "the spec part of the patch applied");
    assert_eq!(rf.status.and_then(|s| s.active_region).as_deref(), Some("us-east-1"));
}

/// Writes `status` with the operator's own function; returns the status as the server holds it.
pub(crate) async fn write_status(api: &Api<RegionalFailover>, ns: &str, status: &Value) -> Value {
    let typed: RegionalFailoverStatus = serde_json::from_value(status.clone()).expect("a valid status");
    status_write::apply(api, "profile-api", &typed).await.unwrap_or_else(|e| panic!("status write refused: {e}"));
    let raw = dynamic_api(api.clone().into_client(), ns);
    raw.get_status("profile-api").await.expect("status readable").data["status"].clone()
}
