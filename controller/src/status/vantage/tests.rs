use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::{
    api::{ConditionStatus, RegionalFailoverStatus},
    status::{AwsRead, ConditionType, Observed, assemble, find_condition},
    verify::fixtures,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).single().expect("time")
}

fn lost(service: Service, operation: &'static str, region: Option<&str>) -> AwsError {
    AwsError::new(service, operation, ErrorKind::Unreachable, "connection reset").in_region(region)
}

fn loss() -> RemoteLoss {
    RemoteLoss {
        vantage: "us-west-2".into(),
        lost: vec![
            lost(Service::Route53, "ListHealthChecks", None),
            lost(Service::DynamoDb, "DescribeTable", Some("us-east-1")),
            lost(Service::Route53, "GetHostedZone", None),
        ],
        local_table: Some(fixtures::table("us-west-2")),
    }
}

#[test]
fn only_another_regions_silence_is_a_remote_loss() {
    let r53 = lost(Service::Route53, "ListHealthChecks", None);
    assert_eq!(region_of(&r53), "us-east-1", "Route 53's control plane");
    assert!(is_remote_loss(&r53, "us-west-2"));
    assert!(!is_remote_loss(&r53, "us-east-1"), "our own region not answering is our outage, not a vantage");
    let local = lost(Service::DynamoDb, "DescribeTable", Some("us-west-2"));
    assert!(!is_remote_loss(&local, "us-west-2"));
    let denied = AwsError::new(Service::Route53, "ListHealthChecks", ErrorKind::AccessDenied, "no");
    assert!(!is_remote_loss(&denied, "us-west-2"), "a refusal is an answer");
    let slow = AwsError::new(Service::DynamoDb, "DescribeTable", ErrorKind::Timeout, "t").in_region(Some("us-east-1"));
    assert!(is_remote_loss(&slow, "us-west-2"));
}

#[test]
fn each_lost_service_is_one_unreachable_finding_named_from_here() {
    let l = loss();
    assert_eq!(
        summary(&l),
        "Route 53's control plane (us-east-1) and DynamoDB in us-east-1 are unreachable from us-west-2"
    );
    let f = findings(&l);
    assert_eq!(f.len(), 2, "one per service and region: {f:?}");
    assert!(f.iter().all(|x| x.code == UNREACHABLE && x.message.contains("unreachable from us-west-2")), "{f:?}");
    assert_eq!(f[0].resource, "route53 us-east-1");
    assert_eq!(f[1].resource, "dynamodb us-east-1");
}

#[test]
fn from_the_standby_a_regional_failover_reads_as_such_and_not_as_drift() {
    let spec = fixtures::spec();
    // Before the loss: a full verification from us-west-2, all well, lag measured.
    let ok = Observed {
        aws: AwsRead::Read(Box::new(fixtures::snapshot())),
        dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
        ..Observed::default()
    };
    let before = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &ok, now()).status;
    let mut before = before;
    if let Some(r) = before.replication.as_mut() {
        r.lag_seconds = Some(0.4);
        r.probed_at = Some(now());
    }
    // us-east-1 is lost: DNS answers with the secondary; the local replica answers.
    let mut local = fixtures::table("us-west-2");
    local.status = "ACTIVE".into();
    let partial = Observed {
        aws: AwsRead::Partial(Box::new(RemoteLoss { local_table: Some(local), ..loss() })),
        dns_answer: Some(Ok(vec![spec.secondary.endpoint.clone()])),
        ..Observed::default()
    };
    let later = now() + chrono::Duration::seconds(30);
    let a = assemble(&spec, Some(1), &before, &partial, later);
    let get = |t| find_condition(&a.status.conditions, t).expect("condition").clone();
    assert_eq!(a.status.active_region.as_deref(), Some("us-west-2"));
    assert_eq!(a.status.drift, before.drift, "no drift invented from silence");
    assert_eq!(a.status.unreachable.len(), 2);
    let in_sync = get(ConditionType::InSync);
    assert_eq!((in_sync.status, in_sync.reason.as_str()), (ConditionStatus::Unknown, "RegionUnreachable"));
    assert!(in_sync.message.contains("unreachable from us-west-2"), "{}", in_sync.message);
    let primary = get(ConditionType::PrimaryHealthy);
    assert_eq!(primary.status, ConditionStatus::False, "DNS answers with the secondary: {}", primary.message);
    let repl = get(ConditionType::ReplicationHealthy);
    assert_eq!((repl.status, repl.reason.as_str()), (ConditionStatus::Unknown, "RegionUnreachable"));
    assert!(repl.message.contains("The replica here (us-west-2) answers and is ACTIVE"), "{}", repl.message);
    assert!(repl.message.contains("0.4 s"), "the latest lag, with its time: {}", repl.message);
    let ready = get(ConditionType::Ready);
    assert_eq!(ready.status, ConditionStatus::False, "{}", ready.message);

    // us-east-1 answers again: the findings go, the conditions come back.
    let back = assemble(&spec, Some(1), &a.status, &ok, later + chrono::Duration::seconds(30)).status;
    assert!(back.unreachable.is_empty());
    assert_eq!(find_condition(&back.conditions, ConditionType::InSync).map(|c| c.status), Some(ConditionStatus::True));
}
