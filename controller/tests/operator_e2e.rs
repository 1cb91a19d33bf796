//! The operator as a process against a real API server and local AWS, with the baseline created by
//! `terraform apply` of terraform/examples/local: Ready/InSync, each kind of drift appearing and
//! clearing, a real outage, throttling, and leader election. Local AWS enforces IAM and the
//! operator runs as the role Terraform created (web identity, as IRSA); the test itself seeds and
//! breaks AWS as root.

mod support;

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    CreateReplicationGroupMemberAction, DeleteReplicationGroupMemberAction, ReplicationGroupUpdate,
};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecordSet};
use kube::{
    Api,
    api::{DynamicObject, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::{ConditionStatus, RegionalFailover};
use serde_json::{Value, json};
use support::{
    aws_fixtures as fx, baseline,
    cluster::{Cluster, install_crd, namespace},
    endpoint::{ApiEndpoint, free_port_on_both},
    iam::RoleEnv,
    localaws::{LocalAws, eventually},
    operator::Operator,
};

const WAIT: Duration = Duration::from_secs(40);

fn condition(rf: &RegionalFailover, kind: &str) -> Option<ConditionStatus> {
    rf.status.as_ref()?.conditions.iter().find(|c| c.type_ == kind).map(|c| c.status)
}

fn has_finding(rf: &RegionalFailover, code: &str) -> bool {
    rf.status.as_ref().is_some_and(|s| s.drift.iter().any(|f| f.code == code))
}

async fn wait_for(
    api: &Api<RegionalFailover>,
    what: &str,
    pred: impl Fn(&RegionalFailover) -> bool,
) -> RegionalFailover {
    eventually(what, WAIT, || async {
        let rf = api.get("profile-api").await.ok()?;
        pred(&rf).then_some(rf)
    })
    .await
}

async fn apply_manifest(client: kube::Client, ns: &str, yaml: &str) {
    let mut value: Value = serde_saphyr::from_str(yaml).expect("terraform's manifest is YAML");
    value["metadata"]["namespace"] = json!(ns);
    // Fast cycles for the test; the CRD's minimum.
    value["spec"]["verifyIntervalSeconds"] = json!(10);
    let obj: DynamicObject = serde_json::from_value(value).expect("object");
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let api: Api<DynamicObject> = Api::namespaced_with(client, ns, &ApiResource::from_gvk(&gvk));
    api.patch("profile-api", &PatchParams::apply("e2e"), &Patch::Apply(&obj)).await.expect("manifest applies");
}

async fn record(r53: &aws_sdk_route53::Client, zone: &str, name: &str, set_id: &str) -> Option<ResourceRecordSet> {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list records");
    out.resource_record_sets()
        .iter()
        .find(|r| r.name().trim_end_matches('.') == name && r.set_identifier() == Some(set_id))
        .cloned()
}

async fn change(r53: &aws_sdk_route53::Client, zone: &str, action: ChangeAction, rrs: ResourceRecordSet) {
    let change = Change::builder().action(action).resource_record_set(rrs).build().expect("change");
    let batch = ChangeBatch::builder().changes(change).build().expect("batch");
    r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await.expect("change applied");
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_reports_drift_health_and_active_region() {
    let local = LocalAws::start(&["--time-scale", "0.1", "--iam", "enforce"]);
    let cluster = Cluster::start();
    let port = free_port_on_both();
    let mut primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let dns_port = local.dns.port();
    let base = baseline::apply(&local.endpoint, dns_port, port, &cluster.peer.dir);
    let out = &base.outputs;
    let zone = out["hosted_zone_id"].as_str().expect("zone id").trim_start_matches("/hostedzone/").to_string();
    let hc = out["health_check_id"].as_str().expect("health check id").to_string();
    let table = out["table_name"].as_str().expect("table").to_string();
    let name = out["record_fqdn"].as_str().expect("record").trim_end_matches('.').to_string();
    let role = RoleEnv::operator(&local, out);

    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "operator-e2e").await;
    apply_manifest(client.clone(), &ns, &base.manifest).await;
    let mut operator = Operator::start_as(&cluster.kubeconfig, &local.endpoint, &ns, &[], Some(&role));
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);

    let rf = wait_for(&api, "Ready with the primary active", |rf| {
        condition(rf, "Ready") == Some(ConditionStatus::True)
            && rf.status.as_ref().and_then(|s| s.active_region.as_deref()) == Some("us-east-1")
    })
    .await;
    let status = rf.status.expect("status");
    assert_eq!(status.observed_generation, rf.metadata.generation);
    assert!(status.drift.is_empty(), "{:?}", status.drift);
    assert_eq!(status.replication.as_ref().map(|r| r.replicas.len()), Some(1));
    assert!(status.predicted_rto_seconds.is_some());

    // The opt-in canary write measures replication lag end to end.
    local.control("POST", "/replication", Some(&json!({"delaySeconds": 0.5})));
    let probe = json!({"spec": {"table": {"replicationProbe": {"enabled": true, "intervalSeconds": 30}}}});
    api.patch("profile-api", &PatchParams::default(), &Patch::Merge(&probe)).await.expect("probe enabled");
    let rf = wait_for(&api, "a measured replication lag", |rf| {
        rf.status.as_ref().and_then(|s| s.replication.as_ref()).and_then(|r| r.lag_seconds).is_some()
    })
    .await;
    let lag = rf.status.and_then(|s| s.replication).and_then(|r| r.lag_seconds).expect("lag");
    assert!((0.4..5.0).contains(&lag), "lag {lag}s reflects the 0.5 s replication delay");
    local.control("POST", "/replication", Some(&json!({"delaySeconds": 0})));

    let r53 = local.route53().await;
    let west = local.dynamodb("us-west-2").await;
    let east = local.dynamodb("us-east-1").await;

    // Each kind of drift appears as its finding, InSync goes False, and both clear after reverting.
    let cases: [&str; 7] = [
        "HealthCheckThresholdMismatch",
        "HealthCheckDisabled",
        "PitrDisabled",
        "RecordTtlTooHigh",
        "SecondaryRecordMissing",
        "HealthCheckInverted",
        "ReplicaMissing",
    ];
    for code in cases {
        match code {
            "HealthCheckThresholdMismatch" => {
                r53.update_health_check().health_check_id(&hc).failure_threshold(5).send().await.expect("update");
            }
            "HealthCheckDisabled" => {
                r53.update_health_check().health_check_id(&hc).disabled(true).send().await.expect("update");
            }
            "PitrDisabled" => fx::set_pitr(&west, &table, false).await,
            "RecordTtlTooHigh" => {
                let mut rrs = record(&r53, &zone, &name, "primary").await.expect("primary record");
                rrs.ttl = Some(300);
                change(&r53, &zone, ChangeAction::Upsert, rrs).await;
            }
            "SecondaryRecordMissing" => {
                let rrs = record(&r53, &zone, &name, "secondary").await.expect("secondary record");
                change(&r53, &zone, ChangeAction::Delete, rrs.clone()).await;
                let rf = wait_for(&api, code, |rf| has_finding(rf, code)).await;
                assert_eq!(condition(&rf, "InSync"), Some(ConditionStatus::False));
                change(&r53, &zone, ChangeAction::Create, rrs).await;
                wait_for(&api, "SecondaryRecordMissing cleared", |rf| !has_finding(rf, code)).await;
                continue;
            }
            "HealthCheckInverted" => {
                r53.update_health_check().health_check_id(&hc).inverted(true).send().await.expect("update");
            }
            "ReplicaMissing" => {
                let del = ReplicationGroupUpdate::builder()
                    .delete(
                        DeleteReplicationGroupMemberAction::builder().region_name("us-west-2").build().expect("delete"),
                    )
                    .build();
                east.update_table().table_name(&table).replica_updates(del).send().await.expect("replica removed");
            }
            _ => unreachable!(),
        }
        let rf = wait_for(&api, code, |rf| has_finding(rf, code)).await;
        assert_eq!(condition(&rf, "InSync"), Some(ConditionStatus::False), "{code}");
        assert_eq!(condition(&rf, "Ready"), Some(ConditionStatus::False), "{code}");
        match code {
            "HealthCheckThresholdMismatch" => {
                r53.update_health_check().health_check_id(&hc).failure_threshold(3).send().await.expect("revert");
            }
            "HealthCheckDisabled" => {
                r53.update_health_check().health_check_id(&hc).disabled(false).send().await.expect("revert");
            }
            "PitrDisabled" => fx::set_pitr(&west, &table, true).await,
            "RecordTtlTooHigh" => {
                let mut rrs = record(&r53, &zone, &name, "primary").await.expect("primary record");
                rrs.ttl = Some(60);
                change(&r53, &zone, ChangeAction::Upsert, rrs).await;
            }
            "HealthCheckInverted" => {
                r53.update_health_check().health_check_id(&hc).inverted(false).send().await.expect("revert");
            }
            "ReplicaMissing" => {
                let add = ReplicationGroupUpdate::builder()
                    .create(
                        CreateReplicationGroupMemberAction::builder().region_name("us-west-2").build().expect("create"),
                    )
                    .build();
                east.update_table().table_name(&table).replica_updates(add).send().await.expect("replica back");
                eventually("replica table back", WAIT, || async {
                    west.describe_table().table_name(&table).send().await.ok().map(|_| ())
                })
                .await;
                fx::set_pitr(&west, &table, true).await;
            }
            _ => unreachable!(),
        }
        wait_for(&api, &format!("{code} cleared"), |rf| !has_finding(rf, code)).await;
    }
    wait_for(&api, "InSync again", |rf| condition(rf, "InSync") == Some(ConditionStatus::True)).await;
    // Transitions were announced as events on the object.
    let events: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &ns,
        &ApiResource::from_gvk(&GroupVersionKind::gvk("events.k8s.io", "v1", "Event")),
    );
    let reasons: Vec<String> = events
        .list(&Default::default())
        .await
        .expect("events listed")
        .items
        .iter()
        .filter_map(|e| e.data["reason"].as_str().map(String::from))
        .collect();
    for reason in ["DriftDetected", "DriftResolved"] {
        assert!(reasons.iter().any(|r| r == reason), "event {reason} in {reasons:?}");
    }

    // A real outage: the primary stops answering; Route 53 fails over and the operator sees it.
    primary.stop();
    let rf = wait_for(&api, "primary unhealthy and secondary active", |rf| {
        condition(rf, "PrimaryHealthy") == Some(ConditionStatus::False)
            && rf.status.as_ref().and_then(|s| s.active_region.as_deref()) == Some("us-west-2")
    })
    .await;
    assert_eq!(condition(&rf, "Ready"), Some(ConditionStatus::False));
    primary.start();
    wait_for(&api, "primary back", |rf| {
        condition(rf, "PrimaryHealthy") == Some(ConditionStatus::True)
            && rf.status.as_ref().and_then(|s| s.active_region.as_deref()) == Some("us-east-1")
    })
    .await;

    // Throttling slows reconciliation but never breaks it: verification keeps completing.
    let rule = local.control(
        "POST",
        "/faults",
        Some(&json!({"service": "route53", "operation": "*", "kind": "throttle", "count": 6})),
    );
    let rule_id = rule["id"].clone();
    eventually("the injected throttles to be hit", WAIT, || async {
        let faults = local.control("GET", "/faults", None);
        let list = faults.as_array().cloned().or_else(|| faults["faults"].as_array().cloned()).unwrap_or_default();
        // A rule whose count is used up is removed from the list.
        match list.iter().find(|f| f["id"] == rule_id) {
            None => Some(()),
            Some(f) => f["hits"].as_u64().filter(|h| *h >= 6).map(|_| ()),
        }
    })
    .await;
    let after_throttles = chrono::Utc::now();
    wait_for(&api, "verification completes after throttling", |rf| {
        rf.status.as_ref().and_then(|s| s.last_verified_at).is_some_and(|t| t > after_throttles)
            && condition(rf, "InSync") == Some(ConditionStatus::True)
    })
    .await;
    let (_, metrics) = operator.http_get("/metrics").expect("metrics served");
    assert!(
        metrics.lines().any(|l| l.starts_with("regionalfailover_aws_requests_total{service=\"route53\"")
            && l.contains("outcome=\"throttled\"")),
        "throttles are counted:\n{metrics}"
    );

    // Every call above was the role's, and the role was never refused one.
    let session = format!("assumed-role/{}/", role.role_arn.rsplit('/').next().unwrap_or_default());
    let allowed = local.control("GET", &format!("/iam/decisions?denied=false&principal={session}&limit=1"), None);
    assert!(allowed["decisions"].as_array().is_some_and(|d| !d.is_empty()), "the operator called AWS as {session}");
    let denied = local.control("GET", &format!("/iam/decisions?denied=true&principal={session}"), None);
    assert_eq!(denied["decisions"], json!([]), "the Terraform role allows everything the operator did");
    operator.stop();
}
