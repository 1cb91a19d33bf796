//! CloudWatch: DynamoDB's own `ReplicationLatency` metric, a free cross-check of the canary.

use std::time::Duration;

use aws_sdk_cloudwatch::{
    primitives::DateTime as SdkDateTime,
    types::{Dimension, Statistic},
};
use chrono::{DateTime, Utc};

use super::{AwsError, budget::Service, client::Aws};

/// One `ReplicationLatency` datapoint (milliseconds).
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyDatapoint {
    pub at: DateTime<Utc>,
    pub average_ms: Option<f64>,
    pub maximum_ms: Option<f64>,
}

impl Aws {
    /// The newest `ReplicationLatency` datapoint of `table` replicating from `region` (where the
    /// metric is published) to `receiving_region`, within the last `window`; `None` when there is
    /// none (idle tables publish nothing).
    pub async fn replication_latency(
        &self,
        region: &str,
        table: &str,
        receiving_region: &str,
        window: Duration,
    ) -> Result<Option<LatencyDatapoint>, AwsError> {
        let end = Utc::now();
        let start = end - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::minutes(5));
        let client = self.cloudwatch(region);
        let out = self
            .call(Service::CloudWatch, "GetMetricStatistics", Some(region), || {
                client
                    .get_metric_statistics()
                    .namespace("AWS/DynamoDB")
                    .metric_name("ReplicationLatency")
                    .dimensions(Dimension::builder().name("TableName").value(table).build())
                    .dimensions(Dimension::builder().name("ReceivingRegion").value(receiving_region).build())
                    .start_time(SdkDateTime::from_secs(start.timestamp()))
                    .end_time(SdkDateTime::from_secs(end.timestamp()))
                    .period(60)
                    .statistics(Statistic::Average)
                    .statistics(Statistic::Maximum)
                    .send()
            })
            .await?;
        Ok(out
            .datapoints()
            .iter()
            .filter_map(|d| {
                let at = d.timestamp().and_then(super::client::to_chrono)?;
                Some(LatencyDatapoint { at, average_ms: d.average(), maximum_ms: d.maximum() })
            })
            .max_by_key(|d| d.at))
    }
}
