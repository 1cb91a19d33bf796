use super::*;
use crate::{
    api::{HealthSource, HealthState, HealthStatus},
    verify::fixtures,
};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).expect("time")
}

fn checked_at(minutes: i64) -> RegionalFailoverStatus {
    RegionalFailoverStatus {
        health: Some(HealthStatus {
            status: HealthState::Healthy,
            checkers_healthy: 3,
            checkers_reporting: 3,
            observed_at: at(minutes),
            source: HealthSource::Checkers,
            checkers_observed_at: Some(at(minutes)),
        }),
        ..RegionalFailoverStatus::default()
    }
}

#[test]
fn the_checkers_are_asked_only_when_dns_gives_no_verdict_or_on_spare_tokens() {
    let spec = fixtures::spec();
    let primary = Some(Ok(vec![spec.primary.endpoint.clone()]));
    let secondary = Some(Ok(vec![spec.secondary.endpoint.clone()]));
    let neither = Some(Ok(vec!["192.0.2.99".to_string()]));
    let failed = Some(Err("no answer".to_string()));
    let fresh = checked_at(0);
    let read = |status: &RegionalFailoverStatus, dns: &Option<Result<Vec<String>, String>>, now| {
        checker_read(&spec, status, dns.as_ref(), now)
    };
    assert_eq!(read(&fresh, &primary, at(1)), CheckerRead::Skip);
    assert_eq!(read(&fresh, &primary, at(15)), CheckerRead::Refresh, "detail older than 15 minutes");
    assert_eq!(read(&RegionalFailoverStatus::default(), &primary, at(1)), CheckerRead::Refresh, "never read");
    assert_eq!(read(&fresh, &secondary, at(1)), CheckerRead::Diagnose);
    assert_eq!(read(&fresh, &neither, at(1)), CheckerRead::Required);
    assert_eq!(read(&fresh, &failed, at(1)), CheckerRead::Required);
    assert_eq!(read(&fresh, &None, at(1)), CheckerRead::Required);
}

#[test]
fn the_probe_reports_its_first_denial_else_its_first_failure() {
    let failed = |operation, kind| AwsError::new(Service::DynamoDb, operation, kind, "");
    let (put, get, delete) = ("PutItem", "GetItem", "DeleteItem");
    let throttled = worse(None, failed(get, ErrorKind::Throttled));
    assert_eq!(throttled.as_ref().map(|e| e.operation), Some(get));
    let unreachable = worse(throttled.clone(), failed(delete, ErrorKind::Unreachable));
    assert_eq!(unreachable.as_ref().map(|e| e.operation), Some(get), "the first failure");
    let denied = worse(unreachable, failed(delete, ErrorKind::AccessDenied));
    assert_eq!(
        denied.as_ref().map(|e| (e.operation, e.kind)),
        Some((delete, ErrorKind::AccessDenied)),
        "a denial wins"
    );
    let kept = worse(denied, failed(put, ErrorKind::AccessDenied));
    assert_eq!(kept.map(|e| e.operation), Some(delete), "the first denial");
}
