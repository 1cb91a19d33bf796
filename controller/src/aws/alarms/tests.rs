use super::*;
use aws_sdk_cloudwatch::types::StateValue;

#[test]
fn metric_alarm_fields_are_copied() {
    let a = MetricAlarm::builder()
        .alarm_name("deep-canary")
        .state_value(StateValue::InsufficientData)
        .period(60)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .build();
    let alarm = AlarmRef { region: "us-east-1".into(), name: "deep-canary".into() };
    let o = observed(&alarm, &a);
    assert_eq!(o.state, "INSUFFICIENT_DATA");
    assert_eq!((o.period, o.evaluation_periods, o.datapoints_to_alarm), (Some(60), Some(3), Some(2)));
    assert_eq!((o.region.as_str(), o.name.as_str()), ("us-east-1", "deep-canary"));
}
