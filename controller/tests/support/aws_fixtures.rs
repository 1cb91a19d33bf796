//! AWS resources for adapter tests, created with the official SDK against local AWS.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateReplicationGroupMemberAction, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, ReplicationGroupUpdate, ScalarAttributeType, SseSpecification, SseType,
    StreamSpecification, StreamViewType,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckRegion, HealthCheckType, ResourceRecord,
    ResourceRecordSet, ResourceRecordSetFailover, RrType,
};
use regional_failover::api::RegionalFailoverSpec;
use serde_json::json;

pub const PRIMARY: &str = "primary.example.net";
pub const SECONDARY: &str = "standby.example.net";

fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// An HTTP health check of `fqdn:port/health`, interval 10, threshold 3, three checker regions.
pub async fn health_check(r53: &aws_sdk_route53::Client, fqdn: &str, port: i32) -> String {
    create_health_check(r53, health_check_config().fully_qualified_domain_name(fqdn).port(port)).await
}

/// [`health_check`] of an IP address instead of a name.
pub async fn health_check_ip(r53: &aws_sdk_route53::Client, ip: &str, port: i32) -> String {
    create_health_check(r53, health_check_config().ip_address(ip).port(port)).await
}

fn health_check_config() -> aws_sdk_route53::types::builders::HealthCheckConfigBuilder {
    HealthCheckConfig::builder()
        .r#type(HealthCheckType::Http)
        .resource_path("/health")
        .request_interval(10)
        .failure_threshold(3)
        .regions(HealthCheckRegion::UsEast1)
        .regions(HealthCheckRegion::UsWest1)
        .regions(HealthCheckRegion::EuWest1)
}

async fn create_health_check(
    r53: &aws_sdk_route53::Client,
    config: aws_sdk_route53::types::builders::HealthCheckConfigBuilder,
) -> String {
    let out = r53
        .create_health_check()
        .caller_reference(unique("hc"))
        .health_check_config(config.build().expect("type set"))
        .send()
        .await
        .expect("CreateHealthCheck");
    out.health_check().expect("health check in response").id().to_string()
}

/// A public hosted zone; returns its bare id (`Z...`).
pub async fn zone(r53: &aws_sdk_route53::Client, name: &str) -> String {
    let out =
        r53.create_hosted_zone().name(name).caller_reference(unique("zone")).send().await.expect("CreateHostedZone");
    out.hosted_zone().expect("zone in response").id().trim_start_matches("/hostedzone/").to_string()
}

fn rrset(
    name: &str,
    kind: RrType,
    value: &str,
    ttl: i64,
) -> aws_sdk_route53::types::builders::ResourceRecordSetBuilder {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(kind)
        .ttl(ttl)
        .resource_records(ResourceRecord::builder().value(value).build().expect("value set"))
}

/// PRIMARY (with `hc`) and SECONDARY failover records for `name`.
pub fn failover_changes(name: &str, kind: RrType, values: (&str, &str), hc: Option<&str>) -> Vec<Change> {
    let primary = rrset(name, kind.clone(), values.0, 60)
        .set_identifier("primary")
        .failover(ResourceRecordSetFailover::Primary)
        .set_health_check_id(hc.map(str::to_string));
    let secondary =
        rrset(name, kind, values.1, 60).set_identifier("secondary").failover(ResourceRecordSetFailover::Secondary);
    [primary, secondary]
        .into_iter()
        .map(|r| {
            Change::builder()
                .action(ChangeAction::Create)
                .resource_record_set(r.build().expect("record complete"))
                .build()
                .expect("change complete")
        })
        .collect()
}

/// A plain (simple routing) record.
pub fn simple_change(name: &str, kind: RrType, value: &str) -> Change {
    Change::builder()
        .action(ChangeAction::Create)
        .resource_record_set(rrset(name, kind, value, 300).build().expect("record complete"))
        .build()
        .expect("change complete")
}

pub async fn change(r53: &aws_sdk_route53::Client, zone_id: &str, changes: Vec<Change>) {
    r53.change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(ChangeBatch::builder().set_changes(Some(changes)).build().expect("batch complete"))
        .send()
        .await
        .expect("ChangeResourceRecordSets");
}

/// A global table (2019.11.21) in us-east-1 with a replica in us-west-2: on-demand, stream
/// NEW_AND_OLD_IMAGES, KMS encryption, PITR on in the primary only (Terraform's replica default).
pub async fn global_table(east: &aws_sdk_dynamodb::Client, name: &str) {
    east.create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().expect("key"))
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .expect("stream"),
        )
        .sse_specification(SseSpecification::builder().enabled(true).sse_type(SseType::Kms).build())
        .send()
        .await
        .expect("CreateTable");
    east.update_table()
        .table_name(name)
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .create(CreateReplicationGroupMemberAction::builder().region_name("us-west-2").build().expect("region"))
                .build(),
        )
        .send()
        .await
        .expect("UpdateTable ReplicaUpdates");
    east.update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(true).build().expect("pitr"),
        )
        .send()
        .await
        .expect("UpdateContinuousBackups");
}

/// A RegionalFailover spec for these fixtures (everything else defaulted by serde).
pub fn spec(zone_id: &str, hc: &str, record_name: &str, table: &str) -> RegionalFailoverSpec {
    serde_json::from_value(json!({
        "primary": {"region": "us-east-1", "endpoint": PRIMARY},
        "secondary": {"region": "us-west-2", "endpoint": SECONDARY},
        "dns": {"hostedZoneId": zone_id, "recordName": record_name, "recordType": "CNAME"},
        "healthCheck": {"id": hc, "type": "HTTP", "port": 80},
        "table": {"name": table, "replicaRegions": ["us-west-2"]},
    }))
    .expect("spec deserializes")
}

/// Turns point-in-time recovery on or off for `table` in the client's region.
pub async fn set_pitr(ddb: &aws_sdk_dynamodb::Client, table: &str, on: bool) {
    let spec = PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(on).build().expect("pitr");
    ddb.update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(spec)
        .send()
        .await
        .expect("UpdateContinuousBackups");
}

/// A complete, in-sync baseline on loopback, as Terraform's examples/local builds it but in about
/// a second: zone `zone_name`, an HTTP health check of 127.0.0.1:`port`/health, A failover records
/// `api.<zone_name>` → 127.0.0.1 / 127.0.0.2, and the `profiles` global table with PITR in both
/// regions. Returns (zone id, health check id).
pub async fn loopback_baseline(
    r53: &aws_sdk_route53::Client,
    east: &aws_sdk_dynamodb::Client,
    west: &aws_sdk_dynamodb::Client,
    zone_name: &str,
    port: u16,
) -> (String, String) {
    let zone_id = zone(r53, zone_name).await;
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Http)
        .ip_address("127.0.0.1")
        .port(i32::from(port))
        .resource_path("/health")
        .request_interval(10)
        .failure_threshold(3)
        .build()
        .expect("config");
    let out =
        r53.create_health_check().caller_reference(unique("hc")).health_check_config(config).send().await.expect("hc");
    let hc = out.health_check().expect("health check").id().to_string();
    let name = format!("api.{zone_name}");
    change(r53, &zone_id, failover_changes(&name, RrType::A, ("127.0.0.1", "127.0.0.2"), Some(&hc))).await;
    global_table(east, "profiles").await;
    set_pitr(west, "profiles", true).await;
    (zone_id, hc)
}

/// A RegionalFailover manifest for [`loopback_baseline`], asking `dns` as the authoritative server.
pub fn loopback_manifest(
    name: &str,
    namespace: &str,
    zone_id: &str,
    zone_name: &str,
    hc: &str,
    port: u16,
    dns: &str,
) -> String {
    format!(
        "apiVersion: regionalfailover.io/v1alpha1\nkind: RegionalFailover\nmetadata: {{ name: {name}, namespace: {namespace} }}\n\
         spec:\n  primary: {{ region: us-east-1, endpoint: 127.0.0.1 }}\n  secondary: {{ region: us-west-2, endpoint: 127.0.0.2 }}\n\
         \x20 dns: {{ hostedZoneId: {zone_id}, recordName: api.{zone_name}, recordType: A, nameservers: [\"{dns}\"] }}\n\
         \x20 healthCheck: {{ id: {hc}, type: HTTP, port: {port}, resourcePath: /health }}\n\
         \x20 table: {{ name: profiles, replicaRegions: [us-west-2] }}\n  verifyIntervalSeconds: 10\n"
    )
}
