//! Drills run by the operator (as the IAM role Terraform created) against the hybrid local control
//! plane and local AWS with IAM enforced: an on-demand drill (annotation) and a cron drill succeed
//! with status, events and metrics; an unknown drill name is reported; a second object on the same
//! health check never drills at the same time; suspending and the stop switch abort and restore;
//! deleting the object mid-drill restores first (finalizer); kill -9 in each phase is followed by a
//! restore after restart; SIGTERM restores before exit; and with the operator dead for good the
//! AWS-side fail-safe (run as its Terraform role) restores the health check at the deadline.

mod drill_ground;
#[path = "drill_operator/setup.rs"]
mod setup;
mod support;

use std::time::Duration;

use chrono::{Timelike, Utc};
use k8s_openapi::api::events::v1::Event;
use kube::{
    Api, Client,
    api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::{DrillPhase, DrillRecord, RegionalFailover};
use serde_json::{Value, json};
use support::{
    cluster::{Cluster, install_crd, namespace},
    localaws::eventually,
    operator::Operator,
};

use drill_ground::{Ground, config, ground, rto_error};
use setup::*;

#[tokio::test(flavor = "multi_thread")]
async fn operator_runs_on_demand_drills_refuses_twins_and_restores_on_suspend_and_delete() {
    let s = setup("drill-op.test", "drill-op", "", 120).await;
    let r53 = s.g.local.route53().await;
    let before = config(&r53, &s.g.hc).await;
    let op = operator(&s);
    eventually("first status", Duration::from_secs(30), || async {
        s.api.get(NAME).await.ok().and_then(|rf| rf.status).and_then(|st| st.last_verified_at)
    })
    .await;

    // On demand.
    let t0 = Utc::now();
    annotate(&s.api, "smoke").await;
    let rec = finished(&s.api, t0, Duration::from_secs(60)).await;
    assert_eq!(rec.phase, DrillPhase::Succeeded, "{rec:?}");
    assert_eq!(rec.passed, Some(true));
    let rec_json = serde_json::to_value(&rec).expect("json");
    let (measured, expected) = rto_error(&s.g.local, &s.g.record, &rec_json).expect("local AWS flipped");
    println!("RTO operator on-demand: measured {measured:.3}s, local AWS flip {expected:.3}s");
    assert!((measured - expected).abs() <= 1.0, "measured {measured} vs flip {expected}");
    assert_eq!(config(&r53, &s.g.hc).await, before, "health check exactly as it began");
    let rf = eventually("DrillSucceeded condition and handled request", Duration::from_secs(30), || async {
        let rf = s.api.get(NAME).await.ok()?;
        let st = rf.status.as_ref()?;
        let ok = st.conditions.iter().any(|c| c.type_ == "DrillSucceeded" && c.reason != "NoDrillYet")
            && st.drill.as_ref()?.handled_run_request.as_deref() == Some("smoke");
        ok.then_some(rf)
    })
    .await;
    assert!(rf.metadata.finalizers.as_ref().is_none_or(|f| f.is_empty()), "finalizer removed after the drill");
    let reasons = event_reasons(&s.client, &s.ns).await;
    for reason in ["DrillStarted", "DrillSucceeded"] {
        assert!(reasons.iter().any(|r| r == reason), "{reason} in {reasons:?}");
    }
    let metrics = op.http_get("/metrics").map(|(_, b)| b).unwrap_or_default();
    assert!(
        metrics.contains("regionalfailover_drills_total{") && metrics.contains("outcome=\"succeeded\""),
        "{metrics}"
    );
    assert!(metrics.contains("regionalfailover_drill_measured_rto_milliseconds{"), "{metrics}");

    // The same value again does nothing; an unknown name is reported and marked handled.
    annotate(&s.api, "nightly").await;
    eventually("UnknownDrill event", Duration::from_secs(30), || async {
        event_reasons(&s.client, &s.ns).await.iter().any(|r| r == "UnknownDrill").then_some(())
    })
    .await;
    assert_eq!(last(&s.api.get(NAME).await.expect("get")).map(|r| r.started_at), Some(rec.started_at));

    // A second object on the same health check never drills at the same time: asked at the same
    // moment, one of the two is refused (by the AWS-side lock, or because the check is already
    // inverted by the other) and changes nothing.
    apply_object(&s, "twin", 120, "").await;
    let t3 = Utc::now();
    annotate(&s.api, "smoke/twin").await;
    annotate_object(&s.api, "twin", "smoke").await;
    let twin = eventually("the twin's drill ended", Duration::from_secs(60), || async {
        let rf = s.api.get("twin").await.ok()?;
        last(&rf).cloned()
    })
    .await;
    let first = finished(&s.api, t3, Duration::from_secs(60)).await;
    let refused = |r: &DrillRecord| {
        r.phase == DrillPhase::Failed
            && ["DrillAlreadyRunning", "HealthCheckNotNormal", "ContradictoryEvidence"]
                .contains(&r.reason.as_deref().unwrap_or(""))
            && r.injected_at.is_none()
    };
    assert!(refused(&twin) != refused(&first), "exactly one of the two ran: {twin:?} {first:?}");
    let rec = if refused(&twin) { first } else { twin };
    assert_eq!(rec.phase, DrillPhase::Succeeded, "{rec:?}");
    let rec_json = serde_json::to_value(&rec).expect("json");
    let (measured, expected) = rto_error(&s.g.local, &s.g.record, &rec_json).expect("flip");
    println!("RTO operator on-demand 2: measured {measured:.3}s, local AWS flip {expected:.3}s");
    assert!((measured - expected).abs() <= 1.0, "measured {measured} vs flip {expected}");
    s.api.delete("twin", &DeleteParams::default()).await.expect("twin deleted");

    // Suspending mid-drill restores and aborts.
    let t2 = Utc::now();
    annotate(&s.api, "smoke/suspend").await;
    eventually("drill injected", Duration::from_secs(30), || async {
        let rf = s.api.get(NAME).await.ok()?;
        current(&rf).filter(|r| r.started_at >= t2 && r.phase == DrillPhase::AwaitingFailover).map(|_| ())
    })
    .await;
    let suspend = |on: bool| json!({"spec": {"suspend": on}});
    s.api.patch(NAME, &PatchParams::default(), &Patch::Merge(&suspend(true))).await.expect("suspended");
    let rec = finished(&s.api, t2, Duration::from_secs(60)).await;
    assert_eq!((rec.phase, rec.reason.as_deref()), (DrillPhase::Aborted, Some("Suspended")), "{rec:?}");
    assert_eq!(config(&r53, &s.g.hc).await, before, "restored on suspend");
    s.api.patch(NAME, &PatchParams::default(), &Patch::Merge(&suspend(false))).await.expect("resumed");
    drill_ground::settled(&s.g.local, &s.g.hc).await;

    // Deleting the object mid-drill restores the health check before the object goes.
    let t1 = Utc::now();
    annotate(&s.api, "smoke/delete").await;
    eventually("drill injected", Duration::from_secs(30), || async {
        let rf = s.api.get(NAME).await.ok()?;
        current(&rf).filter(|r| r.started_at >= t1 && r.phase == DrillPhase::AwaitingFailover).map(|_| ())
    })
    .await;
    s.api.delete(NAME, &DeleteParams::default()).await.expect("delete");
    eventually("object gone after the restore", Duration::from_secs(60), || async {
        s.api.get_opt(NAME).await.ok().and_then(|o| o.is_none().then_some(()))
    })
    .await;
    assert_eq!(config(&r53, &s.g.hc).await, before, "restored before deletion completed");
    drop(op);
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_runs_a_cron_drill_on_schedule() {
    let s = setup("drill-cron.test", "drill-cron", "", 120).await;
    let _op = operator(&s);
    eventually("first status", Duration::from_secs(30), || async {
        s.api.get(NAME).await.ok().and_then(|rf| rf.status).and_then(|st| st.last_verified_at)
    })
    .await;
    // A cron drill one minute ahead (two when the minute is nearly over).
    let now = Utc::now();
    let ahead = if now.second() < 45 { 1 } else { 2 };
    let fire = now + chrono::Duration::minutes(ahead);
    let schedule = format!("{} {} * * *", fire.minute(), fire.hour());
    let patch = json!({"spec": {"drills": [{"name": "smoke", "timeoutSeconds": 120, "schedule": schedule}]}});
    s.api.patch(NAME, &PatchParams::default(), &Patch::Merge(&patch)).await.expect("schedule set");
    let rec = finished(&s.api, now, Duration::from_secs(200)).await;
    assert_eq!(rec.trigger, regional_failover::api::DrillTrigger::Schedule, "{rec:?}");
    assert_eq!(rec.phase, DrillPhase::Succeeded, "{rec:?}");
    let fire_minute = fire.with_second(0).and_then(|t| t.with_nanosecond(0)).expect("minute");
    assert!(rec.started_at >= fire_minute && rec.started_at < fire_minute + chrono::Duration::seconds(15), "{rec:?}");
    let rec_json = serde_json::to_value(&rec).expect("json");
    let (measured, expected) = rto_error(&s.g.local, &s.g.record, &rec_json).expect("flip");
    println!("RTO operator cron: measured {measured:.3}s, local AWS flip {expected:.3}s");

    let drill = s.api.get(NAME).await.expect("get").status.and_then(|st| st.drill).expect("drill status");
    assert_eq!(drill.history.len(), 1);
    assert_eq!(drill.scheduled.first().map(|r| r.at), Some(fire_minute), "the handled fire time is recorded");
    assert!(drill.handled_run_request.is_none(), "no annotation was involved");
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_restores_after_kill_9_in_every_phase() {
    let s = setup("drill-kill.test", "drill-kill", "", 60).await;
    let scheduler = aws_sdk_scheduler::Client::new(&s.g.local.sdk_config("us-east-1").await);
    // Slow the fail-safe creation so that the short Injecting phase can be hit.
    let fault = json!({"service": "scheduler", "operation": "CreateSchedule", "kind": "latency", "latencyMs": 1500});
    s.g.local.control("POST", "/faults", Some(&fault));
    let r53 = s.g.local.route53().await;
    let before = config(&r53, &s.g.hc).await;
    let mut op = operator(&s);
    let targets = [
        DrillPhase::Preflight,
        DrillPhase::Injecting,
        DrillPhase::AwaitingFailover,
        DrillPhase::Restoring,
        DrillPhase::AwaitingFailback,
    ];
    let order = |p: DrillPhase| targets.iter().position(|t| *t == p).unwrap_or(usize::MAX);
    let mut outcomes = Vec::new();
    for run in 0..10 {
        let target = targets[run % targets.len()];
        let t = Utc::now();
        annotate(&s.api, &format!("smoke/kill-{run}")).await;
        let killed_in = eventually("the target phase", Duration::from_secs(60), || async {
            let rf = s.api.get(NAME).await.ok()?;
            if let Some(ended) = last(&rf).filter(|r| r.started_at >= t) {
                panic!("run {run}: the drill ended before {target:?}: {ended:?}");
            }
            let phase = current(&rf).filter(|r| r.started_at >= t).map(|r| r.phase)?;
            (order(phase) >= order(target) && order(phase) != usize::MAX).then_some(phase)
        })
        .await;
        op.kill9();
        op = operator(&s);
        let rec = finished(&s.api, t, Duration::from_secs(60)).await;
        assert!(matches!(rec.phase, DrillPhase::Aborted | DrillPhase::Failed), "run {run}: {rec:?}");
        assert_eq!(rec.reason.as_deref(), Some("OperatorRestarted"), "run {run}: {rec:?}");
        assert_eq!(config(&r53, &s.g.hc).await, before, "run {run}: health check restored");
        println!("kill -9 run {run}: killed in {killed_in:?}, ended {:?} ({:?})", rec.phase, rec.reason);
        if rec.measured_rto_seconds.is_some() {
            let rec_json = serde_json::to_value(&rec).expect("json");
            let (measured, expected) = rto_error(&s.g.local, &s.g.record, &rec_json).expect("flip");
            println!("RTO kill run {run}: measured {measured:.3}s, local AWS flip {expected:.3}s");
            assert!((measured - expected).abs() <= 1.0, "measured {measured} vs flip {expected}");
        }
        outcomes.push(killed_in);
        if killed_in == DrillPhase::Injecting {
            // The killed process's CreateSchedule may land after the restarted one released the
            // lock: such a lock stays until its fail-safe fires at the drill's deadline, and keeps
            // every other drill of the check out until then (fail closed).
            // Its CreateSchedule may still be in flight (the latency fault holds it 1.5 s), so the
            // lock counts as gone only once it has been absent for longer than that.
            let lock = rec.failsafe_schedule.clone().expect("the lock was recorded before it was taken");
            let absent_since = std::sync::Mutex::new(None::<std::time::Instant>);
            eventually("the orphaned lock to expire", Duration::from_secs(90), || async {
                let got = scheduler.get_schedule().name(&lock).group_name(drill_ground::GROUP).send().await;
                let mut since = absent_since.lock().expect("not poisoned");
                match got {
                    Ok(_) => *since = None,
                    Err(_) => *since = Some(since.unwrap_or_else(std::time::Instant::now)),
                }
                since.is_some_and(|t| t.elapsed() > Duration::from_secs(3)).then_some(())
            })
            .await;
        }
        drill_ground::settled(&s.g.local, &s.g.hc).await;
    }
    // A graceful stop (SIGTERM) mid-drill restores before the process exits.
    let t = Utc::now();
    annotate(&s.api, "smoke/sigterm").await;
    eventually("drill injected", Duration::from_secs(30), || async {
        let rf = s.api.get(NAME).await.ok()?;
        current(&rf).filter(|r| r.started_at >= t && r.phase == DrillPhase::AwaitingFailover).map(|_| ())
    })
    .await;
    op.stop();
    assert_eq!(config(&r53, &s.g.hc).await, before, "restored by the stopping operator");
    let rec = last(&s.api.get(NAME).await.expect("get")).cloned().expect("drill ended before exit");
    assert!(rec.started_at >= t, "{rec:?}");
    assert_eq!((rec.phase, rec.reason.as_deref()), (DrillPhase::Aborted, Some("OperatorStopping")), "{rec:?}");

    for phase in
        [DrillPhase::Preflight, DrillPhase::Injecting, DrillPhase::AwaitingFailover, DrillPhase::AwaitingFailback]
    {
        assert!(outcomes.contains(&phase), "killed at least once in {phase:?}: {outcomes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failsafe_restores_when_the_operator_stays_dead() {
    let s = setup("drill-failsafe.test", "drill-failsafe", "", 60).await;
    let r53 = s.g.local.route53().await;
    let before = config(&r53, &s.g.hc).await;
    // Killed while injected: the record says AwaitingFailover before the Invert is sent
    // (write-ahead), so the kill waits until AWS shows the check inverted. A drill that aborts and
    // restores (a guard firing on a loaded machine) right before the kill leaves nothing for the
    // fail-safe to do: that attempt is set aside and the drill run again.
    let inverted = || async { config(&r53, &s.g.hc).await.inverted.unwrap_or(false) };
    let mut attempt = 0;
    let rec = loop {
        attempt += 1;
        let mut op = operator(&s);
        let t = Utc::now();
        annotate(&s.api, &format!("smoke/attempt-{attempt}")).await;
        let rec = eventually("drill injected", Duration::from_secs(30), || async {
            let rf = s.api.get(NAME).await.ok()?;
            current(&rf).filter(|r| r.started_at >= t && r.phase == DrillPhase::AwaitingFailover).cloned()
        })
        .await;
        let injected = tokio::time::timeout(Duration::from_secs(10), async {
            while !inverted().await {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .is_ok();
        op.kill9();
        if injected && inverted().await {
            break rec;
        }
        assert!(attempt < 3, "the killed operator never left the health check inverted");
        println!("attempt {attempt}: the drill was not injected when the operator died; again");
        drill_ground::settled(&s.g.local, &s.g.hc).await;
    };
    let name = rec.failsafe_schedule.clone().expect("fail-safe recorded before the injection");
    let deadline = rec.deadline.expect("deadline");
    let fired = eventually("the fail-safe fired", Duration::from_secs(100), || async {
        let fired = s.g.local.control("GET", "/scheduler/fired", None);
        fired["fired"].as_array()?.iter().find(|f| f["name"] == name.as_str()).cloned()
    })
    .await;
    assert!(fired["error"].is_null(), "{fired}");
    let fired_at = fired["firedAtEpoch"].as_f64().expect("firedAtEpoch");
    let deadline_epoch = deadline.timestamp() as f64;
    assert!((fired_at - deadline_epoch).abs() < 2.0, "fired at the deadline: {fired_at} vs {deadline_epoch}");
    assert_eq!(config(&r53, &s.g.hc).await, before, "restored by AWS alone");
    eventually("DNS back on the primary", Duration::from_secs(20), || async {
        drill_ground::flip_at(&s.g.local, &s.g.record, "127.0.0.1", fired_at - 0.5).map(|_| ())
    })
    .await;
}

/// The cluster-wide stop switch: creating the ConfigMap stops a running drill within a step (the
/// check is restored) and refuses new ones with its reason; deleting it allows drills again.
#[tokio::test(flavor = "multi_thread")]
async fn the_stop_switch_restores_a_running_drill_and_refuses_new_ones() {
    use k8s_openapi::api::core::v1::ConfigMap;
    let s = setup("drill-stop.test", "drill-stop", "", 120).await;
    // A slow failover, so that the drill is still injected when the switch is turned on.
    s.g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 30})));
    let r53 = s.g.local.route53().await;
    let before = config(&r53, &s.g.hc).await;
    let _op = operator(&s);
    let t = Utc::now();
    annotate(&s.api, "smoke").await;
    eventually("drill injected", Duration::from_secs(60), || async {
        let rf = s.api.get(NAME).await.ok()?;
        current(&rf).filter(|r| r.started_at >= t && r.phase == DrillPhase::AwaitingFailover).map(|_| ())
    })
    .await;
    let switch: Api<ConfigMap> = Api::namespaced(s.client.clone(), &s.ns);
    let cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "regional-failover-stop-drills"}, "data": {"reason": "incident 42"}
    }))
    .expect("configmap");
    let stopped_at = std::time::Instant::now();
    switch.create(&kube::api::PostParams::default(), &cm).await.expect("stop switch on");
    eventually("restored", Duration::from_secs(10), || async {
        (!config(&r53, &s.g.hc).await.inverted.unwrap_or(false)).then_some(())
    })
    .await;
    println!("stop switch → health check restored in {:?}", stopped_at.elapsed());
    let rec = finished(&s.api, t, Duration::from_secs(60)).await;
    assert_eq!((rec.phase, rec.reason.as_deref()), (DrillPhase::Aborted, Some("DrillsStopped")), "{rec:?}");
    assert!(rec.message.as_deref().is_some_and(|m| m.contains("incident 42")), "the switch's reason is shown: {rec:?}");

    let t2 = Utc::now();
    annotate(&s.api, "smoke/while-stopped").await;
    let refused = finished(&s.api, t2, Duration::from_secs(30)).await;
    assert_eq!((refused.phase, refused.reason.as_deref()), (DrillPhase::Failed, Some("DrillsStopped")), "{refused:?}");
    assert!(refused.injected_at.is_none());

    switch.delete("regional-failover-stop-drills", &DeleteParams::default()).await.expect("stop switch off");
    s.g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": 3})));
    drill_ground::settled(&s.g.local, &s.g.hc).await;
    let t3 = Utc::now();
    annotate(&s.api, "smoke/after").await;
    let rec = finished(&s.api, t3, Duration::from_secs(60)).await;
    assert_eq!(rec.phase, DrillPhase::Succeeded, "{rec:?}");
    assert_eq!(config(&r53, &s.g.hc).await, before);
}
