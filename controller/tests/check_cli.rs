//! `regional-failover check -f FILE`: one verification per object against local AWS, exit 0 in
//! sync, 1 drift or unhealthy, 2 error; every drift kind reported with its code.

mod support;

use aws_sdk_dynamodb::types::{
    CreateReplicationGroupMemberAction, DeleteReplicationGroupMemberAction, ReplicationGroupUpdate,
};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecordSet};
use support::{
    aws_fixtures as fx,
    endpoint::{ApiEndpoint, free_port_on_both},
    localaws::{LocalAws, eventually},
};

use support::cli::{check, codes};

async fn records(r53: &aws_sdk_route53::Client, zone: &str, set_id: &str) -> ResourceRecordSet {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list");
    out.resource_record_sets().iter().find(|r| r.set_identifier() == Some(set_id)).cloned().expect("record exists")
}

async fn change(r53: &aws_sdk_route53::Client, zone: &str, action: ChangeAction, rrs: ResourceRecordSet) {
    let c = Change::builder().action(action).resource_record_set(rrs).build().expect("change");
    r53.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(c).build().expect("batch"))
        .send()
        .await
        .expect("change");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_reports_each_drift_kind_with_exit_codes() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let east = local.dynamodb("us-east-1").await;
    let west = local.dynamodb("us-west-2").await;

    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, "check.test", port).await;
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let text = fx::loopback_manifest("check-me", "default", &zone, "check.test", &hc, port, &local.dns.to_string());
    std::fs::write(&manifest, text).expect("manifest written");

    let (code, json, err) = check(&manifest, &local.endpoint);
    assert_eq!(code, 0, "in sync: {json:#} {err}");
    assert_eq!(json[0]["status"]["activeRegion"], "us-east-1");
    assert_eq!(json[0]["name"], "check-me");

    let table = "profiles";
    let drift_kinds = [
        "HealthCheckThresholdMismatch",
        "HealthCheckDisabled",
        "PitrDisabled",
        "RecordTtlTooHigh",
        "SecondaryRecordMissing",
        "HealthCheckInverted",
        "ReplicaMissing",
    ];
    for kind in drift_kinds {
        let mut undo: Option<ResourceRecordSet> = None;
        match kind {
            "HealthCheckThresholdMismatch" => {
                r53.update_health_check().health_check_id(&hc).failure_threshold(5).send().await.expect("u");
            }
            "HealthCheckDisabled" => {
                r53.update_health_check().health_check_id(&hc).disabled(true).send().await.expect("u");
            }
            "PitrDisabled" => fx::set_pitr(&west, table, false).await,
            "RecordTtlTooHigh" => {
                let mut r = records(&r53, &zone, "primary").await;
                r.ttl = Some(300);
                change(&r53, &zone, ChangeAction::Upsert, r).await;
            }
            "SecondaryRecordMissing" => {
                let r = records(&r53, &zone, "secondary").await;
                change(&r53, &zone, ChangeAction::Delete, r.clone()).await;
                undo = Some(r);
            }
            "HealthCheckInverted" => {
                r53.update_health_check().health_check_id(&hc).inverted(true).send().await.expect("u");
            }
            "ReplicaMissing" => {
                let del = ReplicationGroupUpdate::builder()
                    .delete(DeleteReplicationGroupMemberAction::builder().region_name("us-west-2").build().expect("d"))
                    .build();
                east.update_table().table_name(table).replica_updates(del).send().await.expect("removed");
            }
            _ => unreachable!(),
        }
        let (code, json, err) = check(&manifest, &local.endpoint);
        assert_eq!(code, 1, "{kind}: drift exits 1 ({err})");
        assert!(codes(&json).contains(&kind.to_string()), "{kind} reported: {:?}", codes(&json));
        match kind {
            "HealthCheckThresholdMismatch" => {
                r53.update_health_check().health_check_id(&hc).failure_threshold(3).send().await.expect("u");
            }
            "HealthCheckDisabled" => {
                r53.update_health_check().health_check_id(&hc).disabled(false).send().await.expect("u");
            }
            "PitrDisabled" => fx::set_pitr(&west, table, true).await,
            "RecordTtlTooHigh" => {
                let mut r = records(&r53, &zone, "primary").await;
                r.ttl = Some(60);
                change(&r53, &zone, ChangeAction::Upsert, r).await;
            }
            "SecondaryRecordMissing" => change(&r53, &zone, ChangeAction::Create, undo.take().expect("saved")).await,
            "HealthCheckInverted" => {
                r53.update_health_check().health_check_id(&hc).inverted(false).send().await.expect("u");
            }
            "ReplicaMissing" => {
                let add = ReplicationGroupUpdate::builder()
                    .create(CreateReplicationGroupMemberAction::builder().region_name("us-west-2").build().expect("c"))
                    .build();
                east.update_table().table_name(table).replica_updates(add).send().await.expect("back");
                eventually("replica back", std::time::Duration::from_secs(20), || async {
                    west.describe_table().table_name(table).send().await.ok().map(|_| ())
                })
                .await;
                fx::set_pitr(&west, table, true).await;
            }
            _ => unreachable!(),
        }
        let (code, json, err) = check(&manifest, &local.endpoint);
        assert_eq!(code, 0, "{kind} reverted: {:?} {err}", codes(&json));
    }

    // Errors exit 2 with a sentence saying what is wrong.
    let (code, _, err) = check(&dir.path().join("missing.yaml"), &local.endpoint);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read") && err.contains("missing.yaml"), "{err}");
    let invalid = dir.path().join("invalid.yaml");
    let text = std::fs::read_to_string(&manifest).expect("read").replace("region: us-west-2", "region: us-east-1");
    std::fs::write(&invalid, text).expect("write");
    let (code, _, err) = check(&invalid, &local.endpoint);
    assert_eq!(code, 2);
    assert!(err.contains("primary.region and secondary.region must differ"), "{err}");
    let (code, _, err) = check(&manifest, "http://127.0.0.1:9");
    assert_eq!(code, 2, "AWS unreachable");
    assert!(err.contains("cannot read AWS"), "{err}");
}

/// `check`, the controller and `drill` validate a spec the same way: a schedule that CEL cannot
/// judge but the scheduler cannot parse is an error everywhere.
#[tokio::test(flavor = "multi_thread")]
async fn check_rejects_a_schedule_the_controller_rejects() {
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let text = fx::loopback_manifest("bad-cron", "default", "Z1", "check.test", "hc", 8080, "127.0.0.1:53")
        + "  drills: [{ name: weekly, schedule: \"61 * * * *\", timeoutSeconds: 600 }]\n";
    std::fs::write(&manifest, text).expect("manifest written");
    let (code, json, err) = check(&manifest, "http://127.0.0.1:9");
    assert_eq!(code, 2, "invalid spec: {json:#} {err}");
    assert!(err.contains("\"61 * * * *\" is not a valid cron expression"), "{err}");
}

/// With the health check inverted (someone forgot to undo it), Route 53 routes to the secondary
/// although every checker sees the primary healthy: the status says the primary is not healthy.
#[tokio::test(flavor = "multi_thread")]
async fn an_inverted_check_reads_unhealthy_next_to_the_secondary_answering() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, "inverted.test", port).await;
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let text = fx::loopback_manifest("inverted", "default", &zone, "inverted.test", &hc, port, &local.dns.to_string());
    std::fs::write(&manifest, text).expect("manifest written");
    r53.update_health_check().health_check_id(&hc).inverted(true).send().await.expect("inverted");
    let json = eventually("DNS on the secondary", std::time::Duration::from_secs(30), || {
        let (_, json, _) = check(&manifest, &local.endpoint);
        async move { (json[0]["status"]["activeRegion"] == "us-west-2").then_some(json) }
    })
    .await;
    let conditions = json[0]["status"]["conditions"].as_array().cloned().unwrap_or_default();
    let primary = conditions.iter().find(|c| c["type"] == "PrimaryHealthy").expect("PrimaryHealthy");
    assert_eq!(primary["status"], "False", "{json:#}");
    assert_ne!(json[0]["status"]["health"]["status"], "Healthy", "{json:#}");
    assert!(codes(&json).contains(&"HealthCheckInverted".to_string()), "{json:#}");
}
