//! The AWS adapters against the project's local AWS endpoint (moto + fidelity layer): resources
//! are created with the official SDK, then read back through the adapters.

mod support;

use std::{sync::Arc, time::Duration};

use aws_sdk_route53::types::RrType;
use chrono::Utc;
use regional_failover::{
    api::{HealthSource, HealthState, RegionalFailover, RegionalFailoverStatus},
    aws::{Budget, BudgetConfig, ErrorKind, FailsafeSchedule, Service},
    observe, status,
    verify::FailoverRole,
};
use serde_json::json;
use support::{
    aws_fixtures::{self as fx, PRIMARY, SECONDARY},
    endpoint::{healthy_endpoint, stoppable_endpoint},
    localaws::{LocalAws, eventually},
};

fn generous_budget() -> Arc<Budget> {
    Arc::new(Budget::new(BudgetConfig {
        route53_rps: 10_000.0,
        health_status_rps: 10_000.0,
        dynamodb_rps: 10_000.0,
        ..BudgetConfig::default()
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_reads_health_check_zone_records_and_global_table() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let (r53, east) = (local.route53().await, local.dynamodb("us-east-1").await);
    let port = healthy_endpoint().await;
    local.control(
        "POST",
        "/endpoints",
        Some(&json!({"host": PRIMARY, "port": 80, "target": format!("127.0.0.1:{port}")})),
    );
    let hc = fx::health_check(&r53, PRIMARY, 80).await;
    let zone = fx::zone(&r53, "example.com").await;
    let mut changes = fx::failover_changes("API.example.com", RrType::Cname, (PRIMARY, SECONDARY), Some(&hc));
    changes.push(fx::simple_change("www.example.com", RrType::Cname, PRIMARY));
    fx::change(&r53, &zone, changes).await;
    fx::global_table(&east, "profiles").await;

    let aws = local.aws(Arc::new(Budget::default())).await;
    eventually("three healthy checker observations", Duration::from_secs(30), || async {
        let obs = aws.get_health_check_status(&hc).await.expect("GetHealthCheckStatus");
        (obs.len() == 3 && obs.iter().all(|o| o.healthy())).then_some(())
    })
    .await;

    let snap = aws.snapshot(&fx::spec(&zone, &hc, "api.example.com.", "profiles"), true).await.expect("snapshot");

    let h = snap.health_check.as_ref().expect("health check exists");
    assert_eq!((h.id.as_str(), h.kind.as_str(), h.fqdn.as_deref()), (hc.as_str(), "HTTP", Some(PRIMARY)));
    assert_eq!((h.port, h.resource_path.as_deref()), (Some(80), Some("/health")));
    assert_eq!((h.request_interval, h.failure_threshold, h.inverted, h.disabled), (Some(10), Some(3), false, false));
    let mut regions = h.regions.clone();
    regions.sort();
    assert_eq!(regions, vec!["eu-west-1", "us-east-1", "us-west-1"]);

    let mut checkers: Vec<_> = snap.checker_observations.iter().map(|c| c.region.as_str()).collect();
    checkers.sort();
    assert_eq!(checkers, vec!["eu-west-1", "us-east-1", "us-west-1"]);
    assert!(snap.checker_observations.iter().all(|c| c.healthy() && c.checked_at.is_some()), "{snap:?}");

    let z = snap.zone.as_ref().expect("zone exists");
    assert_eq!((z.id.as_str(), z.name.as_str()), (zone.as_str(), "example.com"));
    assert!(!z.name_servers.is_empty() && z.name_servers.iter().all(|n| !n.ends_with('.')), "{z:?}");

    // Only the record name's records, normalized; www and the zone's NS/SOA are filtered out.
    let mut records = snap.records.clone();
    records.sort_by_key(|r| r.set_identifier.clone());
    assert_eq!(records.len(), 2, "{records:?}");
    let (p, s) = (&records[0], &records[1]);
    assert_eq!(
        (p.name.as_str(), p.kind.as_str(), p.failover),
        ("api.example.com", "CNAME", Some(FailoverRole::Primary))
    );
    assert_eq!(
        (p.values.clone(), p.ttl, p.health_check_id.as_deref()),
        (vec![PRIMARY.to_string()], Some(60), Some(hc.as_str()))
    );
    assert_eq!(
        (s.failover, s.values.clone(), s.health_check_id.clone()),
        (Some(FailoverRole::Secondary), vec![SECONDARY.to_string()], None)
    );

    let t = snap.primary_table.as_ref().expect("primary table");
    assert_eq!(
        (t.region.as_str(), t.status.as_str(), t.global_table_version.as_deref()),
        ("us-east-1", "ACTIVE", Some("2019.11.21"))
    );
    assert_eq!(t.replicas, vec![("us-west-2".to_string(), "ACTIVE".to_string())]);
    assert!(t.stream_enabled && t.pitr_enabled);
    assert_eq!(
        (t.stream_view_type.as_deref(), t.billing_mode.as_deref(), t.sse_type.as_deref()),
        (Some("NEW_AND_OLD_IMAGES"), Some("PAY_PER_REQUEST"), Some("KMS"))
    );
    let [(region, Some(w))] = snap.replica_tables.as_slice() else { panic!("one replica: {:?}", snap.replica_tables) };
    assert_eq!((region.as_str(), w.region.as_str(), w.status.as_str()), ("us-west-2", "us-west-2", "ACTIVE"));
    assert!(!w.pitr_enabled, "PITR was enabled only in the primary");
    assert!(w.sse_kms_key.as_deref().is_some_and(|k| k.contains(":us-west-2:")), "{w:?}");

    // Missing resources are None / empty, not errors.
    let missing = aws
        .snapshot(&fx::spec("ZNOSUCHZONE", "0000-missing", "api.example.com", "nope"), true)
        .await
        .expect("snapshot");
    assert!(missing.health_check.is_none() && missing.zone.is_none() && missing.primary_table.is_none());
    assert!(missing.records.is_empty() && missing.checker_observations.is_empty());
    assert_eq!(missing.replica_tables, vec![("us-west-2".to_string(), None)]);
}

/// Waits for the zone listing that starts after the first objects read their records by name.
async fn zone_listed(aws: &regional_failover::aws::Aws, zone: &str) {
    eventually("the zone's first listing", Duration::from_secs(10), || async { aws.zone_listed(zone).then_some(()) })
        .await;
}

/// Calls for 1 object and for 100 objects in one zone (cost grows with zones, not objects): before
/// the zone's first listing, two objects read their own records by name (one call each, even on
/// page 2), the rest wait for the listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_zone_listing_serves_a_hundred_objects() {
    let local = LocalAws::start(&["--time-scale", "1"]);
    let (r53, east) = (local.route53().await, local.dynamodb("us-east-1").await);
    let zone = fx::zone(&r53, "example.com").await;
    let mut hcs = Vec::new();
    let mut changes = Vec::new();
    for i in 0..100 {
        // Port 9 on loopback refuses: the checks fail, which does not matter for counting.
        let hc = fx::health_check(&r53, &format!("svc{i}.example.net"), 9).await;
        changes.extend(fx::failover_changes(
            &format!("svc{i}.example.com"),
            RrType::Cname,
            (PRIMARY, SECONDARY),
            Some(&hc),
        ));
        hcs.push(hc);
    }
    // 150 unrelated records push the zone (352 record sets) past one 300-record page.
    changes.extend((0..150).map(|i| fx::simple_change(&format!("filler{i}.example.com"), RrType::A, "192.0.2.1")));
    fx::change(&r53, &zone, changes).await;
    fx::global_table(&east, "profiles").await;
    let specs: Vec<_> =
        (0..100).map(|i| fx::spec(&zone, &hcs[i], &format!("svc{i}.example.com"), "profiles")).collect();

    let one = local.aws(generous_budget()).await;
    let snap = one.snapshot(&specs[0], true).await.expect("snapshot");
    assert_eq!(snap.records.len(), 2);
    zone_listed(&one, &zone).await;
    let calls_one = one.budget().attempts_by_operation();

    let hundred = local.aws(generous_budget()).await;
    let snaps = futures::future::join_all(specs.iter().map(|s| hundred.snapshot(s, true))).await;
    for (i, s) in snaps.iter().enumerate() {
        let s = s.as_ref().expect("snapshot");
        assert_eq!(s.records.len(), 2, "object {i} sees its own two records (some are on page 2)");
        assert!(s.records.iter().all(|r| r.name == format!("svc{i}.example.com")));
        assert_eq!(s.health_check.as_ref().map(|h| h.id.as_str()), Some(hcs[i].as_str()));
    }
    zone_listed(&hundred, &zone).await;
    let calls_hundred = hundred.budget().attempts_by_operation();
    let get = |m: &std::collections::BTreeMap<(Service, &'static str), u64>, op: &str| {
        m.iter().filter(|((_, o), _)| *o == op).map(|(_, n)| *n).sum::<u64>()
    };
    eprintln!("calls for 1 object:    {calls_one:?}");
    eprintln!("calls for 100 objects: {calls_hundred:?}");
    for (op, per_one, per_hundred) in [
        ("GetHostedZone", 1, 1),
        // 1 and 2 reads by name, then the listing's 2 pages.
        ("ListResourceRecordSets", 3, 4),
        ("ListHealthChecks", 1, 1),
        ("GetHealthCheck", 0, 0),
        ("GetHealthCheckStatus", 1, 100),
        ("DescribeTable", 2, 2),
        ("DescribeContinuousBackups", 2, 2),
        // ReplicationLatency: one read per table per source region (primary → replica, replica →
        // primary), shared by every object of the table.
        ("GetMetricData", 2, 2),
    ] {
        assert_eq!(get(&calls_one, op), per_one, "{op} for 1 object");
        assert_eq!(get(&calls_hundred, op), per_hundred, "{op} for 100 objects");
    }
    assert_eq!(hundred.zone_records().fetches(), 1, "one listing of the zone for all 100 objects");

    // A second cycle inside the freshness window costs nothing; after invalidation, one listing.
    let before = hundred.budget().total_attempts();
    for s in &specs[..10] {
        hundred.snapshot(s, false).await.expect("cached snapshot");
    }
    assert_eq!(hundred.budget().total_attempts(), before);
    hundred.invalidate_zone(&zone);
    hundred.snapshot(&specs[0], false).await.expect("snapshot");
    assert_eq!(get(&hundred.budget().attempts_by_operation(), "ListResourceRecordSets"), 6);

    // A name without records: finding none by name proves nothing, so the snapshot waits for the
    // whole listing, which alone may report the records missing.
    let fresh = local.aws(generous_budget()).await;
    let absent = fx::spec(&zone, &hcs[0], "absent.example.com", "profiles");
    assert!(fresh.snapshot(&absent, false).await.expect("snapshot").records.is_empty());
    assert!(fresh.zone_listed(&zone), "the listing ended before the snapshot did");
    assert_eq!(get(&fresh.budget().attempts_by_operation(), "ListResourceRecordSets"), 3);
}

/// GetHealthCheckStatus (about 1/s per account) is asked only when DNS does not already show
/// the primary healthy: once for checker detail, then never while the answer names the primary,
/// and again as soon as it names the secondary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkers_are_asked_only_when_dns_does_not_name_the_primary() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let (r53, east, west) =
        (local.route53().await, local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let (port, endpoint) = stoppable_endpoint().await;
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, "gate.test", port).await;
    let manifest = fx::loopback_manifest("gate", "default", &zone, "gate.test", &hc, port, &local.dns.to_string());
    let rf: RegionalFailover = serde_saphyr::from_str(&manifest).expect("manifest");
    let aws = local.aws(Arc::new(Budget::default())).await;
    let status_reads = || aws.budget().attempts(Service::Route53, "GetHealthCheckStatus");
    let cycle = |previous: RegionalFailoverStatus| {
        let (spec, aws) = (&rf.spec, &aws);
        async move {
            aws.age_caches(Duration::from_secs(3600));
            let now = Utc::now();
            let observed = observe::observe(spec, &previous, aws, now).await;
            status::assemble(spec, Some(1), &previous, &observed, now).status
        }
    };

    let first = cycle(RegionalFailoverStatus::default()).await;
    let health = first.health.clone().expect("health");
    assert_eq!((health.status, health.source), (HealthState::Healthy, HealthSource::Checkers));
    assert_eq!(status_reads(), 1, "checker detail is read once");

    let mut last = first;
    for _ in 0..3 {
        last = cycle(last).await;
        let health = last.health.clone().expect("health");
        assert_eq!((health.status, health.source), (HealthState::Healthy, HealthSource::Dns));
        assert_eq!(last.active_region.as_deref(), Some("us-east-1"));
    }
    assert_eq!(status_reads(), 1, "while DNS names the primary, the checkers are not asked");

    endpoint.abort();
    let mut failed_over = None;
    for _ in 0..60 {
        last = cycle(last).await;
        if last.active_region.as_deref() == Some("us-west-2") {
            failed_over = Some(last.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let failed_over = failed_over.expect("DNS fails over within 15 s at time scale 0.1");
    let health = failed_over.health.expect("health");
    assert_eq!((health.status, health.source), (HealthState::Unhealthy, HealthSource::Checkers));
    assert_eq!(status_reads(), 2, "the answer naming the secondary made the operator ask why");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_writes_probes_and_failsafe_schedule() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let (r53, east) = (local.route53().await, local.dynamodb("us-east-1").await);
    let hc = fx::health_check(&r53, PRIMARY, 9).await;
    let zone = fx::zone(&r53, "example.com").await;
    fx::change(&r53, &zone, fx::failover_changes("api.example.com", RrType::Cname, (PRIMARY, SECONDARY), None)).await;
    fx::global_table(&east, "profiles").await;
    let aws = local.aws(Arc::new(Budget::default())).await;

    // Inverted changes alone, conditional on HealthCheckVersion; the rest of the configuration survives.
    let before = aws.get_health_check(&hc).await.expect("read").expect("exists");
    let v = before.version.expect("Route 53 reports HealthCheckVersion");
    let stale = aws.update_health_check_inverted(&hc, true, Some(v + 5)).await.expect_err("a stale version is refused");
    assert_eq!(stale.kind, ErrorKind::Conflict, "{stale}");
    let new_version = aws.update_health_check_inverted(&hc, true, Some(v)).await.expect("invert");
    assert_eq!(new_version, Some(v + 1), "every update increments the version");
    let after = aws.get_health_check(&hc).await.expect("read").expect("exists");
    assert!(after.inverted && !after.disabled);
    assert_eq!(hc_settings(&after), hc_settings(&before));
    assert!(aws.get_health_check("0000-missing").await.expect("read").is_none());

    // Failsafe: a one-time schedule that restores Inverted=false; local AWS fires it on time.
    // 6 s ahead: the schedule must still exist for the rival create and the read below, also on a
    // loaded machine (it fired and deleted itself first once, at 2 s, under a parallel test run).
    let schedule = FailsafeSchedule {
        name: "rf-test-failsafe".into(),
        group: "default".into(),
        description: "test holder".into(),
        at: Utc::now() + chrono::Duration::seconds(6),
        role_arn: "arn:aws:iam::123456789012:role/failsafe".into(),
        health_check_id: hc.clone(),
        inverted: false,
    };
    let arn = aws.create_failsafe_schedule("us-east-1", &schedule).await.expect("CreateSchedule");
    assert!(arn.contains("rf-test-failsafe"), "{arn}");
    let mut rival = schedule.clone();
    rival.description = "another drill".into();
    let taken = aws.create_failsafe_schedule("us-east-1", &rival).await.expect_err("the name is taken: a lock");
    assert_eq!(taken.kind, ErrorKind::Conflict, "{taken}");
    let got = aws.get_schedule("us-east-1", "rf-test-failsafe", "default").await.expect("GetSchedule").expect("exists");
    assert_eq!(
        (got.expression, got.target_arn.as_str()),
        (schedule.expression(), regional_failover::aws::UPDATE_HEALTH_CHECK_TARGET)
    );
    let input: serde_json::Value = serde_json::from_str(got.input.as_deref().unwrap_or("null")).expect("json input");
    assert_eq!(input, json!({"HealthCheckId": hc, "Inverted": false}), "the fail-safe touches Inverted only");
    assert_eq!(got.description.as_deref(), Some("test holder"), "the first holder keeps the lock");
    eventually("the failsafe schedule to restore the health check", Duration::from_secs(30), || async {
        let h = aws.get_health_check(&hc).await.expect("read").expect("exists");
        (!h.inverted).then_some(())
    })
    .await;
    // ActionAfterCompletion DELETE removed it; deleting again is still fine.
    assert!(aws.get_schedule("us-east-1", "rf-test-failsafe", "default").await.expect("GetSchedule").is_none());
    aws.delete_schedule("us-east-1", "rf-test-failsafe", "default").await.expect("delete of a missing schedule is Ok");

    // Route 53's own answer (TestDNSAnswer, not an operator call): no health check on PRIMARY counts healthy.
    let r53 = local.route53().await;
    let out = r53
        .test_dns_answer()
        .hosted_zone_id(&zone)
        .record_name("api.example.com")
        .record_type(aws_sdk_route53::types::RrType::Cname)
        .send()
        .await
        .expect("TestDNSAnswer");
    let answer: Vec<&str> = out.record_data().iter().map(|v| v.trim_end_matches('.')).collect();
    assert_eq!(answer, vec![PRIMARY]);

    // Replication canary: written in the primary, seen in the replica, deleted everywhere.
    local.control("POST", "/replication", Some(&json!({"delaySeconds": 0.3})));
    let item =
        aws.put_probe("us-east-1", "profiles", "pk", "t1", Utc::now(), Duration::from_secs(3600)).await.expect("put");
    assert_eq!(item.key, "regionalfailover-probe#t1");
    let seen = eventually("the probe in us-west-2", Duration::from_secs(10), || async {
        aws.get_probe("us-west-2", "profiles", "pk", "t1").await.expect("get")
    })
    .await;
    assert_eq!(seen.written_at.timestamp_millis(), item.written_at.timestamp_millis());
    assert_eq!(seen.expires_at, item.expires_at);
    aws.delete_probe("us-east-1", "profiles", "pk", "t1").await.expect("delete");
    eventually("the probe gone from us-west-2", Duration::from_secs(10), || async {
        aws.get_probe("us-west-2", "profiles", "pk", "t1").await.expect("get").is_none().then_some(())
    })
    .await;
}

fn hc_settings(h: &regional_failover::verify::HealthCheckObserved) -> impl PartialEq + std::fmt::Debug {
    (
        h.kind.clone(),
        h.fqdn.clone(),
        h.port,
        h.resource_path.clone(),
        h.request_interval,
        h.failure_threshold,
        h.regions.clone(),
    )
}

/// The canary item written in the primary shows up in the replica only after the replication delay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_item_arrives_in_the_replica_after_the_replication_delay() {
    let local = LocalAws::start(&["--time-scale", "0.05"]);
    let east = local.dynamodb("us-east-1").await;
    fx::global_table(&east, "profiles").await;
    local.control("POST", "/replication", Some(&json!({"delaySeconds": 0.5})));
    let aws = local.aws(Arc::new(Budget::default())).await;
    let started = std::time::Instant::now();
    aws.put_probe("us-east-1", "profiles", "pk", "lag", Utc::now(), Duration::from_secs(3600)).await.expect("put");
    let item = eventually("the probe item in us-west-2", Duration::from_secs(20), || async {
        aws.get_probe("us-west-2", "profiles", "pk", "lag").await.expect("get")
    })
    .await;
    let lag = started.elapsed();
    assert!(lag >= Duration::from_millis(450), "arrived after the delay, not before: {lag:?}");
    assert!(item.key.starts_with("regionalfailover-probe#"));
    aws.delete_probe("us-east-1", "profiles", "pk", "lag").await.expect("delete");
}
