//! The DynamoDB global table and its replicas.

use super::healthcheck::NOT_SET;
use super::{Code, TableObserved, finding, replica_state};
use crate::api::{Finding, RegionalFailoverSpec, ReplicaState, StreamViewType};

/// The only global table version whose replicas DynamoDB lists in `DescribeTable`.
pub const GLOBAL_TABLE_VERSION: &str = "2019.11.21";
const ACTIVE: &str = "ACTIVE";
/// `ReplicaState.status` of a replica region with no replica (design: status `MISSING`).
pub const MISSING: &str = "MISSING";

/// DynamoDB's spelling of a stream view type.
pub fn stream_view_type_str(v: StreamViewType) -> &'static str {
    match v {
        StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        StreamViewType::NewImage => "NEW_IMAGE",
        StreamViewType::OldImage => "OLD_IMAGE",
        StreamViewType::KeysOnly => "KEYS_ONLY",
    }
}

/// `dynamodb:<region>/<table>`.
pub fn table_resource(region: &str, table: &str) -> String {
    format!("dynamodb:{region}/{table}")
}

/// A replica region's state: the status the primary lists for it (or its own table's status when
/// that is not ACTIVE), or `Err(why)` when there is no replica.
fn replica_status<'a>(
    primary: &'a TableObserved,
    replicas: &'a [(String, Option<TableObserved>)],
    region: &str,
) -> Result<(&'a str, &'a TableObserved), String> {
    let listed = primary.replicas.iter().find(|(r, _)| r.eq_ignore_ascii_case(region));
    let table = replicas.iter().find(|(r, _)| r.eq_ignore_ascii_case(region)).and_then(|(_, t)| t.as_ref());
    match (listed, table) {
        (None, _) => Err(format!("the primary table lists replicas in {} only", list_regions(primary))),
        (Some(_), None) => Err(format!("the primary table lists one, but no table {} exists there", primary.name)),
        (Some((_, status)), Some(t)) if status == ACTIVE => Ok((t.status.as_str(), t)),
        (Some((_, status)), Some(t)) => Ok((status.as_str(), t)),
    }
}

fn list_regions(t: &TableObserved) -> String {
    if t.replicas.is_empty() {
        return "none".into();
    }
    t.replicas.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// Each `replicaRegions` entry with its status (`MISSING` when there is no replica); lag is left
/// for the replication probe to fill in.
pub fn replica_states(
    spec: &RegionalFailoverSpec,
    primary: Option<&TableObserved>,
    replicas: &[(String, Option<TableObserved>)],
) -> Vec<ReplicaState> {
    spec.table
        .replica_regions
        .iter()
        .map(|region| {
            let status =
                primary.and_then(|p| replica_status(p, replicas, region).ok()).map_or(MISSING, |(status, _)| status);
            ReplicaState { region: region.clone(), status: status.to_string(), ..ReplicaState::default() }
        })
        .collect()
}

/// Findings for the table; a missing primary table yields only [`Code::TableMissing`], a missing
/// replica only [`Code::ReplicaMissing`], a table that is no global table at all also one
/// `ReplicaMissing` per wanted region, and an older-version global table no replica findings
/// (its replicas are not visible that way).
pub fn check_table(
    spec: &RegionalFailoverSpec,
    primary: Option<&TableObserved>,
    replicas: &[(String, Option<TableObserved>)],
) -> Vec<Finding> {
    let name = &spec.table.name;
    let region = &spec.primary.region;
    let resource = table_resource(region, name);
    let Some(p) = primary else {
        return vec![finding(
            Code::TableMissing,
            &resource,
            "TableName",
            name,
            "not found",
            format!(
                "There is no DynamoDB table {name} in {region}: the primary has no data store to fail over. \
                 Create it (Terraform: aws_dynamodb_table) or correct spec.table.name."
            ),
        )];
    };
    let mut out = Vec::new();
    if p.status != ACTIVE {
        out.push(finding(
            Code::TableNotActive,
            &resource,
            "TableStatus",
            ACTIVE,
            &p.status,
            format!(
                "Table {name} in {region} is {}, not ACTIVE: writes may fail and replicas may not be kept in sync. \
                 Wait for the change to finish, or investigate if it stays so.",
                p.status
            ),
        ));
    }
    if !p.stream_enabled {
        out.push(finding(
            Code::StreamDisabled,
            &resource,
            "StreamSpecification.StreamEnabled",
            "true",
            "false",
            format!(
                "Table {name} has no stream: global tables replicate through it. Enable it (stream_enabled = true)."
            ),
        ));
    } else {
        let want = stream_view_type_str(spec.table.stream_view_type);
        let actual = p.stream_view_type.as_deref().unwrap_or(NOT_SET);
        if actual != want {
            out.push(finding(
                Code::StreamViewTypeMismatch,
                &resource,
                "StreamSpecification.StreamViewType",
                want,
                actual,
                format!(
                    "The stream of table {name} carries {actual} instead of {want}: replication and stream consumers need the declared images. \
                     Set stream_view_type = \"{want}\"."
                ),
            ));
        }
    }
    if spec.table.point_in_time_recovery && !p.pitr_enabled {
        out.push(pitr_finding(&resource, region, name, false));
    }
    let global = match p.global_table_version.as_deref() {
        None => {
            out.push(finding(
                Code::NotGlobalTable,
                &resource,
                "GlobalTableVersion",
                GLOBAL_TABLE_VERSION,
                NOT_SET,
                format!(
                    "Table {name} is not a global table: {} has no copy of the data to serve after a failover. \
                     Add replica {{ region_name = ... }} blocks for every replica region.",
                    spec.secondary.region
                ),
            ));
            false
        }
        Some(v) if v != GLOBAL_TABLE_VERSION => {
            out.push(finding(
                Code::GlobalTableVersionMismatch,
                &resource,
                "GlobalTableVersion",
                GLOBAL_TABLE_VERSION,
                v,
                format!(
                    "Table {name} is a version {v} global table: this operator checks (and AWS recommends) version {GLOBAL_TABLE_VERSION}. \
                     Upgrade it in the DynamoDB console (Global tables → Update version)."
                ),
            ));
            false
        }
        Some(_) => true,
    };
    // A table with no global-table version has no replicas at all (e.g. its last replica was
    // removed): each wanted replica is missing, which is the finding a person acts on.
    if global || p.global_table_version.is_none() {
        for r in &spec.table.replica_regions {
            check_replica(spec, p, replicas, r, &mut out);
        }
    }
    if global {
        out.extend(replica_state::check_consistency(spec, p, &resource));
    }
    out
}

fn pitr_finding(resource: &str, region: &str, name: &str, replica: bool) -> Finding {
    let fix = if replica {
        "Enable it on the replica (Terraform: replica { point_in_time_recovery = true })."
    } else {
        "Enable it (Terraform: point_in_time_recovery { enabled = true })."
    };
    finding(
        Code::PitrDisabled,
        resource,
        "PointInTimeRecoveryStatus",
        "ENABLED",
        "DISABLED",
        format!("Point-in-time recovery is off for {name} in {region}: a restore there could lose data. {fix}"),
    )
}

fn check_replica(
    spec: &RegionalFailoverSpec,
    p: &TableObserved,
    replicas: &[(String, Option<TableObserved>)],
    region: &str,
    out: &mut Vec<Finding>,
) {
    let name = &spec.table.name;
    let resource = table_resource(region, name);
    let (status, t) = match replica_status(p, replicas, region) {
        Ok(found) => found,
        Err(why) => {
            out.push(finding(
                Code::ReplicaMissing,
                &resource,
                "Replicas",
                format!("a replica in {region}"),
                &why,
                format!(
                    "Table {name} has no replica in {region}: {why}. After a failover that region would serve without the data. \
                     Add replica {{ region_name = \"{region}\" }}."
                ),
            ));
            return;
        }
    };
    if status != ACTIVE {
        let strong = p.multi_region_consistency.as_deref() == Some("STRONG");
        out.push(replica_state::replica_state_finding(name, region, &resource, status, strong));
    }
    if spec.table.point_in_time_recovery && !t.pitr_enabled {
        out.push(pitr_finding(&resource, region, name, true));
    }
    // DescribeTable omits BillingModeSummary for tables that were always provisioned.
    let billing = |x: &TableObserved| x.billing_mode.clone().unwrap_or_else(|| "PROVISIONED".into());
    if billing(t) != billing(p) {
        out.push(finding(
            Code::BillingModeMismatch,
            &resource,
            "BillingMode",
            billing(p),
            billing(t),
            format!(
                "The replica in {region} bills as {} while the primary bills as {}: after a failover it may throttle under the primary's load. \
                 Use the same billing mode in every region.",
                billing(t),
                billing(p)
            ),
        ));
    }
    // KMS keys are regional, so key ARNs always differ between regions: the type and whether a
    // customer key is named are what must agree. An absent SSEDescription means the owned key.
    let sse = |x: &TableObserved| {
        let kind = x.sse_type.clone().unwrap_or_else(|| "AES256".into());
        match &x.sse_kms_key {
            Some(_) => format!("{kind} (customer key)"),
            None => kind,
        }
    };
    if sse(t) != sse(p) {
        out.push(finding(
            Code::EncryptionMismatch,
            &resource,
            "SSEDescription",
            sse(p),
            sse(t),
            format!(
                "The replica in {region} is encrypted with {} while the primary uses {}: key policies and compliance differ by region. \
                 Configure the same encryption (Terraform: replica {{ kms_key_arn = ... }}).",
                sse(t),
                sse(p)
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
