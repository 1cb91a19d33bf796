//! More drills at once than the controller has reconcile slots (8), while another object keeps its
//! verification cadence. A drill advances one step per reconcile and then requeues
//! (docs/architecture.md, "One reconcile: the drill step"): no reconcile waits for Route 53, so a ninth drill does
//! not queue behind eight running ones, and an object that only verifies is not starved.
//!
//! One local AWS, one zone + health check + failover records per object (independent drills), the
//! operator on the hybrid control plane. The operator uses local AWS's root key here: the Terraform
//! role is scoped to the one health check Terraform created (least privilege is proven elsewhere).
//! With the default Route 53 budgets ten simultaneous drills would mostly refuse at preflight (their
//! reads queue past the 5 s limit), so the budgets are raised for this test.

mod drill_ground;
mod support;

use std::{collections::BTreeSet, time::Duration};

use aws_sdk_route53::types::RrType;
use chrono::{DateTime, Utc};
use drill_ground::{ground, manifest_yaml, zero_ttl};
use kube::{
    Api,
    api::{DynamicObject, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::{ConditionStatus, DrillPhase, RegionalFailover};
use serde_json::{Value, json};
use support::{
    aws_fixtures as fx,
    cluster::{Cluster, install_crd, namespace},
    localaws::eventually,
    operator::Operator,
};

/// More than the controller's 8 reconcile slots (`SLOTS` in reconcile/slots.rs).
const DRILLS: usize = 10;
/// The verify-only object's `verifyIntervalSeconds` (the schema's minimum).
const INTERVAL_SECONDS: i64 = 10;

fn ready(rf: &RegionalFailover) -> bool {
    rf.status
        .as_ref()
        .is_some_and(|s| s.conditions.iter().any(|c| c.type_ == "Ready" && c.status == ConditionStatus::True))
}

#[tokio::test(flavor = "multi_thread")]
async fn more_drills_than_slots_run_at_once_and_verification_keeps_its_cadence() {
    let g = ground("starve-0.test", "").await;
    let r53 = g.local.route53().await;
    // Object i uses zone `starve-i.test`; the last one only verifies.
    let mut sets = vec![(g.zone.clone(), g.zone_name.clone(), g.hc.clone())];
    for i in 1..=DRILLS {
        let zone_name = format!("starve-{i}.test");
        let zone = fx::zone(&r53, &zone_name).await;
        let hc = fx::health_check_ip(&r53, "127.0.0.1", i32::from(g.port)).await;
        let record = format!("api.{zone_name}");
        fx::change(&r53, &zone, fx::failover_changes(&record, RrType::A, ("127.0.0.1", "127.0.0.2"), Some(&hc))).await;
        zero_ttl(&r53, &zone, &zone_name).await;
        sets.push((zone, zone_name, hc));
    }

    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "starvation").await;
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let dynamic: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &ApiResource::from_gvk(&gvk));
    let names: Vec<String> =
        (0..=DRILLS).map(|i| if i < DRILLS { format!("drill-{i}") } else { "verify".into() }).collect();
    for (name, (zone, zone_name, hc)) in names.iter().zip(&sets) {
        let yaml = manifest_yaml(name, &ns, zone, zone_name, hc, g.port, &g.local, 120, "");
        let obj: Value = serde_saphyr::from_str(&yaml).expect("manifest is YAML");
        let obj: DynamicObject = serde_json::from_value(obj).expect("manifest is an object");
        dynamic.patch(name, &PatchParams::apply("e2e"), &Patch::Apply(&obj)).await.expect("manifest applies");
    }
    let env = [
        ("RF_LEADER_ELECTION", "false"),
        ("RF_WATCH_NAMESPACE", ns.as_str()),
        ("RF_FAILSAFE_ROLE_ARN", g.role.as_str()),
        ("POD_NAMESPACE", ns.as_str()),
        ("RUST_LOG", "info"),
        // The account-wide Route 53 budgets (GetHealthCheckStatus 0.8/s) would queue ten preflights
        // past the drill's 5 s read limit, and those drills would (rightly) refuse to start; this
        // test is about reconcile slots, and local AWS has no such limit.
        ("RF_HEALTH_STATUS_RPS", "20"),
        ("RF_ROUTE53_RPS", "20"),
    ];
    let mut operator = Operator::start(&cluster.kubeconfig, &g.local.endpoint, &ns, &env);
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);
    eventually("every object Ready", Duration::from_secs(90), || async {
        let list = api.list(&Default::default()).await.ok()?;
        (list.items.len() == names.len() && list.items.iter().all(ready)).then_some(())
    })
    .await;

    let asked = Utc::now();
    for name in &names[..DRILLS] {
        let patch = json!({"metadata": {"annotations": {"regionalfailover.io/run-drill": "smoke"}}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await.expect("annotated");
    }
    // Until every drill has finished: the verify-only object's verification times as they change.
    let mut verified: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let records = loop {
        let mut done = Vec::new();
        for rf in api.list(&Default::default()).await.map(|l| l.items).unwrap_or_default() {
            let Some(status) = rf.status else { continue };
            if rf.metadata.name.as_deref() == Some("verify") {
                verified.extend(status.last_verified_at);
            } else if let Some(last) = status.drill.and_then(|d| d.last).filter(|r| r.started_at >= asked) {
                done.push(last);
            }
        }
        if done.len() == DRILLS {
            break done;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for every drill to finish: {} done",
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    operator.stop();

    for r in &records {
        assert_eq!(r.phase, DrillPhase::Succeeded, "drill {} ended {:?}: {:?}", r.name, r.phase, r.message);
    }
    let last_start = records.iter().map(|r| r.started_at).max().expect("drills");
    let first_end = records.iter().filter_map(|r| r.finished_at).min().expect("finished drills");
    println!("{DRILLS} drills: the last started {last_start}, the first finished {first_end}");
    assert!(
        last_start < first_end,
        "all {DRILLS} drills were in flight at once (the last started before the first ended)"
    );

    // Verification of the other object went on at its cadence while the drills ran: no gap between
    // its verifications (or from the last one to the drills' end) longer than two intervals.
    let window_end = records.iter().filter_map(|r| r.finished_at).max().expect("finished drills");
    let mut times: Vec<DateTime<Utc>> = verified.into_iter().filter(|t| *t <= window_end).collect();
    times.push(window_end);
    let gaps: Vec<i64> = times.windows(2).filter(|w| w[1] >= asked).map(|w| (w[1] - w[0]).num_seconds()).collect();
    println!("verification gaps during the drills (s): {gaps:?}");
    assert!(!gaps.is_empty(), "the verify-only object was verified before and during the drills");
    assert!(
        gaps.iter().all(|gap| *gap <= 2 * INTERVAL_SECONDS + 5),
        "verification kept its {INTERVAL_SECONDS} s cadence while {DRILLS} drills ran: gaps {gaps:?} s"
    );
}
