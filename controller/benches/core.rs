//! Throughput of the pure core: verification, status assembly, conditions and events, the small
//! helpers, and the spec check that runs on every reconcile. Each benchmark is one call, so
//! criterion's elements/s is calls per second.
//!
//! Inputs: the seed scenario `examples/profile-api.yaml`, and AWS snapshots built by hand that
//! match it exactly or differ from it in the health check, the records and the table.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use regional_failover::api::validate::spec_error;
use regional_failover::api::{
    ConditionStatus, RegionalFailover, RegionalFailoverSpec, RegionalFailoverStatus, validate::parse_manifests,
};
use regional_failover::status::{self, Assembled, LagProbe, Observed, StatusInput};
use regional_failover::verify::{
    self, AwsSnapshot, CheckerObservation, FailoverRole, HealthCheckObserved, RecordObserved, TableObserved,
    VerifyContext, ZoneObserved,
};

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/profile-api.yaml");

/// Route 53 checker regions; each has a few checkers, as `GetHealthCheckStatus` reports them.
const CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").expect("a valid RFC 3339 literal").with_timezone(&Utc)
}

/// The seed scenario, parsed and CEL-checked as `regional-failover check` does.
fn seed_object() -> RegionalFailover {
    let yaml = std::fs::read_to_string(MANIFEST).expect("examples/profile-api.yaml is part of the repository");
    parse_manifests(&yaml)
        .expect("the seed scenario is a valid RegionalFailover")
        .into_iter()
        .next()
        .expect("parse_manifests returns at least one object")
}

fn health_check(spec: &RegionalFailoverSpec) -> HealthCheckObserved {
    let hc = &spec.health_check;
    HealthCheckObserved {
        id: hc.id.clone(),
        kind: verify::health_check_type_str(hc.kind).to_string(),
        fqdn: Some(spec.primary.endpoint.clone()),
        ip_address: None,
        port: Some(hc.port),
        resource_path: Some(hc.resource_path.clone()),
        request_interval: Some(hc.request_interval_seconds),
        failure_threshold: Some(hc.failure_threshold),
        inverted: false,
        disabled: false,
        version: Some(1),
        regions: CHECKER_REGIONS.iter().map(|r| r.to_string()).collect(),
        child_health_checks: vec![],
        health_threshold: None,
        alarm: None,
        insufficient_data_health_status: None,
    }
}

fn record(spec: &RegionalFailoverSpec, role: FailoverRole) -> RecordObserved {
    let (set_id, target, hc) = match role {
        FailoverRole::Primary => {
            (&spec.dns.primary_set_identifier, &spec.primary.endpoint, Some(spec.health_check.id.clone()))
        }
        FailoverRole::Secondary => (&spec.dns.secondary_set_identifier, &spec.secondary.endpoint, None),
    };
    RecordObserved {
        name: spec.dns.record_name.clone(),
        kind: verify::record_type_str(spec.dns.record_type).to_string(),
        set_identifier: Some(set_id.clone()),
        failover: Some(role),
        health_check_id: hc,
        ttl: Some(spec.dns.max_ttl_seconds),
        values: vec![target.clone()],
        alias: false,
        evaluate_target_health: false,
        alias_zone: None,
    }
}

fn table(spec: &RegionalFailoverSpec, region: &str) -> TableObserved {
    let regions = std::iter::once(&spec.primary.region).chain(&spec.table.replica_regions);
    TableObserved {
        region: region.to_string(),
        name: spec.table.name.clone(),
        status: "ACTIVE".into(),
        global_table_version: Some(verify::GLOBAL_TABLE_VERSION.into()),
        replicas: regions.map(|r| (r.clone(), "ACTIVE".to_string())).collect(),
        stream_enabled: true,
        stream_view_type: Some(verify::stream_view_type_str(spec.table.stream_view_type).to_string()),
        billing_mode: Some("PAY_PER_REQUEST".into()),
        sse_type: None,
        sse_kms_key: None,
        pitr_enabled: spec.table.point_in_time_recovery,
        replica_inaccessible_since: vec![],
        multi_region_consistency: Some("EVENTUAL".into()),
        witnesses: vec![],
    }
}

/// Three checkers per region, all with the given status text.
fn checker_observations(status: &str) -> Vec<CheckerObservation> {
    CHECKER_REGIONS
        .iter()
        .flat_map(|region| std::iter::repeat_n(region, 3))
        .enumerate()
        .map(|(i, region)| CheckerObservation {
            region: region.to_string(),
            status: status.to_string(),
            checked_at: Some(now() - chrono::Duration::seconds(i as i64)),
        })
        .collect()
}

/// AWS exactly as the spec declares it, with every checker seeing the primary healthy.
fn matching_snapshot(spec: &RegionalFailoverSpec) -> AwsSnapshot {
    AwsSnapshot {
        health_check: Some(health_check(spec)),
        checker_observations: checker_observations("Success: HTTP Status Code 200, OK"),
        records: vec![record(spec, FailoverRole::Primary), record(spec, FailoverRole::Secondary)],
        zone: Some(ZoneObserved {
            id: spec.dns.hosted_zone_id.clone(),
            name: "example.com".into(),
            name_servers: (1..=4).map(|i| format!("ns-{i}.awsdns-0{i}.org")).collect(),
        }),
        primary_table: Some(table(spec, &spec.primary.region)),
        replica_tables: spec.table.replica_regions.iter().map(|r| (r.clone(), Some(table(spec, r)))).collect(),
        ..AwsSnapshot::default()
    }
}

/// AWS that differs from the spec almost everywhere: a reconfigured, inverted and disabled health
/// check; records with the wrong targets, TTL, set identifiers and health check, plus a stray
/// simple record; a table whose stream, PITR, billing, encryption and replicas all drifted. The
/// checkers see the primary failing.
fn drifted_snapshot(spec: &RegionalFailoverSpec) -> AwsSnapshot {
    let mut snap = matching_snapshot(spec);
    snap.checker_observations = checker_observations("Failure: Connection refused");
    if let Some(hc) = snap.health_check.as_mut() {
        hc.kind = "HTTP".into();
        hc.port = Some(8080);
        hc.resource_path = Some("/".into());
        hc.request_interval = Some(30);
        hc.failure_threshold = Some(5);
        hc.fqdn = Some("old-primary.api.example.com".into());
        hc.inverted = true;
        hc.disabled = true;
        hc.regions.truncate(2);
    }
    for rec in &mut snap.records {
        rec.ttl = Some(3600);
        rec.values = vec![format!("stale-{}", rec.values.first().map_or("", String::as_str))];
        rec.set_identifier = rec.set_identifier.as_ref().map(|s| format!("{s}-old"));
        rec.health_check_id = rec.health_check_id.as_ref().map(|_| "another-health-check".to_string());
    }
    snap.records.push(RecordObserved {
        name: spec.dns.record_name.clone(),
        kind: "A".into(),
        set_identifier: None,
        failover: None,
        health_check_id: None,
        ttl: Some(300),
        values: vec!["192.0.2.10".into()],
        alias: false,
        evaluate_target_health: false,
        alias_zone: None,
    });
    if let Some(t) = snap.primary_table.as_mut() {
        t.status = "UPDATING".into();
        t.global_table_version = Some("2017.11.29".into());
        t.stream_enabled = false;
        t.stream_view_type = Some("KEYS_ONLY".into());
        t.billing_mode = Some("PROVISIONED".into());
        t.sse_type = Some("KMS".into());
        t.sse_kms_key = Some("arn:aws:kms:us-east-1:123456789012:key/abcd".into());
        t.pitr_enabled = false;
        for (_, state) in &mut t.replicas {
            *state = "CREATING".into();
        }
    }
    for (_, replica) in &mut snap.replica_tables {
        *replica = None;
    }
    snap
}

/// One reconcile's observations: the snapshot, the DNS answer and a replication probe.
fn observed(spec: &RegionalFailoverSpec, snapshot: AwsSnapshot, answer: &str, lag: f64) -> Observed {
    Observed {
        aws: status::AwsRead::Read(Box::new(snapshot)),
        dns_answer: Some(Ok(vec![answer.to_string()])),
        lag_probe: Some(LagProbe {
            lags: spec.table.replica_regions.iter().map(|r| (r.clone(), Some(lag))).collect(),
            probed_at: now(),
        }),
        ..Observed::default()
    }
}

fn status_input<'a>(
    spec: &'a RegionalFailoverSpec,
    status: &'a RegionalFailoverStatus,
    predicted_rto_seconds: u32,
) -> StatusInput<'a> {
    StatusInput {
        spec_error: None,
        aws_error: None,
        findings: &status.drift,
        health: status.health.as_ref(),
        replication: status.replication.as_ref(),
        objectives: &spec.objectives,
        predicted_rto_seconds,
        last_drill: None,
        drill_in_progress: false,
        check_inverted: false,
        check_disabled: false,
        metrics_error: None,
        primary_region: &spec.primary.region,
        remote_loss: None,
    }
}

/// Shared inputs, with the properties each benchmark relies on checked once.
struct Inputs {
    object: RegionalFailover,
    in_sync: AwsSnapshot,
    drifted: AwsSnapshot,
    healthy_obs: Observed,
    drifted_obs: Observed,
    /// The status after a healthy, in-sync cycle.
    steady: RegionalFailoverStatus,
    /// The status after a cycle that found drift and a failing primary.
    degraded: RegionalFailoverStatus,
}

impl Inputs {
    fn new() -> Self {
        let object = seed_object();
        assert_eq!(spec_error(&object), None, "the seed scenario passes the spec check");
        let spec = &object.spec;
        let in_sync = matching_snapshot(spec);
        let drifted = drifted_snapshot(spec);
        let ctx = VerifyContext::default();
        let clean = verify::verify(spec, &in_sync, &ctx);
        assert!(clean.is_empty(), "the matching snapshot must not drift: {clean:#?}");
        let drift = verify::verify(spec, &drifted, &ctx);
        assert!(drift.len() >= 15, "the drifted snapshot must differ in many places: {drift:#?}");

        let healthy_obs = observed(spec, in_sync.clone(), &spec.primary.endpoint, 0.8);
        let drifted_obs = observed(spec, drifted.clone(), &spec.secondary.endpoint, 42.0);
        let first = status::assemble(spec, Some(1), &RegionalFailoverStatus::default(), &healthy_obs, now());
        let steady = first.status;
        let in_sync_condition =
            status::find_condition(&steady.conditions, status::ConditionType::InSync).expect("InSync is always set");
        assert_eq!(in_sync_condition.status, ConditionStatus::True, "{:#?}", steady.conditions);
        let degraded = status::assemble(spec, Some(1), &steady, &drifted_obs, now()).status;
        Inputs { object, in_sync, drifted, healthy_obs, drifted_obs, steady, degraded }
    }

    fn spec(&self) -> &RegionalFailoverSpec {
        &self.object.spec
    }
}

/// A group whose throughput is one call per iteration, so criterion reports calls per second.
fn calls<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g
}

fn bench_verify(c: &mut Criterion) {
    let inputs = Inputs::new();
    let spec = inputs.spec();
    let ctx = VerifyContext::default();
    let mut g = calls(c, "verify");
    g.bench_function("in_sync", |b| b.iter(|| verify::verify(black_box(spec), black_box(&inputs.in_sync), &ctx)));
    g.bench_function("drifted", |b| b.iter(|| verify::verify(black_box(spec), black_box(&inputs.drifted), &ctx)));
    g.finish();
}

fn bench_status(c: &mut Criterion) {
    let inputs = Inputs::new();
    let spec = inputs.spec();
    let later = now() + chrono::Duration::seconds(60);
    let cycle = |previous: &RegionalFailoverStatus, obs: &Observed| -> Assembled {
        status::assemble(black_box(spec), Some(1), black_box(previous), black_box(obs), later)
    };
    assert!(cycle(&inputs.steady, &inputs.healthy_obs).events.is_empty(), "an unchanged world emits no event");
    assert!(!cycle(&inputs.steady, &inputs.drifted_obs).events.is_empty(), "drift and an outage emit events");

    let predicted = verify::predicted_rto_seconds(spec, None);
    let steady_input = status_input(spec, &inputs.steady, predicted);
    let degraded_input = status_input(spec, &inputs.degraded, predicted);
    assert!(status::transitions(&inputs.steady.conditions, &inputs.steady.conditions).is_empty());
    assert!(!status::transitions(&inputs.steady.conditions, &inputs.degraded.conditions).is_empty());

    let mut g = calls(c, "status");
    g.bench_function("assemble/no_transition", |b| b.iter(|| cycle(&inputs.steady, &inputs.healthy_obs)));
    g.bench_function("assemble/transition", |b| b.iter(|| cycle(&inputs.steady, &inputs.drifted_obs)));
    g.bench_function("conditions/no_transition", |b| {
        b.iter(|| status::conditions(black_box(&steady_input), black_box(&inputs.steady.conditions), later, Some(1)))
    });
    g.bench_function("conditions/transition", |b| {
        b.iter(|| status::conditions(black_box(&degraded_input), black_box(&inputs.steady.conditions), later, Some(1)))
    });
    g.bench_function("transitions/none", |b| {
        b.iter(|| status::transitions(black_box(&inputs.steady.conditions), black_box(&inputs.steady.conditions)))
    });
    g.bench_function("transitions/drift_and_outage", |b| {
        b.iter(|| status::transitions(black_box(&inputs.steady.conditions), black_box(&inputs.degraded.conditions)))
    });
    g.finish();
}

fn bench_helpers(c: &mut Criterion) {
    let inputs = Inputs::new();
    let spec = inputs.spec();
    let observations = &inputs.drifted.checker_observations;
    let answer = vec![format!("{}.", spec.secondary.endpoint.to_uppercase()), "192.0.2.20".to_string()];
    assert_eq!(verify::active_region(&answer, spec).as_deref(), Some(spec.secondary.region.as_str()));

    let mut g = calls(c, "helpers");
    g.bench_function("health_from_observations/24_checkers", |b| {
        b.iter(|| verify::health_from_observations(black_box(observations), now()))
    });
    g.bench_function("predicted_rto_seconds", |b| b.iter(|| verify::predicted_rto_seconds(black_box(spec), None)));
    g.bench_function("active_region", |b| b.iter(|| verify::active_region(black_box(&answer), black_box(spec))));
    g.finish();
}

fn bench_spec_error(c: &mut Criterion) {
    let inputs = Inputs::new();
    let mut g = calls(c, "observe");
    g.bench_function("spec_error/valid", |b| b.iter(|| spec_error(black_box(&inputs.object))));
    g.finish();
}

criterion_group! {
    name = core;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30);
    targets = bench_verify, bench_status, bench_helpers, bench_spec_error
}
criterion_main!(core);
