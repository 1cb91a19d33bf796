use super::*;
use aws_sdk_dynamodb::types::{
    BillingMode, BillingModeSummary, ContinuousBackupsDescription, ContinuousBackupsStatus,
    PointInTimeRecoveryDescription, ReplicaDescription, ReplicaStatus, SseDescription, SseType, StreamSpecification,
    StreamViewType, TableDescription, TableStatus,
};

fn backups(status: PointInTimeRecoveryStatus) -> DescribeContinuousBackupsOutput {
    DescribeContinuousBackupsOutput::builder()
        .continuous_backups_description(
            ContinuousBackupsDescription::builder()
                .continuous_backups_status(ContinuousBackupsStatus::Enabled)
                .point_in_time_recovery_description(
                    PointInTimeRecoveryDescription::builder().point_in_time_recovery_status(status).build(),
                )
                .build()
                .expect("status set"),
        )
        .build()
}

#[test]
fn global_table_with_replica_stream_pitr_and_kms() {
    let out = DescribeTableOutput::builder()
        .table(
            TableDescription::builder()
                .table_name("profiles")
                .table_status(TableStatus::Active)
                .global_table_version("2019.11.21")
                .replicas(
                    ReplicaDescription::builder()
                        .region_name("us-west-2")
                        .replica_status(ReplicaStatus::Active)
                        .build(),
                )
                .stream_specification(
                    StreamSpecification::builder()
                        .stream_enabled(true)
                        .stream_view_type(StreamViewType::NewAndOldImages)
                        .build()
                        .expect("enabled set"),
                )
                .billing_mode_summary(BillingModeSummary::builder().billing_mode(BillingMode::PayPerRequest).build())
                .sse_description(
                    SseDescription::builder()
                        .status(SseStatus::Enabled)
                        .sse_type(SseType::Kms)
                        .kms_master_key_arn("arn:aws:kms:us-east-1:1:key/k")
                        .build(),
                )
                .build(),
        )
        .build();
    let t = table_observed("us-east-1", "profiles", &out, Some(&backups(PointInTimeRecoveryStatus::Enabled)))
        .expect("table present");
    assert_eq!(t.status, "ACTIVE");
    assert_eq!(t.global_table_version.as_deref(), Some("2019.11.21"));
    assert_eq!(t.replicas, vec![("us-west-2".to_string(), "ACTIVE".to_string())]);
    assert!(t.stream_enabled && t.pitr_enabled);
    assert_eq!(t.stream_view_type.as_deref(), Some("NEW_AND_OLD_IMAGES"));
    assert_eq!(t.billing_mode.as_deref(), Some("PAY_PER_REQUEST"));
    assert_eq!((t.sse_type.as_deref(), t.sse_kms_key.is_some()), (Some("KMS"), true));
    assert_eq!((t.multi_region_consistency, t.witnesses, t.replica_inaccessible_since), (None, vec![], vec![]));
}

#[test]
fn strong_consistency_witness_and_an_inaccessible_replica() {
    use aws_sdk_dynamodb::types::{GlobalTableWitnessDescription, MultiRegionConsistency, WitnessStatus};
    let since = aws_sdk_dynamodb::primitives::DateTime::from_secs(1_800_000_000);
    let out = DescribeTableOutput::builder()
        .table(
            TableDescription::builder()
                .table_name("profiles")
                .table_status(TableStatus::Active)
                .multi_region_consistency(MultiRegionConsistency::Strong)
                .global_table_witnesses(
                    GlobalTableWitnessDescription::builder()
                        .region_name("us-east-2")
                        .witness_status(WitnessStatus::Active)
                        .build(),
                )
                .replicas(
                    ReplicaDescription::builder()
                        .region_name("us-west-2")
                        .replica_status(ReplicaStatus::ReplicationNotAuthorized)
                        .replica_inaccessible_date_time(since)
                        .build(),
                )
                .build(),
        )
        .build();
    let t = table_observed("us-east-1", "profiles", &out, None).expect("table present");
    assert_eq!(t.multi_region_consistency.as_deref(), Some("STRONG"));
    assert_eq!(t.witnesses, vec![("us-east-2".to_string(), "ACTIVE".to_string())]);
    assert_eq!(t.replicas, vec![("us-west-2".to_string(), "REPLICATION_NOT_AUTHORIZED".to_string())]);
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    assert_eq!(t.replica_inaccessible_since, vec![("us-west-2".to_string(), at)]);
}

#[test]
fn plain_table_without_stream_pitr_or_sse_description() {
    let out = DescribeTableOutput::builder()
        .table(TableDescription::builder().table_name("profiles").table_status(TableStatus::Creating).build())
        .build();
    let t = table_observed("us-west-2", "profiles", &out, Some(&backups(PointInTimeRecoveryStatus::Disabled)))
        .expect("table present");
    assert_eq!((t.status.as_str(), t.region.as_str()), ("CREATING", "us-west-2"));
    assert!(!t.stream_enabled && !t.pitr_enabled);
    assert_eq!((t.global_table_version, t.sse_type, t.billing_mode), (None, None, None));
    assert!(t.replicas.is_empty());
}
