//! CloudWatch: DynamoDB's own `ReplicationLatency` of a global table, and the table's writes.
//!
//! DynamoDB publishes `AWS/DynamoDB ReplicationLatency` (milliseconds, dimensions `TableName` and
//! `ReceivingRegion`) in the *source* region of each replicated write, and CloudWatch is regional:
//! one `GetMetricData` call cannot see both directions. So the issue's "one call per table per
//! cycle" is one call per table per *source region*: the primary's region (primary → every
//! replica) and each replica's region (replica → primary), i.e. 1 + replicas calls per table per
//! cycle, shared by every object naming that table (single-flight, like the table settings).
//! Each call also reads the source table's `ConsumedWriteCapacityUnits` Sum, so that "no
//! datapoints because nothing was written" can be told from "written, but nothing arrived"
//! (docs/architecture.md, "Replication").

use std::time::Duration;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use chrono::{DateTime, Utc};

use super::{AwsError, budget::Service, client::Aws};
use crate::verify::{LatencyPoint, ReplicationMetrics};

/// Period of every datapoint read, in seconds (DynamoDB's metrics have one-minute resolution).
pub const PERIOD_SECONDS: u32 = 60;
const NAMESPACE: &str = "AWS/DynamoDB";
const LATENCY: &str = "ReplicationLatency";
const WRITES: &str = "ConsumedWriteCapacityUnits";
const WRITES_ID: &str = "writes";

/// How old a table's last metrics read may be when it stands in for a re-read that would wait.
pub const STALE_LIMIT: Duration = Duration::from_secs(300);

/// One query's datapoints, by query id.
type Series = Vec<(String, Vec<(DateTime<Utc>, f64)>)>;

/// What one shared read is about: source region, table, receiving regions, window in minutes.
pub type MetricsKey = (String, String, Vec<String>, u32);

/// The read covering the last `minutes` minutes: CloudWatch aligns `StartTime` down to the minute,
/// so it starts at the minute holding `now - minutes` and ends after the current (partial) minute,
/// `[start, end)`. Right after a minute begins, the previous minutes still count: the window never
/// shrinks to a nearly empty current minute.
pub fn window(now: DateTime<Utc>, minutes: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let period = i64::from(PERIOD_SECONDS);
    let floor = |t: i64| t.div_euclid(period) * period;
    let now_secs = now.timestamp();
    let start = floor(now_secs - period * i64::from(minutes.max(1)));
    let end = floor(now_secs) + period;
    (DateTime::from_timestamp(start, 0).unwrap_or(now), DateTime::from_timestamp(end, 0).unwrap_or(now))
}

impl Aws {
    /// `GetMetricData` in `source_region`: `ReplicationLatency` Average and Maximum towards each
    /// of `receivers`, and the table's write Sum, per minute over the last `minutes` minutes.
    pub async fn replication_metrics(
        &self,
        source_region: &str,
        table: &str,
        receivers: &[String],
        minutes: u32,
        now: DateTime<Utc>,
    ) -> Result<ReplicationMetrics, AwsError> {
        let (start, end) = window(now, minutes);
        let mut queries = Vec::with_capacity(2 * receivers.len() + 1);
        for (i, receiver) in receivers.iter().enumerate() {
            let dims = [("TableName", table), ("ReceivingRegion", receiver.as_str())];
            queries.push(query(&format!("avg{i}"), LATENCY, &dims, "Average"));
            queries.push(query(&format!("max{i}"), LATENCY, &dims, "Maximum"));
        }
        queries.push(query(WRITES_ID, WRITES, &[("TableName", table)], "Sum"));
        let client = self.cloudwatch(source_region);
        let (from, to) = (smithy_time(start), smithy_time(end));
        let mut series: Series = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .call(Service::CloudWatch, "GetMetricData", Some(source_region), || {
                    client
                        .get_metric_data()
                        .set_metric_data_queries(Some(queries.clone()))
                        .start_time(from)
                        .end_time(to)
                        .scan_by(ScanBy::TimestampAscending)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            for result in out.metric_data_results() {
                let points = result
                    .timestamps()
                    .iter()
                    .zip(result.values())
                    .filter_map(|(t, v)| Some((super::client::to_chrono(t)?, *v)));
                let id = result.id().unwrap_or_default().to_string();
                match series.iter_mut().find(|(i, _)| *i == id) {
                    Some((_, s)) => s.extend(points),
                    None => series.push((id, points.collect())),
                }
            }
            token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(assemble(source_region, table, receivers, (start, end, minutes.max(1) * 60), &series))
    }

    /// [`Aws::replication_metrics`] shared by every object naming the same table, no older than
    /// `max_age` (the object's verify interval) while CloudWatch's budget has a token free. When it
    /// has none, the last read up to [`STALE_LIMIT`] old stands in rather than the verification
    /// waiting in its reconcile slot: 1,000 tables verified every 30 s want 67 reads a second
    /// against a budget of 40, and verifications queued on tokens filled every slot, so objects
    /// never verified waited for good (footprint bench). The read's window is in the status.
    pub async fn cached_replication_metrics_within(
        &self,
        source_region: &str,
        table: &str,
        receivers: &[String],
        minutes: u32,
        max_age: Duration,
    ) -> Result<ReplicationMetrics, AwsError> {
        let key: MetricsKey = (source_region.to_string(), table.to_string(), receivers.to_vec(), minutes);
        if !self.inner.budget.spare(Service::CloudWatch, "GetMetricData")
            && let Some(last) = self.inner.replication_metrics.peek_within(&key, max_age.max(STALE_LIMIT))
        {
            return Ok(last);
        }
        self.inner
            .replication_metrics
            .get_within(&key, max_age, || {
                self.replication_metrics(source_region, table, receivers, minutes, Utc::now())
            })
            .await
    }
}

fn query(id: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> MetricDataQuery {
    let mut m = Metric::builder().namespace(NAMESPACE).metric_name(metric);
    for (name, value) in dims {
        m = m.dimensions(Dimension::builder().name(*name).value(*value).build());
    }
    let stat =
        MetricStat::builder().metric(m.build()).period(i32::try_from(PERIOD_SECONDS).unwrap_or(60)).stat(stat).build();
    MetricDataQuery::builder().id(id).metric_stat(stat).return_data(true).build()
}

fn smithy_time(t: DateTime<Utc>) -> aws_sdk_cloudwatch::primitives::DateTime {
    aws_sdk_cloudwatch::primitives::DateTime::from_secs(t.timestamp())
}

/// The answer's series by query id → per receiver datapoints (oldest first) and write periods.
fn assemble(
    source: &str,
    table: &str,
    receivers: &[String],
    (start, end, window_seconds): (DateTime<Utc>, DateTime<Utc>, u32),
    series: &Series,
) -> ReplicationMetrics {
    let get = |id: &str| series.iter().find(|(i, _)| i == id).map_or(&[][..], |(_, s)| s.as_slice());
    let latency = receivers
        .iter()
        .enumerate()
        .map(|(i, receiver)| {
            let (avg, max) = (get(&format!("avg{i}")), get(&format!("max{i}")));
            let mut points: Vec<LatencyPoint> = max
                .iter()
                .map(|&(at, maximum_ms)| {
                    let average_ms = avg.iter().find(|(t, _)| *t == at).map_or(maximum_ms, |(_, v)| *v);
                    LatencyPoint { at, average_ms, maximum_ms }
                })
                .collect();
            points.sort_by_key(|p| p.at);
            (receiver.clone(), points)
        })
        .collect();
    let mut writes: Vec<DateTime<Utc>> = get(WRITES_ID).iter().filter(|(_, v)| *v > 0.0).map(|(t, _)| *t).collect();
    writes.sort();
    ReplicationMetrics {
        source_region: source.to_string(),
        table: table.to_string(),
        period_seconds: PERIOD_SECONDS,
        window_seconds,
        start,
        end,
        latency,
        writes,
    }
}

#[cfg(test)]
mod tests;
