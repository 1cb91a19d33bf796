//! Table findings, each code both ways, and replica states.

use crate::verify::fixtures::{assert_absent, assert_only, codes, run, snapshot, spec};
use crate::verify::*;

fn with_primary(edit: impl FnOnce(&mut TableObserved)) -> AwsSnapshot {
    let mut snap = snapshot();
    if let Some(t) = snap.primary_table.as_mut() {
        edit(t);
    }
    snap
}

fn with_replica(edit: impl FnOnce(&mut TableObserved)) -> AwsSnapshot {
    let mut snap = snapshot();
    if let Some((_, Some(t))) = snap.replica_tables.first_mut() {
        edit(t);
    }
    snap
}

#[test]
fn missing_table_suppresses_everything_else_about_it() {
    let mut snap = snapshot();
    snap.primary_table = None;
    snap.replica_tables = vec![("us-west-2".into(), None)];
    let f = run(&spec(), &snap);
    assert_only(&f, Code::TableMissing, 1);
    assert_eq!(f[0].resource, "dynamodb:us-east-1/profiles");
    assert_absent(&run(&spec(), &snapshot()), Code::TableMissing);
}

#[test]
fn table_not_active_both_ways() {
    let f = run(&spec(), &with_primary(|t| t.status = "UPDATING".into()));
    assert_only(&f, Code::TableNotActive, 1);
    assert_eq!(f[0].actual, "UPDATING");
    assert_absent(&run(&spec(), &snapshot()), Code::TableNotActive);
}

#[test]
fn not_global_reports_each_missing_replica() {
    let f = run(
        &spec(),
        &with_primary(|t| {
            t.global_table_version = None;
            t.replicas.clear();
        }),
    );
    let got: Vec<&str> = f.iter().map(|x| x.code.as_str()).collect();
    assert!(got.contains(&Code::NotGlobalTable.as_str()) && got.contains(&Code::ReplicaMissing.as_str()), "{got:?}");
    assert_eq!(got.len(), 2, "no other noise: {f:#?}");
    assert_absent(&run(&spec(), &snapshot()), Code::NotGlobalTable);
}

#[test]
fn global_table_version_both_ways() {
    let f = run(&spec(), &with_primary(|t| t.global_table_version = Some("2017.11.29".into())));
    assert_only(&f, Code::GlobalTableVersionMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("2019.11.21", "2017.11.29"));
    assert_absent(&run(&spec(), &snapshot()), Code::GlobalTableVersionMismatch);
}

#[test]
fn replica_missing_when_not_listed_or_table_absent() {
    let unlisted = with_primary(|t| t.replicas.retain(|(r, _)| r != "us-west-2"));
    let f = run(&spec(), &unlisted);
    assert_only(&f, Code::ReplicaMissing, 1);
    assert_eq!(f[0].resource, "dynamodb:us-west-2/profiles");
    let mut no_table = snapshot();
    no_table.replica_tables = vec![("us-west-2".into(), None)];
    assert_only(&run(&spec(), &no_table), Code::ReplicaMissing, 1);
    let mut not_read = snapshot();
    not_read.replica_tables.clear();
    assert_only(&run(&spec(), &not_read), Code::ReplicaMissing, 1);
    // A missing replica hides its own PITR/billing/encryption findings.
    let mut snap = with_replica(|t| {
        t.pitr_enabled = false;
        t.billing_mode = Some("PROVISIONED".into());
    });
    if let Some(t) = snap.primary_table.as_mut() {
        t.replicas.retain(|(r, _)| r != "us-west-2");
    }
    assert_only(&run(&spec(), &snap), Code::ReplicaMissing, 1);
    assert_absent(&run(&spec(), &snapshot()), Code::ReplicaMissing);
}

#[test]
fn replica_missing_for_each_extra_region() {
    let mut s = spec();
    s.table.replica_regions.push("eu-west-1".into());
    let f = run(&s, &snapshot());
    assert_only(&f, Code::ReplicaMissing, 1);
    assert_eq!(f[0].resource, "dynamodb:eu-west-1/profiles");
}

#[test]
fn replica_not_active_both_ways() {
    let listed = with_primary(|t| t.replicas[1].1 = "CREATING".into());
    let f = run(&spec(), &listed);
    assert_only(&f, Code::ReplicaNotActive, 1);
    assert_eq!(f[0].actual, "CREATING");
    let own_status = with_replica(|t| t.status = "UPDATING".into());
    assert_only(&run(&spec(), &own_status), Code::ReplicaNotActive, 1);
    assert_absent(&run(&spec(), &snapshot()), Code::ReplicaNotActive);
}

#[test]
fn states_that_end_a_global_table_have_their_own_codes_and_fixes() {
    let cases = [
        ("REPLICATION_NOT_AUTHORIZED", Code::ReplicaReplicationNotAuthorized, "AWSServiceRoleForDynamoDBReplication"),
        ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", Code::ReplicaEncryptionKeyInaccessible, "re-enable the key"),
        ("CREATION_FAILED", Code::ReplicaCreationFailed, "remove the replica and add it again"),
        ("ARCHIVING", Code::ReplicaArchived, "restore the table from the backup"),
        ("ARCHIVED", Code::ReplicaArchived, "restore the table from the backup"),
        ("REGION_DISABLED", Code::ReplicaRegionDisabled, "enable it again"),
    ];
    for (status, code, fix) in cases {
        // As the primary lists it, and as the replica's own DescribeTable reports it.
        for snap in [with_primary(|t| t.replicas[1].1 = status.into()), with_replica(|t| t.status = status.into())] {
            let f = run(&spec(), &snap);
            assert_only(&f, code, 1);
            assert_eq!((f[0].actual.as_str(), f[0].resource.as_str()), (status, "dynamodb:us-west-2/profiles"));
            assert!(f[0].message.contains(fix), "{status}: {}", f[0].message);
        }
        assert_absent(&run(&spec(), &snapshot()), code);
    }
    let converting = run(&spec(), &with_primary(|t| t.replicas[1].1 = "REPLICATION_NOT_AUTHORIZED".into()));
    assert!(converting[0].message.contains("20 hours"), "{}", converting[0].message);
    let strong = with_primary(|t| {
        t.replicas[1].1 = "REPLICATION_NOT_AUTHORIZED".into();
        t.multi_region_consistency = Some("STRONG".into());
    });
    let mut s = spec();
    s.table.multi_region_consistency = crate::api::MultiRegionConsistency::Strong;
    let f = run(&s, &strong);
    assert_only(&f, Code::ReplicaReplicationNotAuthorized, 1);
    assert!(!f[0].message.contains("20 hours"), "an MRSC replica is never converted: {}", f[0].message);
}

#[test]
fn consistency_mode_both_ways() {
    let strong = with_primary(|t| {
        t.multi_region_consistency = Some("STRONG".into());
        t.witnesses = vec![("us-east-2".into(), "ACTIVE".into())];
    });
    let f = run(&spec(), &strong);
    assert_only(&f, Code::MultiRegionConsistencyMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("EVENTUAL", "STRONG"));
    assert!(f[0].message.contains("witness in us-east-2"), "{}", f[0].message);
    let mut want_strong = spec();
    want_strong.table.multi_region_consistency = crate::api::MultiRegionConsistency::Strong;
    assert_absent(&run(&want_strong, &strong), Code::MultiRegionConsistencyMismatch);
    let f = run(&want_strong, &snapshot());
    assert_only(&f, Code::MultiRegionConsistencyMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("STRONG", "EVENTUAL"));
    // No field at all is DynamoDB's default, eventual.
    assert_absent(
        &run(&spec(), &with_primary(|t| t.multi_region_consistency = None)),
        Code::MultiRegionConsistencyMismatch,
    );
}

#[test]
fn stream_disabled_hides_view_type() {
    let f = run(
        &spec(),
        &with_primary(|t| {
            t.stream_enabled = false;
            t.stream_view_type = None;
        }),
    );
    assert_only(&f, Code::StreamDisabled, 1);
    assert_absent(&run(&spec(), &snapshot()), Code::StreamDisabled);
}

#[test]
fn stream_view_type_both_ways() {
    let f = run(&spec(), &with_primary(|t| t.stream_view_type = Some("KEYS_ONLY".into())));
    assert_only(&f, Code::StreamViewTypeMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("NEW_AND_OLD_IMAGES", "KEYS_ONLY"));
    let mut s = spec();
    s.table.stream_view_type = crate::api::StreamViewType::KeysOnly;
    assert_eq!(run(&s, &with_primary(|t| t.stream_view_type = Some("KEYS_ONLY".into()))), vec![]);
}

#[test]
fn pitr_disabled_in_primary_and_each_replica() {
    let f = run(&spec(), &with_primary(|t| t.pitr_enabled = false));
    assert_only(&f, Code::PitrDisabled, 1);
    assert_eq!(f[0].resource, "dynamodb:us-east-1/profiles");
    let f = run(&spec(), &with_replica(|t| t.pitr_enabled = false));
    assert_only(&f, Code::PitrDisabled, 1);
    assert_eq!(f[0].resource, "dynamodb:us-west-2/profiles");
    assert!(f[0].message.contains("us-west-2") && f[0].message.contains("replica { point_in_time_recovery = true }"));
    // Not required by the spec → not reported.
    let mut s = spec();
    s.table.point_in_time_recovery = false;
    let mut snap = with_replica(|t| t.pitr_enabled = false);
    if let Some(t) = snap.primary_table.as_mut() {
        t.pitr_enabled = false;
    }
    assert_eq!(run(&s, &snap), vec![]);
}

#[test]
fn billing_mode_both_ways() {
    let f = run(&spec(), &with_replica(|t| t.billing_mode = Some("PROVISIONED".into())));
    assert_only(&f, Code::BillingModeMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("PAY_PER_REQUEST", "PROVISIONED"));
    // An absent BillingModeSummary means PROVISIONED.
    let mut snap = with_replica(|t| t.billing_mode = None);
    if let Some(t) = snap.primary_table.as_mut() {
        t.billing_mode = Some("PROVISIONED".into());
    }
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn encryption_both_ways() {
    let f = run(
        &spec(),
        &with_replica(|t| {
            t.sse_type = Some("KMS".into());
            t.sse_kms_key = Some("arn:aws:kms:us-west-2:111122223333:key/k2".into());
        }),
    );
    assert_only(&f, Code::EncryptionMismatch, 1);
    assert_eq!((f[0].expected.as_str(), f[0].actual.as_str()), ("AES256", "KMS (customer key)"));
    // Regional keys necessarily have different ARNs.
    let mut snap = with_replica(|t| {
        t.sse_type = Some("KMS".into());
        t.sse_kms_key = Some("arn:aws:kms:us-west-2:111122223333:key/k2".into());
    });
    if let Some(t) = snap.primary_table.as_mut() {
        t.sse_type = Some("KMS".into());
        t.sse_kms_key = Some("arn:aws:kms:us-east-1:111122223333:key/k1".into());
    }
    assert_eq!(run(&spec(), &snap), vec![]);
}

#[test]
fn replica_states_report_status_or_missing() {
    let mut s = spec();
    s.table.replica_regions.push("eu-west-1".into());
    let snap = with_primary(|t| t.replicas[1].1 = "UPDATING".into());
    let states = replica_states(&s, snap.primary_table.as_ref(), &snap.replica_tables);
    let got: Vec<(&str, &str)> = states.iter().map(|r| (r.region.as_str(), r.status.as_str())).collect();
    assert_eq!(got, [("us-west-2", "UPDATING"), ("eu-west-1", "MISSING")]);
    let none = replica_states(&s, None, &snap.replica_tables);
    assert!(none.iter().all(|r| r.status == MISSING && r.lag_seconds.is_none()));
    let fine = snapshot();
    let active = replica_states(&spec(), fine.primary_table.as_ref(), &fine.replica_tables);
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].status, "ACTIVE");
    assert_eq!(codes(&run(&spec(), &fine)), Vec::<&str>::new());
}
