//! A fleet of N RegionalFailovers in local AWS for the benchmarks: Z hosted zones, one HTTP
//! health check, one failover record pair and one global table per object, all in sync.
#![allow(dead_code)]

use aws_sdk_route53::types::RrType;
use futures::{StreamExt, stream};
use regional_failover::api::RegionalFailover;

use crate::support::{aws_fixtures as fx, localaws::LocalAws};

pub mod iam;

/// Route 53 takes at most 1,000 changes per ChangeResourceRecordSets batch.
const CHANGES_PER_BATCH: usize = 1000;
/// Requests in flight while seeding (local AWS is one Python process).
const SEED_CONCURRENCY: usize = 8;

pub struct Fleet {
    pub objects: Vec<RegionalFailover>,
    /// Bare zone IDs, one per zone.
    pub zones: Vec<String>,
    /// Record sets in all zones (each zone also holds its SOA and NS).
    pub record_sets: usize,
}

/// Creates `n` objects spread round-robin over `zones` zones, each with its own table;
/// `verify_interval` goes into each spec.
pub async fn seed(local: &LocalAws, n: usize, zones: usize, port: u16, verify_interval: u32) -> Fleet {
    seed_sharing(local, n, zones, n, port, verify_interval).await
}

/// Like [`seed`], but the objects share `tables` global tables round-robin (object i names table
/// i mod `tables`), as services of one application share its table.
pub async fn seed_sharing(
    local: &LocalAws,
    n: usize,
    zones: usize,
    tables: usize,
    port: u16,
    verify_interval: u32,
) -> Fleet {
    let tables = tables.clamp(1, n.max(1));
    let r53 = local.route53().await;
    let east = local.dynamodb("us-east-1").await;
    let west = local.dynamodb("us-west-2").await;
    let mut zone_ids = Vec::new();
    for z in 0..zones {
        zone_ids.push(fx::zone(&r53, &zone_name(z)).await);
    }
    let hcs: Vec<String> = stream::iter(0..n)
        .map(|_| fx::health_check_ip(&r53, "127.0.0.1", i32::from(port)))
        .buffered(SEED_CONCURRENCY)
        .collect()
        .await;
    for (z, zone_id) in zone_ids.iter().enumerate() {
        let changes: Vec<_> = (0..n)
            .filter(|i| i % zones == z)
            .flat_map(|i| {
                fx::failover_changes(&record_name(i, zones), RrType::A, ("127.0.0.1", "127.0.0.2"), Some(&hcs[i]))
            })
            .collect();
        for batch in changes.chunks(CHANGES_PER_BATCH) {
            fx::change(&r53, zone_id, batch.to_vec()).await;
        }
    }
    stream::iter(0..tables)
        .map(|i| {
            let (east, west) = (&east, &west);
            async move {
                fx::global_table(east, &table_name(i)).await;
                fx::set_pitr(west, &table_name(i), true).await;
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    let dns = local.dns.to_string();
    let objects = (0..n)
        .map(|i| {
            let place = Place { zones, zone_id: &zone_ids[i % zones], table: &table_name(i % tables) };
            let yaml = manifest(i, &place, &hcs[i], port, &dns, verify_interval);
            serde_saphyr::from_str(&yaml).expect("the fleet's manifest parses")
        })
        .collect();
    Fleet { objects, zones: zone_ids, record_sets: 2 * n + 2 * zones }
}

pub fn zone_name(z: usize) -> String {
    format!("zone{z}.bench")
}

pub fn record_name(i: usize, zones: usize) -> String {
    format!("svc{i}.{}", zone_name(i % zones))
}

pub fn table_name(i: usize) -> String {
    format!("profiles-{i}")
}

/// Where an object lives: how many zones the fleet spreads over, its zone and its table.
pub struct Place<'a> {
    pub zones: usize,
    pub zone_id: &'a str,
    pub table: &'a str,
}

/// The object's manifest: the same shape `kubectl apply -f` takes.
pub fn manifest(i: usize, place: &Place<'_>, hc: &str, port: u16, dns: &str, verify_interval: u32) -> String {
    format!(
        "apiVersion: regionalfailover.io/v1alpha1\nkind: RegionalFailover\nmetadata: {{ name: svc{i}, namespace: bench }}\n\
         spec:\n  primary: {{ region: us-east-1, endpoint: 127.0.0.1 }}\n  secondary: {{ region: us-west-2, endpoint: 127.0.0.2 }}\n\
         \x20 dns: {{ hostedZoneId: {zone_id}, recordName: {record}, recordType: A, nameservers: [\"{dns}\"] }}\n\
         \x20 healthCheck: {{ id: {hc}, type: HTTP, port: {port}, resourcePath: /health }}\n\
         \x20 table: {{ name: {table}, replicaRegions: [us-west-2] }}\n  verifyIntervalSeconds: {verify_interval}\n",
        zone_id = place.zone_id,
        record = record_name(i, place.zones),
        table = place.table,
    )
}
