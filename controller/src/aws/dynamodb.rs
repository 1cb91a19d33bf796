//! DynamoDB, one client per region: table state (for drift) and the replication canary item.

use std::time::Duration;

use aws_sdk_dynamodb::{
    operation::{describe_continuous_backups::DescribeContinuousBackupsOutput, describe_table::DescribeTableOutput},
    types::{AttributeValue, PointInTimeRecoveryStatus, SseStatus},
};
use chrono::{DateTime, Utc};

use super::{
    AwsError,
    budget::Service,
    client::{Aws, found, to_chrono},
};
use crate::verify::TableObserved;

/// Partition key prefix of canary items, so they are easy to recognize and never collide.
pub const PROBE_KEY_PREFIX: &str = "regionalfailover-probe#";
const WRITTEN_AT: &str = "writtenAt";
/// TTL attribute: the table's TTL setting (if on) removes probes we failed to delete.
const EXPIRES_AT: &str = "expiresAt";

/// A canary item as read back in some region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeItem {
    pub key: String,
    pub written_at: DateTime<Utc>,
    /// Epoch seconds.
    pub expires_at: i64,
}

impl Aws {
    /// `DescribeTable` + `DescribeContinuousBackups` in `region`; `None` when the table is missing.
    pub async fn describe_table(&self, region: &str, name: &str) -> Result<Option<TableObserved>, AwsError> {
        let client = self.dynamodb(region);
        let Some(table) = found(
            self.call(Service::DynamoDb, "DescribeTable", Some(region), || {
                client.describe_table().table_name(name).send()
            })
            .await,
        )?
        else {
            return Ok(None);
        };
        let backups = found(
            self.call(Service::DynamoDb, "DescribeContinuousBackups", Some(region), || {
                client.describe_continuous_backups().table_name(name).send()
            })
            .await,
        )?;
        Ok(table_observed(region, name, &table, backups.as_ref()))
    }

    /// Writes a canary item in `region` (the primary): key `regionalfailover-probe#<probe_id>`.
    pub async fn put_probe(
        &self,
        region: &str,
        table: &str,
        key_attribute: &str,
        probe_id: &str,
        written_at: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<ProbeItem, AwsError> {
        let item = ProbeItem {
            key: format!("{PROBE_KEY_PREFIX}{probe_id}"),
            written_at,
            expires_at: written_at.timestamp().saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
        };
        let client = self.dynamodb(region);
        self.call(Service::DynamoDb, "PutItem", Some(region), || {
            client
                .put_item()
                .table_name(table)
                .item(key_attribute, AttributeValue::S(item.key.clone()))
                .item(WRITTEN_AT, AttributeValue::N(item.written_at.timestamp_millis().to_string()))
                .item(EXPIRES_AT, AttributeValue::N(item.expires_at.to_string()))
                .send()
        })
        .await?;
        Ok(item)
    }

    /// Reads a canary item in `region` the way the application would there: eventually
    /// consistent, so a replica that has not caught up answers `None`.
    pub async fn get_probe(
        &self,
        region: &str,
        table: &str,
        key_attribute: &str,
        probe_id: &str,
    ) -> Result<Option<ProbeItem>, AwsError> {
        let key = format!("{PROBE_KEY_PREFIX}{probe_id}");
        let client = self.dynamodb(region);
        let out = self
            .call(Service::DynamoDb, "GetItem", Some(region), || {
                client
                    .get_item()
                    .table_name(table)
                    .key(key_attribute, AttributeValue::S(key.clone()))
                    .consistent_read(false)
                    .send()
            })
            .await?;
        Ok(out.item().map(|item| {
            let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok());
            ProbeItem {
                key: key.clone(),
                written_at: number(WRITTEN_AT).and_then(DateTime::from_timestamp_millis).unwrap_or_default(),
                expires_at: number(EXPIRES_AT).unwrap_or_default(),
            }
        }))
    }

    /// Deletes a canary item (replication removes it from the replicas).
    pub async fn delete_probe(
        &self,
        region: &str,
        table: &str,
        key_attribute: &str,
        probe_id: &str,
    ) -> Result<(), AwsError> {
        let key = format!("{PROBE_KEY_PREFIX}{probe_id}");
        let client = self.dynamodb(region);
        self.call(Service::DynamoDb, "DeleteItem", Some(region), || {
            client.delete_item().table_name(table).key(key_attribute, AttributeValue::S(key.clone())).send()
        })
        .await?;
        Ok(())
    }
}

pub(super) fn table_observed(
    region: &str,
    name: &str,
    out: &DescribeTableOutput,
    backups: Option<&DescribeContinuousBackupsOutput>,
) -> Option<TableObserved> {
    let t = out.table()?;
    let stream = t.stream_specification();
    // Tables created PROVISIONED before billing modes existed have no summary.
    let billing_mode =
        t.billing_mode_summary().and_then(|b| b.billing_mode()).map(|m| m.as_str().to_string()).or_else(|| {
            t.provisioned_throughput()
                .and_then(|p| p.read_capacity_units())
                .filter(|&units| units > 0)
                .map(|_| "PROVISIONED".to_string())
        });
    // No SSEDescription (or a disabled one) means the AWS owned key: reported as None.
    let sse = t.sse_description().filter(|s| s.status() != Some(&SseStatus::Disabled));
    let pitr = backups
        .and_then(|b| b.continuous_backups_description())
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    Some(TableObserved {
        region: region.to_string(),
        name: t.table_name().unwrap_or(name).to_string(),
        status: t.table_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        global_table_version: t.global_table_version().map(str::to_string),
        replicas: t
            .replicas()
            .iter()
            .map(|r| {
                (
                    r.region_name().unwrap_or_default().to_string(),
                    r.replica_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        stream_enabled: stream.is_some_and(|s| s.stream_enabled()),
        stream_view_type: stream.and_then(|s| s.stream_view_type()).map(|v| v.as_str().to_string()),
        billing_mode,
        sse_type: sse.and_then(|s| s.sse_type()).map(|s| s.as_str().to_string()),
        sse_kms_key: sse.and_then(|s| s.kms_master_key_arn()).map(str::to_string),
        pitr_enabled: pitr == Some(&PointInTimeRecoveryStatus::Enabled),
        replica_inaccessible_since: t
            .replicas()
            .iter()
            .filter_map(|r| Some((r.region_name()?.to_string(), to_chrono(r.replica_inaccessible_date_time()?)?)))
            .collect(),
        multi_region_consistency: t.multi_region_consistency().map(|m| m.as_str().to_string()),
        witnesses: t
            .global_table_witnesses()
            .iter()
            .map(|w| {
                (
                    w.region_name().unwrap_or_default().to_string(),
                    w.witness_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                )
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests;
