//! CloudWatch alarms behind CLOUDWATCH_METRIC health checks: `DescribeAlarms` in the alarm's own
//! region, shared by every object that names the alarm within its freshness window.

use std::time::Duration;

use aws_sdk_cloudwatch::types::MetricAlarm;

use super::{AwsError, budget::Service, client::Aws};
use crate::verify::{AlarmObserved, AlarmRef};

impl Aws {
    /// `DescribeAlarms` of one metric alarm by name; `None` when it does not exist.
    pub async fn describe_alarm(&self, alarm: &AlarmRef) -> Result<Option<AlarmObserved>, AwsError> {
        let client = self.cloudwatch(&alarm.region);
        let out = self
            .call(Service::CloudWatch, "DescribeAlarms", Some(&alarm.region), || {
                client.describe_alarms().alarm_names(alarm.name.clone()).send()
            })
            .await?;
        Ok(out.metric_alarms().iter().find(|a| a.alarm_name() == Some(alarm.name.as_str())).map(|a| observed(alarm, a)))
    }

    /// [`Aws::describe_alarm`] no older than `max_age` (`Duration::ZERO`: read now).
    pub async fn cached_alarm_within(
        &self,
        alarm: &AlarmRef,
        max_age: Duration,
    ) -> Result<Option<AlarmObserved>, AwsError> {
        self.inner.alarms.get_within(alarm, max_age, || self.describe_alarm(alarm)).await
    }
}

fn observed(alarm: &AlarmRef, a: &MetricAlarm) -> AlarmObserved {
    let positive = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
    AlarmObserved {
        region: alarm.region.clone(),
        name: alarm.name.clone(),
        state: a.state_value().map(|s| s.as_str().to_string()).unwrap_or_default(),
        period: positive(a.period()),
        evaluation_periods: positive(a.evaluation_periods()),
        datapoints_to_alarm: positive(a.datapoints_to_alarm()),
    }
}

#[cfg(test)]
mod tests;
