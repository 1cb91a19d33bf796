use super::*;
use aws_sdk_route53::types::{
    AliasTarget, HealthCheckConfig, HealthCheckRegion, HealthCheckType, ResourceRecord, StatusReport,
};

#[test]
fn failover_cname_record_is_normalized() {
    let r = ResourceRecordSet::builder()
        .name("API.Example.com.")
        .r#type(RrType::Cname)
        .set_identifier("primary")
        .failover(ResourceRecordSetFailover::Primary)
        .health_check_id("hc-1")
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("Primary.Example.com.").build().expect("value set"))
        .build()
        .expect("required fields set");
    let o = record_observed(&r);
    assert_eq!(o.name, "api.example.com");
    assert_eq!(o.kind, "CNAME");
    assert_eq!(o.values, vec!["primary.example.com"]);
    assert_eq!(o.failover, Some(FailoverRole::Primary));
    assert_eq!(o.health_check_id.as_deref(), Some("hc-1"));
    assert_eq!(o.ttl, Some(60));
    assert!(!o.alias);
}

#[test]
fn alias_record_has_no_ttl_and_its_dns_name_as_value() {
    let r = ResourceRecordSet::builder()
        .name("api.example.com.")
        .r#type(RrType::A)
        .set_identifier("secondary")
        .failover(ResourceRecordSetFailover::Secondary)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id("Z2")
                .dns_name("dualstack.LB-1.us-west-2.elb.amazonaws.com.")
                .evaluate_target_health(true)
                .build()
                .expect("required fields set"),
        )
        .build()
        .expect("required fields set");
    let o = record_observed(&r);
    assert_eq!((o.alias, o.ttl, o.failover), (true, None, Some(FailoverRole::Secondary)));
    assert_eq!(o.values, vec!["dualstack.lb-1.us-west-2.elb.amazonaws.com"]);
}

#[test]
fn health_check_config_is_copied_field_by_field() {
    let hc = HealthCheck::builder()
        .id("hc-1")
        .caller_reference("ref")
        .health_check_version(3)
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name("Primary.Example.com.")
                .port(443)
                .resource_path("/health")
                .request_interval(10)
                .failure_threshold(3)
                .inverted(true)
                .regions(HealthCheckRegion::UsEast1)
                .regions(HealthCheckRegion::EuWest1)
                .build()
                .expect("type set"),
        )
        .build()
        .expect("required fields set");
    let o = health_check_observed(&hc);
    assert_eq!(o.kind, "HTTPS");
    assert_eq!(o.fqdn.as_deref(), Some("primary.example.com"));
    assert_eq!((o.port, o.request_interval, o.failure_threshold), (Some(443), Some(10), Some(3)));
    assert_eq!((o.inverted, o.disabled, o.version), (true, false, Some(3)));
    assert_eq!(o.regions, vec!["us-east-1", "eu-west-1"]);
}

#[test]
fn checker_observation_keeps_status_text_and_time() {
    let o = HealthCheckObservation::builder()
        .region(HealthCheckRegion::UsWest2)
        .status_report(
            StatusReport::builder()
                .status("Failure: Connection refused")
                .checked_time(aws_sdk_route53::primitives::DateTime::from_secs(1_700_000_000))
                .build(),
        )
        .build();
    let c = checker_observation(&o);
    assert_eq!(c.region, "us-west-2");
    assert!(!c.healthy());
    assert_eq!(c.checked_at.map(|t| t.timestamp()), Some(1_700_000_000));
}

#[test]
fn zone_ids_and_names_are_bare() {
    let z = HostedZone::builder()
        .id("/hostedzone/Z123")
        .name("Example.com.")
        .caller_reference("r")
        .build()
        .expect("required fields set");
    let d = DelegationSet::builder().name_servers("ns-1.awsdns-01.org.").build().expect("servers set");
    let o = zone_observed(&z, Some(&d));
    assert_eq!((o.id.as_str(), o.name.as_str()), ("Z123", "example.com"));
    assert_eq!(o.name_servers, vec!["ns-1.awsdns-01.org"]);
}
