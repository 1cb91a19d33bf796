//! `regional-failover check` against local AWS for the failover path (issue 19): each finding
//! about the SECONDARY's health, target health, the pair's symmetry, the failback TTL and
//! CALCULATED / CLOUDWATCH_METRIC checks appears and clears; predicted RTO follows the real
//! settings of whatever drives the PRIMARY's health.

#[path = "failover_path_check/fixtures.rs"]
mod fixtures;
mod support;

use std::{path::Path, process::Command, time::Duration};

use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, InsufficientDataHealthStatus,
    ResourceRecord, ResourceRecordSet, RrType,
};
use fixtures::*;
use serde_json::Value;
use support::{
    aws_fixtures as fx,
    endpoint::{ApiEndpoint, free_port_on_both},
    localaws::{LocalAws, eventually},
};

#[tokio::test(flavor = "multi_thread")]
async fn failover_path_findings_appear_and_clear() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let zone_name = "path.test";
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, zone_name, port).await;
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let base = fx::loopback_manifest("path", "default", &zone, zone_name, &hc, port, &local.dns.to_string());
    write(&manifest, &base);
    let (exit, json, err) = check(&manifest, &local.endpoint);
    assert_eq!(exit, 0, "in sync: {json:#} {err}");
    let in_sync =
        json[0]["status"]["conditions"].as_array().and_then(|c| c.iter().find(|c| c["type"] == "InSync")).cloned();
    let message = in_sync.as_ref().and_then(|c| c["message"].as_str()).unwrap_or_default();
    assert!(message.contains("The SECONDARY record has no health check"), "undeclared choice noted: {in_sync:?}");
    assert_eq!(json[0]["status"]["predictedFailbackSeconds"], 30 + 30 + 60, "{json:#}");

    // The SECONDARY's health check is unhealthy: DNS would stay on the primary in an outage.
    let dead = http_check(&r53, "127.0.0.3", port, 10, 1).await;
    eventually("dead standby check unhealthy", Duration::from_secs(30), || {
        let h = healthy(&local, &dead);
        async move { (h == Some(false)).then_some(()) }
    })
    .await;
    let plain_secondary = record(&r53, &zone, "secondary", RrType::A).await;
    let mut checked = plain_secondary.clone();
    checked.health_check_id = Some(dead.clone());
    change(&r53, &zone, vec![(ChangeAction::Upsert, checked)]).await;
    let json = expect(&manifest, &local, "SecondaryHealthCheckUnhealthy", true);
    let finding = json[0]["status"]["drift"]
        .as_array()
        .and_then(|d| d.iter().find(|f| f["code"] == "SecondaryHealthCheckUnhealthy"))
        .cloned();
    assert!(finding.is_some_and(|f| f["message"].as_str().is_some_and(|m| m.contains(&dead))), "{json:#}");
    // The declared choice: Absent while the SECONDARY carries a check.
    write(&manifest, &base.replace("nameservers:", "secondaryHealthCheck: Absent, nameservers:"));
    expect(&manifest, &local, "SecondaryRecordHealthCheckMismatch", true);
    change(&r53, &zone, vec![(ChangeAction::Upsert, plain_secondary.clone())]).await;
    expect(&manifest, &local, "SecondaryRecordHealthCheckMismatch", false);
    expect(&manifest, &local, "SecondaryHealthCheckUnhealthy", false);
    write(&manifest, &base);

    // A PRIMARY without a health check can never be withdrawn.
    let primary = record(&r53, &zone, "primary", RrType::A).await;
    let mut unchecked = primary.clone();
    unchecked.health_check_id = None;
    change(&r53, &zone, vec![(ChangeAction::Upsert, unchecked)]).await;
    expect(&manifest, &local, "PrimaryCannotFailOver", true);
    change(&r53, &zone, vec![(ChangeAction::Upsert, primary.clone())]).await;
    expect(&manifest, &local, "PrimaryCannotFailOver", false);

    // A PRIMARY AAAA without a SECONDARY AAAA: IPv6 clients never fail over.
    let v6 = ResourceRecordSet::builder()
        .name(format!("api.{zone_name}"))
        .r#type(RrType::Aaaa)
        .set_identifier("primary-v6")
        .failover(aws_sdk_route53::types::ResourceRecordSetFailover::Primary)
        .health_check_id(&hc)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("::1").build().expect("value"))
        .build()
        .expect("record");
    change(&r53, &zone, vec![(ChangeAction::Create, v6.clone())]).await;
    expect(&manifest, &local, "FailoverPairTypeMismatch", true);
    change(&r53, &zone, vec![(ChangeAction::Delete, v6)]).await;
    expect(&manifest, &local, "FailoverPairTypeMismatch", false);

    // An alias SECONDARY next to a plain PRIMARY; with EvaluateTargetHealth it can be withheld too.
    let standby = ResourceRecordSet::builder()
        .name(format!("standby.{zone_name}"))
        .r#type(RrType::A)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("127.0.0.2").build().expect("value"))
        .build()
        .expect("record");
    let alias = |evaluate: bool| {
        ResourceRecordSet::builder()
            .name(format!("api.{zone_name}"))
            .r#type(RrType::A)
            .set_identifier("secondary")
            .failover(aws_sdk_route53::types::ResourceRecordSetFailover::Secondary)
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id(&zone)
                    .dns_name(format!("standby.{zone_name}"))
                    .evaluate_target_health(evaluate)
                    .build()
                    .expect("alias"),
            )
            .build()
            .expect("record")
    };
    change(&r53, &zone, vec![(ChangeAction::Create, standby)]).await;
    change(&r53, &zone, vec![(ChangeAction::Delete, plain_secondary.clone())]).await;
    change(&r53, &zone, vec![(ChangeAction::Create, alias(true))]).await;
    expect(&manifest, &local, "FailoverPairAliasMismatch", true);
    // The table reads worst first: the alias target that is not the standby breaks failover, the
    // alias/plain asymmetry is hygiene.
    let table = Command::new(env!("CARGO_BIN_EXE_regional-failover"))
        .args(["check", "-f"])
        .arg(&manifest)
        .env("AWS_ENDPOINT_URL", &local.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("check runs");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    let (worst, hygiene) = (table.find("FAILOVER IMPOSSIBLE"), table.find("HYGIENE"));
    assert!(worst.is_some() && hygiene.is_some() && worst < hygiene, "{table}");
    let (target, asymmetry) =
        (table.find("    SecondaryRecordTargetMismatch "), table.find("    FailoverPairAliasMismatch "));
    assert!(worst < target && target < hygiene && hygiene < asymmetry, "{table}");
    write(&manifest, &base.replace("nameservers:", "secondaryHealthCheck: Absent, nameservers:"));
    let json = expect(&manifest, &local, "SecondaryRecordHealthCheckMismatch", true);
    let drift = json[0]["status"]["drift"].as_array().cloned().unwrap_or_default();
    assert!(drift.iter().any(|f| f["actual"] == "EvaluateTargetHealth = true"), "{drift:#?}");
    change(&r53, &zone, vec![(ChangeAction::Delete, alias(true))]).await;
    change(&r53, &zone, vec![(ChangeAction::Create, plain_secondary.clone())]).await;
    expect(&manifest, &local, "FailoverPairAliasMismatch", false);
    expect(&manifest, &local, "SecondaryRecordHealthCheckMismatch", false);

    // The failback TTL: the SECONDARY holds it instead of maxTtlSeconds, and it lengthens failback only.
    write(&manifest, &base.replace("nameservers:", "failbackTtlSeconds: 300, nameservers:"));
    let json = expect(&manifest, &local, "SecondaryRecordTtlMismatch", true);
    assert_eq!(json[0]["status"]["predictedFailbackSeconds"], 30 + 30 + 300, "{json:#}");
    assert_eq!(json[0]["status"]["predictedRtoSeconds"], 30 + 30 + 60, "no effect on the RTO: {json:#}");
    let mut long = plain_secondary.clone();
    long.ttl = Some(300);
    change(&r53, &zone, vec![(ChangeAction::Upsert, long)]).await;
    let json = expect(&manifest, &local, "SecondaryRecordTtlMismatch", false);
    assert!(!codes(&json).contains(&"RecordTtlTooHigh".to_string()), "{:?}", codes(&json));
}

#[tokio::test(flavor = "multi_thread")]
async fn calculated_check_findings_and_predicted_rto_from_its_children() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let zone_name = "calculated.test";
    let (zone, _) = fx::loopback_baseline(&r53, &east, &west, zone_name, port).await;
    let fast = http_check(&r53, "127.0.0.1", port, 10, 3).await;
    let slow = http_check(&r53, "127.0.0.1", port, 30, 2).await;
    let parent = calculated(&r53, &[&fast, &slow], 1).await;
    let mut primary = record(&r53, &zone, "primary", RrType::A).await;
    primary.health_check_id = Some(parent.clone());
    change(&r53, &zone, vec![(ChangeAction::Upsert, primary)]).await;

    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let healthcheck = format!(
        "healthCheck: {{ id: {parent}, type: CALCULATED, childHealthChecks: [{fast}, {slow}], healthThreshold: 1, \
         probeType: HTTP, port: {port}, resourcePath: /health }}"
    );
    let base = fx::loopback_manifest("calc", "default", &zone, zone_name, &parent, port, &local.dns.to_string())
        .lines()
        .map(|l| if l.trim_start().starts_with("healthCheck:") { format!("  {healthcheck}") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    write(&manifest, &base);
    let (exit, json, err) = check(&manifest, &local.endpoint);
    assert_eq!(exit, 0, "in sync: {json:#} {err}");
    // 1 of 2 must be healthy: both must fail, so the slower child (30 s × 2) decides.
    assert_eq!(json[0]["status"]["predictedRtoSeconds"], 60 + 30 + 60, "{json:#}");
    // And one back is enough: the faster child (10 s × 3) decides failback.
    assert_eq!(json[0]["status"]["predictedFailbackSeconds"], 30 + 30 + 60, "{json:#}");

    r53.update_health_check().health_check_id(&parent).child_health_checks(&fast).send().await.expect("children");
    expect(&manifest, &local, "HealthCheckChildrenMismatch", true);
    r53.update_health_check()
        .health_check_id(&parent)
        .child_health_checks(&fast)
        .child_health_checks(&slow)
        .send()
        .await
        .expect("children back");
    expect(&manifest, &local, "HealthCheckChildrenMismatch", false);

    r53.update_health_check().health_check_id(&parent).health_threshold(2).send().await.expect("threshold");
    let json = expect(&manifest, &local, "HealthCheckHealthThresholdMismatch", true);
    assert_eq!(json[0]["status"]["predictedRtoSeconds"], 30 + 30 + 60, "2 of 2: the first failing child decides");
    r53.update_health_check().health_check_id(&parent).health_threshold(1).send().await.expect("threshold back");
    expect(&manifest, &local, "HealthCheckHealthThresholdMismatch", false);

    // A disabled child is healthy forever: with a threshold of 1 the parent can never fail.
    r53.update_health_check().health_check_id(&slow).disabled(true).send().await.expect("disabled");
    expect(&manifest, &local, "CalculatedCheckCannotFail", true);
    r53.update_health_check().health_check_id(&slow).disabled(false).send().await.expect("enabled");
    expect(&manifest, &local, "CalculatedCheckCannotFail", false);
}

async fn calculated(r53: &aws_sdk_route53::Client, children: &[&str], threshold: i32) -> String {
    let mut config = HealthCheckConfig::builder().r#type(HealthCheckType::Calculated).health_threshold(threshold);
    for c in children {
        config = config.child_health_checks(*c);
    }
    let out = r53
        .create_health_check()
        .caller_reference(format!("rf-calculated-{}-{}", std::process::id(), children.join("-")))
        .health_check_config(config.build().expect("config"))
        .send()
        .await
        .expect("CreateHealthCheck CALCULATED");
    out.health_check().expect("check").id().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn alarm_check_findings_and_predicted_rto_from_the_alarm() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&local.sdk_config("us-east-1").await);
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let zone_name = "alarm.test";
    let (zone, _) = fx::loopback_baseline(&r53, &east, &west, zone_name, port).await;
    let put_alarm = || {
        cloudwatch
            .put_metric_alarm()
            .alarm_name("deep-canary")
            .namespace("Canary")
            .metric_name("Success")
            .statistic(Statistic::Minimum)
            .period(60)
            .evaluation_periods(3)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::LessThanThreshold)
            .send()
    };
    put_alarm().await.expect("PutMetricAlarm");
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::CloudwatchMetric)
        .alarm_identifier(
            aws_sdk_route53::types::AlarmIdentifier::builder()
                .region(aws_sdk_route53::types::CloudWatchRegion::UsEast1)
                .name("deep-canary")
                .build()
                .expect("alarm"),
        )
        .insufficient_data_health_status(InsufficientDataHealthStatus::Healthy)
        .build()
        .expect("config");
    let out = r53
        .create_health_check()
        .caller_reference(format!("rf-alarm-{}", std::process::id()))
        .health_check_config(config)
        .send();
    let check_id =
        out.await.expect("CreateHealthCheck CLOUDWATCH_METRIC").health_check().expect("check").id().to_string();
    let mut primary = record(&r53, &zone, "primary", RrType::A).await;
    primary.health_check_id = Some(check_id.clone());
    change(&r53, &zone, vec![(ChangeAction::Upsert, primary)]).await;

    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("rf.yaml");
    let healthcheck = |name: &str, insufficient: &str| {
        format!(
            "  healthCheck: {{ id: {check_id}, type: CLOUDWATCH_METRIC, alarm: {{ name: {name}, region: us-east-1 }}, \
             insufficientDataHealthStatus: {insufficient}, probeType: HTTP, port: {port} }}"
        )
    };
    let manifest_with = |hc: String| {
        fx::loopback_manifest("alarm", "default", &zone, zone_name, &check_id, port, &local.dns.to_string())
            .lines()
            .map(|l| if l.trim_start().starts_with("healthCheck:") { hc.clone() } else { l.to_string() })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    write(&manifest, &manifest_with(healthcheck("deep-canary", "Healthy")));
    let (exit, json, err) = check(&manifest, &local.endpoint);
    assert_eq!(exit, 0, "in sync: {json:#} {err}");
    // The alarm's timing, not the spec's defaults: 60 s × 3 periods + propagation + TTL.
    assert_eq!(json[0]["status"]["predictedRtoSeconds"], 180 + 30 + 60, "{json:#}");

    write(&manifest, &manifest_with(healthcheck("deep-canary", "Unhealthy")));
    expect(&manifest, &local, "HealthCheckInsufficientDataMismatch", true);
    write(&manifest, &manifest_with(healthcheck("another-canary", "Healthy")));
    expect(&manifest, &local, "HealthCheckAlarmMismatch", true);
    write(&manifest, &manifest_with(healthcheck("deep-canary", "Healthy")));
    expect(&manifest, &local, "HealthCheckAlarmMismatch", false);

    cloudwatch.delete_alarms().alarm_names("deep-canary").send().await.expect("DeleteAlarms");
    let json = expect(&manifest, &local, "HealthCheckAlarmMissing", true);
    assert_eq!(json[0]["status"]["predictedRtoSeconds"], 30 + 30 + 60, "no alarm: the spec's settings stand in");
    put_alarm().await.expect("PutMetricAlarm again");
    expect(&manifest, &local, "HealthCheckAlarmMissing", false);
}
