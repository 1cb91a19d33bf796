use super::*;
use crate::status::find_condition;
use crate::verify::fixtures;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("time").with_timezone(&Utc)
}

#[test]
fn matching_snapshot_is_in_sync_and_primary_active() {
    let spec = fixtures::spec();
    let observed = Observed {
        aws: AwsRead::Read(Box::new(fixtures::snapshot())),
        dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
        ..Observed::default()
    };
    let a = assemble(&spec, Some(3), &RegionalFailoverStatus::default(), &observed, now());
    assert!(a.status.drift.is_empty(), "{:?}", a.status.drift);
    assert_eq!(a.status.active_region.as_deref(), Some(spec.primary.region.as_str()));
    assert_eq!(a.status.observed_generation, Some(3));
    assert_eq!(a.status.last_verified_at, Some(now()));
    let in_sync = find_condition(&a.status.conditions, ConditionType::InSync).expect("InSync");
    assert_eq!(in_sync.status, crate::api::ConditionStatus::True);
    assert_eq!(in_sync.observed_generation, Some(3));
}

#[test]
fn without_a_checker_read_an_answer_naming_the_primary_is_the_health_verdict() {
    let spec = fixtures::spec();
    let mut with_checkers = fixtures::snapshot();
    with_checkers.checker_observations = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        .map(|region| crate::verify::CheckerObservation {
            region: region.into(),
            status: "Success: HTTP Status Code 200, OK".into(),
            checked_at: Some(now()),
        })
        .to_vec();
    let read = Observed {
        aws: AwsRead::Read(Box::new(with_checkers)),
        dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
        ..Observed::default()
    };
    let first = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &read, now());
    let checkers = first.status.health.clone().expect("health");
    assert_eq!(checkers.source, HealthSource::Checkers);
    assert_eq!((checkers.checkers_healthy, checkers.checkers_reporting), (3, 3));

    let mut no_read = fixtures::snapshot();
    no_read.checker_observations.clear();
    let later = now() + chrono::Duration::seconds(60);
    let by_dns = Observed { aws: AwsRead::Read(Box::new(no_read.clone())), ..read.clone() };
    let second = assemble(&spec, Some(1), &first.status, &by_dns, later);
    let health = second.status.health.clone().expect("health");
    assert_eq!((health.status, health.source, health.observed_at), (HealthState::Healthy, HealthSource::Dns, later));
    assert_eq!(
        (health.checkers_healthy, health.checkers_reporting, health.checkers_observed_at),
        (checkers.checkers_healthy, checkers.checkers_reporting, Some(now()))
    );
    let healthy = find_condition(&second.status.conditions, ConditionType::PrimaryHealthy).expect("PrimaryHealthy");
    assert_eq!(healthy.status, crate::api::ConditionStatus::True);
    assert!(healthy.message.contains("name servers answer with the primary"), "{}", healthy.message);

    // An answer naming the secondary means the primary's check fails.
    let secondary = Observed {
        aws: AwsRead::Read(Box::new(no_read.clone())),
        dns_answer: Some(Ok(vec![spec.secondary.endpoint.clone()])),
        ..Observed::default()
    };
    let third = assemble(&spec, Some(1), &second.status, &secondary, later + chrono::Duration::seconds(60));
    let health = third.status.health.clone().expect("health");
    assert_eq!((health.status, health.source), (HealthState::Unhealthy, HealthSource::Dns));
    assert_eq!(third.status.active_region.as_deref(), Some(spec.secondary.region.as_str()));
    let unhealthy = find_condition(&third.status.conditions, ConditionType::PrimaryHealthy).expect("PrimaryHealthy");
    assert_eq!(unhealthy.status, crate::api::ConditionStatus::False);
    assert!(unhealthy.message.contains("answer with the secondary"), "{}", unhealthy.message);

    // No answer naming either endpoint is no verdict: the health stays as last known.
    let unknown = Observed {
        aws: AwsRead::Read(Box::new(no_read)),
        dns_answer: Some(Err("no answer".into())),
        ..Observed::default()
    };
    let fourth = assemble(&spec, Some(1), &third.status, &unknown, later + chrono::Duration::seconds(120));
    assert_eq!(fourth.status.health, third.status.health);
}

#[test]
fn aws_error_keeps_last_observations_but_conditions_go_unknown() {
    let spec = fixtures::spec();
    let ok = Observed { aws: AwsRead::Read(Box::new(fixtures::snapshot())), ..Observed::default() };
    let first = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &ok, now());
    let failed = Observed {
        aws: AwsRead::Failed(crate::aws::AwsError::new(
            crate::aws::Service::Route53,
            "GetHostedZone",
            crate::aws::ErrorKind::Unreachable,
            "connection refused",
        )),
        ..Observed::default()
    };
    let second = assemble(&spec, Some(1), &first.status, &failed, now() + chrono::Duration::seconds(60));
    assert_eq!(second.status.last_verified_at, Some(now()), "last successful verification stays");
    assert_eq!(second.status.replication, first.status.replication);
    let in_sync = find_condition(&second.status.conditions, ConditionType::InSync).expect("InSync");
    assert_eq!(in_sync.status, crate::api::ConditionStatus::Unknown);
}

#[test]
fn probe_lag_is_the_slowest_replica() {
    let spec = fixtures::spec();
    let region = spec.secondary.region.clone();
    let observed = Observed {
        aws: AwsRead::Read(Box::new(fixtures::snapshot())),
        lag_probe: Some(LagProbe { lags: vec![(region.clone(), Some(0.8))], probed_at: now() }),
        ..Observed::default()
    };
    let a = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &observed, now());
    let repl = a.status.replication.expect("replication");
    assert_eq!(repl.lag_seconds, Some(0.8));
    assert_eq!(repl.replicas.iter().find(|r| r.region == region).and_then(|r| r.lag_seconds), Some(0.8));
    let unseen = Observed {
        aws: AwsRead::Read(Box::new(fixtures::snapshot())),
        lag_probe: Some(LagProbe { lags: vec![(region, None)], probed_at: now() }),
        ..Observed::default()
    };
    let b = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &unseen, now());
    assert_eq!(b.status.replication.and_then(|r| r.lag_seconds), None);
}

#[test]
fn invalid_spec_reports_without_touching_observations() {
    let spec = fixtures::spec();
    let observed = Observed { spec_error: Some("schedule does not parse.".into()), ..Observed::default() };
    let a = assemble(&spec, Some(2), &RegionalFailoverStatus::default(), &observed, now());
    let ready = find_condition(&a.status.conditions, ConditionType::Ready).expect("Ready");
    assert_eq!(ready.status, crate::api::ConditionStatus::False);
    assert_eq!(ready.reason, "InvalidSpec");
    assert!(a.status.last_verified_at.is_none());
}

#[test]
fn predictions_follow_the_snapshot_and_survive_a_failed_read() {
    let mut spec = fixtures::spec();
    spec.dns.failback_ttl_seconds = Some(300);
    let mut snap = fixtures::snapshot();
    snap.records[1].ttl = Some(300);
    if let Some(hc) = snap.health_check.as_mut() {
        hc.request_interval = Some(30);
    }
    let read = Observed { aws: AwsRead::Read(Box::new(snap)), ..Observed::default() };
    let first = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &read, now());
    let p = crate::verify::PROPAGATION_ALLOWANCE_SECONDS;
    assert_eq!(first.status.predicted_rto_seconds, Some(90 + p + 60), "the check's real interval");
    assert_eq!(first.status.predicted_failback_seconds, Some(90 + p + 300), "the failback TTL");
    let failed = Observed {
        aws: AwsRead::Failed(crate::aws::AwsError::new(
            crate::aws::Service::Route53,
            "ListHealthChecks",
            crate::aws::ErrorKind::Transient,
            "HTTP 500",
        )),
        ..Observed::default()
    };
    let second = assemble(&spec, Some(1), &first.status, &failed, now());
    assert_eq!(second.status.predicted_rto_seconds, first.status.predicted_rto_seconds, "kept, not the spec's");
    assert_eq!(second.status.predicted_failback_seconds, first.status.predicted_failback_seconds);
}

#[test]
fn an_undeclared_secondary_choice_is_noted_in_a_true_in_sync() {
    let spec = fixtures::spec();
    let observed = Observed { aws: AwsRead::Read(Box::new(fixtures::snapshot())), ..Observed::default() };
    let a = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &observed, now());
    let in_sync = find_condition(&a.status.conditions, ConditionType::InSync).expect("InSync");
    assert_eq!(in_sync.status, crate::api::ConditionStatus::True);
    assert!(
        in_sync.message.starts_with("The live Route 53 and DynamoDB resources match the spec. "),
        "{}",
        in_sync.message
    );
    assert!(in_sync.message.contains("spec.dns.secondaryHealthCheck: Absent"), "{}", in_sync.message);
    let mut declared = spec.clone();
    declared.dns.secondary_health_check = Some(crate::api::SecondaryHealthCheck::Absent);
    let a = assemble(&declared, Some(1), &RegionalFailoverStatus::default(), &observed, now());
    let in_sync = find_condition(&a.status.conditions, ConditionType::InSync).expect("InSync");
    assert_eq!(in_sync.message, "The live Route 53 and DynamoDB resources match the spec.");
}

#[test]
fn a_denied_probe_call_stays_visible_until_a_probe_completes() {
    let mut spec = fixtures::spec();
    spec.table.replication_probe.enabled = true;
    let region = spec.secondary.region.clone();
    let mut denied = crate::aws::AwsError::new(
        crate::aws::Service::DynamoDb,
        "GetItem",
        crate::aws::ErrorKind::AccessDenied,
        "User: arn:aws:sts::123456789012:assumed-role/op/rf is not authorized to perform: dynamodb:GetItem on \
         resource: arn:aws:dynamodb:us-west-2:123456789012:table/profiles",
    );
    denied.region = Some(region.clone());
    let verified = Observed {
        aws: AwsRead::Read(Box::new(fixtures::snapshot())),
        dns_answer: Some(Ok(vec![spec.primary.endpoint.clone()])),
        ..Observed::default()
    };
    let probed = Observed {
        lag_probe: Some(LagProbe { lags: vec![(region.clone(), None)], probed_at: now() }),
        probe_error: Some(denied),
        ..verified.clone()
    };
    let a = assemble(&spec, Some(1), &RegionalFailoverStatus::default(), &probed, now());
    let failure = a.status.replication.as_ref().and_then(|r| r.probe_failure.clone()).expect("recorded");
    assert_eq!((failure.action.as_str(), failure.error.as_str()), ("dynamodb:GetItem", "denied"));
    let replication = find_condition(&a.status.conditions, ConditionType::ReplicationHealthy).expect("condition");
    assert_eq!(
        (replication.status, replication.reason.as_str()),
        (crate::api::ConditionStatus::Unknown, "AccessDenied")
    );
    assert!(replication.message.contains("lacks dynamodb:GetItem on arn:aws:dynamodb:us-west-2:"), "{replication:?}");
    let ready = find_condition(&a.status.conditions, ConditionType::Ready).expect("Ready");
    assert_eq!(ready.reason, "AccessDenied", "{ready:?}");
    let warned =
        a.events.iter().find(|e| e.reason == crate::status::EventReason::AccessDenied).expect("an AccessDenied event");
    assert!(warned.note.contains("lacks dynamodb:GetItem"), "{}", warned.note);

    // Verifications between probes keep it: the condition does not flap.
    let later = now() + chrono::Duration::seconds(60);
    let b = assemble(&spec, Some(1), &a.status, &verified, later);
    assert_eq!(b.status.replication.as_ref().and_then(|r| r.probe_failure.as_ref()), Some(&failure));
    assert_eq!(find_condition(&b.status.conditions, ConditionType::ReplicationHealthy), Some(replication));
    assert!(b.events.is_empty(), "{:?}", b.events);

    // A probe that completes clears it.
    let fixed = Observed {
        lag_probe: Some(LagProbe { lags: vec![(region, Some(0.4))], probed_at: later }),
        ..verified.clone()
    };
    let c = assemble(&spec, Some(1), &b.status, &fixed, later);
    assert_eq!(c.status.replication.as_ref().and_then(|r| r.probe_failure.as_ref()), None);
    let replication = find_condition(&c.status.conditions, ConditionType::ReplicationHealthy).expect("condition");
    assert_eq!(replication.status, crate::api::ConditionStatus::True, "{replication:?}");
}
