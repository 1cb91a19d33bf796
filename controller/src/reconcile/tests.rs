//! The reconcile glue against a mock API server (no control plane): what is written, in which
//! order, and what the reconcile asks for next. AWS is an endpoint nobody listens on.

mod mock_api;

use std::{sync::Arc, time::Duration};

use kube::runtime::controller::Action;
use serde_json::{Value, json};

use super::{Context, Settings, backoff, reconcile};
use crate::{
    api::RegionalFailover,
    aws::{Aws, AwsOptions, Budget, BudgetConfig, RetryPolicy},
    drill::actions::FailsafeConfig,
    metrics::{Metrics, Probes},
};
use mock_api::MockApi;

#[test]
fn backoff_doubles_and_caps() {
    assert_eq!(backoff(1), Duration::from_secs(5));
    assert_eq!(backoff(2), Duration::from_secs(10));
    assert_eq!(backoff(4), Duration::from_secs(40));
    assert_eq!(backoff(30), Duration::from_secs(300));
}

fn object(spec_patch: Value, status: Value, annotations: Value) -> Value {
    let mut spec = json!({
        "primary": {"region": "us-east-1", "endpoint": "127.0.0.1"},
        "secondary": {"region": "us-west-2", "endpoint": "127.0.0.2"},
        "dns": {"hostedZoneId": "Z1", "recordName": "api.example.com", "recordType": "A", "maxTtlSeconds": 0,
                "nameservers": ["127.0.0.1:9"]},
        "healthCheck": {"id": "hc-1", "type": "HTTP", "port": 9, "resourcePath": "/health"},
        "table": {"name": "profiles", "replicaRegions": ["us-west-2"]},
        "drills": [{"name": "smoke", "timeoutSeconds": 120}]
    });
    if let (Some(s), Some(p)) = (spec.as_object_mut(), spec_patch.as_object()) {
        s.extend(p.clone());
    }
    json!({
        "apiVersion": "regionalfailover.io/v1alpha1", "kind": "RegionalFailover",
        "metadata": {"name": "api", "namespace": "default", "uid": "u1", "generation": 1, "annotations": annotations},
        "spec": spec, "status": status
    })
}

async fn context(api: &MockApi, role: Option<&str>) -> Arc<Context> {
    crate::aws::install_crypto_provider();
    let retry = RetryPolicy { max_transient_retries: 0, max_throttle_retries: 0, ..RetryPolicy::default() };
    let budget = Arc::new(Budget::new(BudgetConfig { retry, ..BudgetConfig::default() }));
    let options = AwsOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("testing".into(), "testing".into())),
        ..AwsOptions::default()
    };
    let aws = Aws::new(options, budget).await;
    let failsafe = FailsafeConfig { role_arn: role.map(str::to_string), group: "g".into(), region: None };
    let settings = Settings { failsafe, ..Settings::default() };
    Arc::new(Context::new(api.client(), aws, Metrics::new(None), Arc::new(Probes::default()), settings))
}

async fn run(api: &MockApi, ctx: &Arc<Context>) -> Action {
    let rf: RegionalFailover = serde_json::from_value(api.object()).expect("a RegionalFailover");
    reconcile(Arc::new(rf), ctx.clone()).await.expect("reconciles")
}

/// The object as a verification left it: on the primary, its generation observed.
fn verified_on_the_primary() -> Value {
    let status =
        json!({"activeRegion": "us-east-1", "observedGeneration": 1, "lastVerifiedAt": "2026-12-01T10:00:00Z"});
    object(json!({}), status, json!({}))
}

fn condition(status: &Value, type_: &str) -> Value {
    status["conditions"].as_array().into_iter().flatten().find(|c| c["type"] == type_).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn an_invalid_spec_is_reported_and_waits_for_a_change() {
    let same_region = json!({"secondary": {"region": "us-east-1", "endpoint": "127.0.0.2"}});
    let api = MockApi::new(object(same_region, Value::Null, json!({})));
    let ctx = context(&api, None).await;
    assert_eq!(run(&api, &ctx).await, Action::await_change());
    let writes = api.matching("PATCH", "/status");
    assert_eq!(writes.len(), 1, "{writes:?}");
    let ready = condition(&writes[0].body["status"], "Ready");
    assert_eq!((ready["status"].as_str(), ready["reason"].as_str()), (Some("False"), Some("InvalidSpec")), "{ready}");
    assert!(api.matching("GET", "/configmaps/regional-failover-stop-drills").is_empty(), "no drill machinery");
}

#[tokio::test]
async fn a_requested_drill_puts_the_finalizer_on_before_its_first_record() {
    let api = MockApi::new(object(json!({}), Value::Null, json!({"regionalfailover.io/run-drill": "smoke"})));
    let ctx = context(&api, Some("arn:aws:iam::123456789012:role/failsafe")).await;
    let action = run(&api, &ctx).await;
    assert!(action != Action::await_change() && action_seconds(&action) <= 1.0, "the next step is soon: {action:?}");
    let requests = api.requests();
    let finalizer = requests.iter().position(|s| s.method == "PATCH" && s.path.ends_with("/regionalfailovers/api"));
    let first_record = requests.iter().position(|s| {
        s.path.ends_with("/status") && !s.body.pointer("/status/drill/current").unwrap_or(&Value::Null).is_null()
    });
    let (Some(f), Some(r)) = (finalizer, first_record) else { panic!("finalizer and record written: {requests:#?}") };
    assert!(f < r, "the finalizer goes on before the record that may lead to a change");
    assert_eq!(api.object()["metadata"]["finalizers"], json!(["regionalfailover.io/drill-restore"]));
    let current = &requests[r].body["status"]["drill"]["current"];
    assert_eq!((current["name"].as_str(), current["phase"].as_str()), (Some("smoke"), Some("Preflight")), "{current}");
    assert_eq!(api.object()["status"]["drill"]["handledRunRequest"], "smoke", "the request is handled once");
    let events: Vec<String> =
        api.matching("POST", "/events").iter().filter_map(|e| e.body["reason"].as_str().map(String::from)).collect();
    assert!(events.contains(&"DrillStarted".to_string()), "{events:?}");
}

fn action_seconds(action: &Action) -> f64 {
    // `Action` only shows its delay through Debug: "Action { requeue_after: Some(500ms) }".
    let text = format!("{action:?}");
    let ms =
        text.split("Some(").nth(1).map(|rest| rest.trim_end_matches([')', ' ', '}']).to_string()).unwrap_or_default();
    if let Some(v) = ms.strip_suffix("ms") {
        v.parse::<f64>().unwrap_or(f64::MAX) / 1000.0
    } else if let Some(v) = ms.strip_suffix('s') {
        v.parse().unwrap_or(f64::MAX)
    } else {
        f64::MAX
    }
}

#[tokio::test]
async fn a_drill_left_by_another_process_is_restored_before_anything_else() {
    let record = json!({
        "name": "smoke", "trigger": "Annotation", "phase": "AwaitingFailover", "startedAt": "2026-12-01T10:00:00Z",
        "injectedAt": "2026-12-01T10:00:05Z", "deadline": "2099-01-01T00:00:00Z",
        "original": {"id": "hc-1", "inverted": false, "disabled": false, "version": 3},
        "failsafeSchedule": "regionalfailover-hc-1", "holder": "operator old-pod"
    });
    let api = MockApi::new(object(json!({}), json!({"drill": {"current": record}}), json!({})));
    let ctx = context(&api, Some("arn:aws:iam::123456789012:role/failsafe")).await;
    run(&api, &ctx).await;
    let writes = api.matching("PATCH", "/status");
    let first = &writes.first().expect("status written").body["status"]["drill"]["current"];
    assert_eq!(
        (first["phase"].as_str(), first["reason"].as_str()),
        (Some("Restoring"), Some("OperatorRestarted")),
        "{first}"
    );
    // AWS is unreachable: the restore could not verify, which is recorded and announced.
    let now = &api.object()["status"]["drill"]["current"];
    assert_eq!((now["phase"].as_str(), now["restoreFailures"].as_i64()), (Some("Restoring"), Some(1)), "{now}");
    let events: Vec<String> =
        api.matching("POST", "/events").iter().filter_map(|e| e.body["reason"].as_str().map(String::from)).collect();
    assert!(events.contains(&"DrillRestoreFailed".to_string()), "{events:?}");
}

#[tokio::test]
async fn a_deleted_object_without_a_drill_loses_its_finalizer_and_its_memory() {
    let mut obj = object(json!({}), Value::Null, json!({}));
    obj["metadata"]["deletionTimestamp"] = json!("2026-12-01T10:00:00Z");
    obj["metadata"]["finalizers"] = json!(["regionalfailover.io/drill-restore"]);
    let api = MockApi::new(obj);
    let ctx = context(&api, None).await;
    assert_eq!(run(&api, &ctx).await, Action::await_change());
    assert_eq!(api.object()["metadata"]["finalizers"], json!([]));
    assert_eq!(ctx.remembered(), 0, "the object's memory is gone");
}

/// Many objects flipping at once are a regional event: the watch reads one drill lock a second,
/// never queueing the rest on the Scheduler budget (each would hold a reconcile slot).
#[tokio::test(start_paused = true)]
async fn the_watch_reads_one_drill_lock_a_second() {
    let api = MockApi::new(object(json!({}), Value::Null, json!({})));
    let ctx = context(&api, None).await;
    assert!(ctx.spare_lock_read(), "the first flip's lock is read");
    assert!(!(0..99).any(|_| ctx.spare_lock_read()), "99 more flips in the same instant read none");
    tokio::time::advance(Duration::from_millis(999)).await;
    assert!(!ctx.spare_lock_read());
    tokio::time::advance(Duration::from_millis(1)).await;
    assert!(ctx.spare_lock_read(), "a second later, one more");
}

/// The DNS watch's looks are the sensor's, outside the slots: a reconcile never comes back just
/// to look. Before, every object came back each second while anything looked wrong, and at 1,000
/// objects the looks filled the slots for good.
#[tokio::test]
async fn a_reconcile_is_not_requeued_for_the_dns_watch() {
    let api = MockApi::new(object(json!({}), Value::Null, json!({})));
    let ctx = context(&api, None).await;
    // AWS is unreachable: the verification fails and is retried after its backoff (5 s), while
    // the watch's alert cadence (1 s) is the sensor's business.
    let action = run(&api, &ctx).await;
    let wait = action_seconds(&action);
    assert!(wait > 4.0 && wait <= backoff(1).as_secs_f64(), "the verification's backoff: {action:?}");
    let looks_at = ctx.with_memory("default/api", |m| m.dns_at).expect("the sensor's next look is scheduled");
    assert!(looks_at <= tokio::time::Instant::now() + Duration::from_secs(1), "at the alert cadence");
}

/// A reconcile woken by the sensor judges the answer the sensor saw (this test's DNS server does
/// not answer at all) and writes the new region at once.
#[tokio::test]
async fn a_woken_reconcile_writes_the_region_the_sensor_saw() {
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    ctx.with_memory("default/api", |m| {
        m.verify_at = Some(tokio::time::Instant::now() + Duration::from_secs(30));
        m.woken = Some(super::sensor::Woken::Answer(vec!["127.0.0.2".into()]));
    });
    run(&api, &ctx).await;
    let writes = api.matching("PATCH", "/status");
    let last = &writes.last().expect("status written").body["status"];
    assert_eq!(last["activeRegion"], "us-west-2", "{last}");
    assert!(ctx.with_memory("default/api", |m| m.woken.is_none()), "the wake is used once");
}

/// A due reconcile does nothing until a slot is free (`slots.rs`): no API or AWS request while it
/// waits, then the whole verification; the wait is measured apart from the work.
#[tokio::test]
async fn a_reconcile_waits_for_a_free_slot() {
    use super::slots::{Lane, SLOTS};
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    ctx.slots.open_all();
    let mut busy = Vec::new();
    for _ in 0..SLOTS {
        busy.push(ctx.slots.take(Lane::Verification).await);
    }
    let rf: RegionalFailover = serde_json::from_value(api.object()).expect("a RegionalFailover");
    let mut waiting = Box::pin(reconcile(Arc::new(rf), ctx.clone()));
    for _ in 0..20 {
        assert!(futures::poll!(waiting.as_mut()).is_pending(), "every slot is busy");
        tokio::task::yield_now().await;
    }
    assert!(api.matching("PATCH", "/status").is_empty(), "nothing written while waiting");
    busy.pop();
    waiting.await.expect("reconciles");
    assert_eq!(api.matching("PATCH", "/status").len(), 1, "verified (AWS unreachable here) and written");
    let metrics = ctx.metrics.render().expect("metrics render");
    assert!(metrics.contains("regionalfailover_reconcile_slot_wait_seconds_count 1"), "{metrics}");
    assert!(metrics.contains("regionalfailover_reconcile_duration_seconds_count 1"), "{metrics}");
}

/// An object deleted while its reconcile waited for a slot is not reconciled from the stale copy
/// kube-runtime handed over: nothing is written and the process forgets it.
#[tokio::test]
async fn an_object_gone_while_waiting_is_forgotten() {
    use kube::runtime::reflector;
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    let (reader, _writer) = reflector::store::<RegionalFailover>();
    ctx.watch_fleet(reader);
    ctx.with_memory("default/api", |m| m.failures = 1);
    let action = run(&api, &ctx).await;
    assert_eq!(action, Action::await_change());
    assert!(api.requests().is_empty(), "no request for a deleted object: {:?}", api.requests());
    assert_eq!(ctx.remembered(), 0);
}

/// The status a reconcile wrote is kept as the next write's base only until the watch delivers
/// that write (its resourceVersion): a fleet's statuses are not held twice in memory.
#[tokio::test]
async fn the_written_status_is_dropped_once_the_watch_shows_it() {
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    let mut rf: RegionalFailover = serde_json::from_value(api.object()).expect("a RegionalFailover");
    let status = rf.status.clone().unwrap_or_default();
    ctx.note_written("default/api", &status, Some("42".into()));
    rf.metadata.resource_version = Some("41".into());
    ctx.settle_written(&rf);
    assert!(ctx.with_memory("default/api", |m| m.written.is_some()), "an older event keeps it");
    rf.metadata.resource_version = Some("42".into());
    ctx.settle_written(&rf);
    assert!(ctx.with_memory("default/api", |m| m.written.is_none() && m.written_version.is_none()));
}

/// A watch event triggers a reconcile only for what a user changed (spec, annotations, deletion,
/// a new object under the same name), never for this process's own status writes; a deleted
/// object's memory, once forgotten, is not brought back by a late event.
#[tokio::test]
async fn only_a_users_change_triggers_from_the_watch() {
    use super::run::user_change;
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    let mut rf: RegionalFailover = serde_json::from_value(api.object()).expect("a RegionalFailover");
    rf.metadata.uid = Some("uid-1".into());
    rf.metadata.generation = Some(1);
    let seen = |rf: &RegionalFailover| ctx.user_changed(rf, user_change(rf));
    assert!(seen(&rf), "first sight");
    assert!(!seen(&rf), "the same object again");
    rf.status.get_or_insert_default().active_region = Some("us-west-2".into());
    rf.metadata.resource_version = Some("77".into());
    assert!(!seen(&rf), "a status write");
    rf.metadata.generation = Some(2);
    assert!(seen(&rf), "a spec change");
    rf.metadata.annotations.get_or_insert_default().insert(crate::api::RUN_DRILL_ANNOTATION.into(), "weekly".into());
    assert!(seen(&rf), "an annotation");
    rf.metadata.uid = Some("uid-2".into());
    assert!(seen(&rf), "deleted and created again under the same name");
    rf.metadata.deletion_timestamp =
        Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now()));
    assert!(seen(&rf), "deletion");
    ctx.forget("default/api");
    assert!(seen(&rf), "a late event of a forgotten object still triggers");
    assert_eq!(ctx.remembered(), 0, "and does not bring its memory back");
}

/// The runbook sweep deletes the runbooks whose object is not in the watch cache. During the first
/// list that cache is ready but holds only the objects listed so far (`first_list.rs`): the sweep
/// waits for the list's end, or it would delete the runbooks of the objects still to come.
#[tokio::test(start_paused = true)]
async fn the_runbook_sweep_waits_for_the_end_of_the_first_list() {
    use kube::runtime::{reflector, watcher::Event};
    let api = MockApi::new(verified_on_the_primary());
    let ctx = context(&api, None).await;
    let (reader, writer) = reflector::store::<RegionalFailover>();
    let (mut writer, listed) = super::first_list::EagerWriter::new(writer);
    writer.apply(Event::Init);
    let sweep = tokio::spawn(super::runbook::sweep(ctx, reader, listed));
    tokio::time::sleep(Duration::from_secs(3 * 300 + 1)).await;
    assert!(api.matching("GET", "/configmaps").is_empty(), "swept during the first list: {:?}", api.requests());
    writer.apply(Event::InitDone);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(api.matching("GET", "/configmaps").len(), 1, "one sweep once the list ended: {:?}", api.requests());
    sweep.abort();
}
