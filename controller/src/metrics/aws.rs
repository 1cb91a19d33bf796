//! The request budget's counters, exposed at scrape time as `regionalfailover_aws_requests_total`.

use std::sync::Arc;

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::counter::ConstCounter,
};

/// One cumulative AWS call count, as the request budget keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCallCount {
    pub service: String,
    pub operation: String,
    pub outcome: String,
    pub count: u64,
}

pub type AwsStatsFn = Arc<dyn Fn() -> Vec<AwsCallCount> + Send + Sync>;

/// Exposes the request budget's counters at scrape time, so they are never copied or double-counted.
pub(super) struct AwsCollector(pub(super) AwsStatsFn);

impl std::fmt::Debug for AwsCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsCollector")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AwsLabels {
    service: String,
    operation: String,
    outcome: String,
}

impl Collector for AwsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let stats = (self.0)();
        let mut family = encoder.encode_descriptor(
            "aws_requests",
            "AWS API calls by service, operation and outcome (ok, throttled, error, retried)",
            None,
            ConstCounter::new(0u64).metric_type(),
        )?;
        for s in stats {
            let labels = AwsLabels { service: s.service, operation: s.operation, outcome: s.outcome };
            ConstCounter::new(s.count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
