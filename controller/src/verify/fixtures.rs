//! Test data: a spec and a snapshot of AWS that matches it exactly.

use crate::api::{
    DnsSpec, Finding, HealthCheckSpec, HealthCheckType, Objectives, RecordType, RegionEndpoint, RegionalFailoverSpec,
    ReplicationProbe, StreamViewType, TableSpec,
};
use crate::verify::{AwsSnapshot, FailoverRole, HealthCheckObserved, RecordObserved, TableObserved, ZoneObserved};

pub const HC_ID: &str = "0f3c1a2b-hc";
pub const ZONE: &str = "Z0123456789ABCDEFGHIJ";

pub fn spec() -> RegionalFailoverSpec {
    RegionalFailoverSpec {
        primary: RegionEndpoint { region: "us-east-1".into(), endpoint: "primary.api.example.com".into() },
        secondary: RegionEndpoint { region: "us-west-2".into(), endpoint: "standby.api.example.com".into() },
        dns: DnsSpec {
            hosted_zone_id: ZONE.into(),
            record_name: "api.example.com".into(),
            record_type: RecordType::CNAME,
            max_ttl_seconds: 60,
            primary_set_identifier: "primary".into(),
            secondary_set_identifier: "secondary".into(),
            nameservers: vec![],
            watch_interval_seconds: None,
            failback_ttl_seconds: None,
            secondary_health_check: None,
        },
        health_check: HealthCheckSpec {
            id: HC_ID.into(),
            kind: HealthCheckType::HTTPS,
            port: 443,
            resource_path: "/health".into(),
            request_interval_seconds: 10,
            failure_threshold: 3,
            child_health_checks: vec![],
            health_threshold: None,
            alarm: None,
            insufficient_data_health_status: None,
            probe_type: None,
        },
        table: TableSpec {
            name: "profiles".into(),
            replica_regions: vec!["us-west-2".into()],
            stream_view_type: StreamViewType::NewAndOldImages,
            point_in_time_recovery: true,
            replication_probe: ReplicationProbe::default(),
            multi_region_consistency: Default::default(),
        },
        objectives: Objectives { rto_seconds: 300, rpo_seconds: 5, rpo_window_minutes: None },
        verify_interval_seconds: 60,
        drills: vec![],
        suspend: false,
        post_failover_validation: None,
    }
}

pub fn health_check() -> HealthCheckObserved {
    HealthCheckObserved {
        id: HC_ID.into(),
        kind: "HTTPS".into(),
        fqdn: Some("primary.api.example.com".into()),
        ip_address: None,
        port: Some(443),
        resource_path: Some("/health".into()),
        request_interval: Some(10),
        failure_threshold: Some(3),
        inverted: false,
        disabled: false,
        version: Some(1),
        regions: vec!["us-east-1".into(), "us-west-1".into(), "us-west-2".into()],
        child_health_checks: vec![],
        health_threshold: None,
        alarm: None,
        insufficient_data_health_status: None,
    }
}

pub fn record(role: FailoverRole) -> RecordObserved {
    let (set_id, target, hc) = match role {
        FailoverRole::Primary => ("primary", "primary.api.example.com", Some(HC_ID.to_string())),
        FailoverRole::Secondary => ("secondary", "standby.api.example.com", None),
    };
    RecordObserved {
        name: "api.example.com".into(),
        kind: "CNAME".into(),
        set_identifier: Some(set_id.into()),
        failover: Some(role),
        health_check_id: hc,
        ttl: Some(60),
        values: vec![target.into()],
        alias: false,
        evaluate_target_health: false,
        alias_zone: None,
    }
}

pub fn table(region: &str) -> TableObserved {
    TableObserved {
        region: region.into(),
        name: "profiles".into(),
        status: "ACTIVE".into(),
        global_table_version: Some("2019.11.21".into()),
        replicas: vec![("us-east-1".into(), "ACTIVE".into()), ("us-west-2".into(), "ACTIVE".into())],
        stream_enabled: true,
        stream_view_type: Some("NEW_AND_OLD_IMAGES".into()),
        billing_mode: Some("PAY_PER_REQUEST".into()),
        sse_type: None,
        sse_kms_key: None,
        pitr_enabled: true,
        replica_inaccessible_since: vec![],
        multi_region_consistency: Some("EVENTUAL".into()),
        witnesses: vec![],
    }
}

/// AWS exactly as `spec()` declares it.
pub fn snapshot() -> AwsSnapshot {
    AwsSnapshot {
        health_check: Some(health_check()),
        checker_observations: vec![],
        records: vec![record(FailoverRole::Primary), record(FailoverRole::Secondary)],
        zone: Some(ZoneObserved {
            id: ZONE.into(),
            name: "example.com".into(),
            name_servers: vec!["ns-1.awsdns-01.org".into()],
        }),
        primary_table: Some(table("us-east-1")),
        replica_tables: vec![("us-west-2".into(), Some(table("us-west-2")))],
        ..AwsSnapshot::default()
    }
}

/// The codes of a verification result, in its order.
pub fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

/// `verify` with the default context (no drill of ours running).
pub fn run(spec: &RegionalFailoverSpec, snap: &AwsSnapshot) -> Vec<Finding> {
    crate::verify::verify(spec, snap, &crate::verify::VerifyContext::default())
}

/// Asserts that verification found `code` and nothing else (`count` times).
#[track_caller]
pub fn assert_only(findings: &[Finding], code: crate::verify::Code, count: usize) {
    let got = codes(findings);
    assert_eq!(got, vec![code.as_str(); count], "expected only {code}: {findings:#?}");
    for f in findings {
        assert!(!f.message.is_empty() && !f.field.is_empty() && !f.resource.is_empty(), "incomplete finding {f:?}");
    }
}

/// Asserts that `code` is not among the findings.
#[track_caller]
pub fn assert_absent(findings: &[Finding], code: crate::verify::Code) {
    assert!(!codes(findings).contains(&code.as_str()), "unexpected {code}: {findings:#?}");
}
