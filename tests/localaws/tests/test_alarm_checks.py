"""CloudWatch alarms evaluated from PutMetricData, and CLOUDWATCH_METRIC health checks that follow them
into DNS. Alarm periods are scaled like health-check intervals: Period 60 at --time-scale 0.01 is 0.6 s."""

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from fidelity_fixtures import aws_fixture, query, shared_serve  # noqa: F401 (fixtures)
from localaws.alarms import decide
from r53 import SECONDARY, failover_records, zone

TIME_SCALE = 0.01
DIMS = [{"Name": "Service", "Value": "api"}]


def _points(row: str):
    return [None if c == "-" else c == "X" for c in row.split()]


@pytest.mark.parametrize("m,row,expected", [
    # CloudWatch's own tables ("How alarm state is evaluated when data is missing"), 3 evaluation periods,
    # evaluation range 5; columns: missing, ignore, breaching, notBreaching.
    (3, "0 - X - X", ["OK", "OK", "OK", "OK"]),
    (3, "0 - - - -", ["OK", "OK", "OK", "OK"]),
    (3, "- - - - -", ["INSUFFICIENT_DATA", "RETAIN", "ALARM", "OK"]),
    (3, "0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (3, "- - X - -", ["ALARM", "RETAIN", "ALARM", "OK"]),
    (2, "0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (2, "0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (2, "0 - X - -", ["OK", "OK", "ALARM", "OK"]),
    (2, "- - - - 0", ["OK", "OK", "ALARM", "OK"]),
    (2, "- - - X -", ["ALARM", "RETAIN", "ALARM", "OK"]),
])
def test_missing_data_rules_match_cloudwatch_tables(m, row, expected):
    got = [decide(_points(row), 3, m, treat)[0] for treat in ("missing", "ignore", "breaching", "notBreaching")]
    assert got == expected


class Feeder:
    """Puts one datapoint every 0.15 s (four per scaled period) until told otherwise."""

    def __init__(self, cw):
        self.cw, self.value, self.stop = cw, None, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stop.wait(0.15):
            if self.value is not None:
                self.cw.put_metric_data(Namespace="Canary", MetricData=[
                    {"MetricName": "Failures", "Dimensions": DIMS, "Value": self.value}])


def settle(read, expected):
    """Health checks re-read the alarm's data stream every 0.1 s, a moment after the alarm changes."""
    wait_until(lambda: read() == expected, 1, message=f"health {expected}")


def _check(r53, insufficient):
    return r53.create_health_check(CallerReference=str(uuid.uuid4()), HealthCheckConfig={
        "Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": "us-east-1", "Name": "canary"},
        "InsufficientDataHealthStatus": insufficient})["HealthCheck"]["Id"]


def test_alarm_checks_follow_the_alarm_data_stream_into_dns(aws):
    cw, r53 = aws.client("cloudwatch"), aws.client("route53")
    with pytest.raises(ClientError) as err:  # the alarm must exist
        _check(r53, "Healthy")
    assert err.value.response["Error"]["Code"] == "InvalidInput"
    cw.put_metric_alarm(AlarmName="canary", Namespace="Canary", MetricName="Failures", Dimensions=DIMS,
                        Statistic="Maximum", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold")

    def alarm():
        return cw.describe_alarms(AlarmNames=["canary"])["MetricAlarms"][0]

    assert alarm()["StateValue"] == "INSUFFICIENT_DATA"  # a new alarm has no data yet
    checks = {name: _check(r53, name) for name in ("Healthy", "Unhealthy", "LastKnownStatus")}
    zone_id = zone(r53)
    failover_records(r53, zone_id, "api.example.com", checks["LastKnownStatus"])

    def health():
        return {name: aws.control("GET", f"/healthchecks/{hc}")["healthy"] for name, hc in checks.items()}

    def answer():
        return [str(r.rdata).rstrip(".") for r in query(aws, "api.example.com", "CNAME").rr]

    assert health() == {"Healthy": True, "Unhealthy": False, "LastKnownStatus": True}  # new: last known = healthy
    got = r53.get_health_check(HealthCheckId=checks["Healthy"])["HealthCheck"]
    assert got["HealthCheckConfig"]["AlarmIdentifier"] == {"Region": "us-east-1", "Name": "canary"}
    assert got["CloudWatchAlarmConfiguration"] == {
        "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Period": 60,
        "MetricName": "Failures", "Namespace": "Canary", "Statistic": "Maximum", "Dimensions": DIMS}
    assert r53.get_health_check_status(HealthCheckId=checks["Healthy"])["HealthCheckObservations"] == []

    feeder = Feeder(cw)
    try:
        feeder.value = 0.0
        wait_until(lambda: alarm()["StateValue"] == "OK", 3, message="OK from good data")
        settle(health, {"Healthy": True, "Unhealthy": True, "LastKnownStatus": True})
        feeder.value = 5.0
        wait_until(lambda: alarm()["StateValue"] == "ALARM", 3, message="ALARM from breaching data")
        wait_until(lambda: answer() == [SECONDARY], 1, message="DNS to follow the alarm check")
        settle(health, {"Healthy": False, "Unhealthy": False, "LastKnownStatus": False})
        tda = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="api.example.com", RecordType="CNAME")
        assert tda["RecordData"] == [SECONDARY]
    finally:
        feeder.stop.set()

    # No data for the whole evaluation range (1 + 2 periods): INSUFFICIENT_DATA, and each setting applies.
    wait_until(lambda: alarm()["StateValue"] == "INSUFFICIENT_DATA", 4, message="INSUFFICIENT_DATA")
    settle(health, {"Healthy": True, "Unhealthy": False, "LastKnownStatus": False})
    assert answer() == [SECONDARY], "LastKnownStatus keeps the ALARM-time verdict"

    # SetAlarmState changes what DescribeAlarms shows until the next evaluation, never the health check.
    before = alarm()["StateUpdatedTimestamp"]
    cw.set_alarm_state(AlarmName="canary", StateValue="OK", StateReason="testing")
    assert alarm()["StateValue"] == "OK" and alarm()["StateUpdatedTimestamp"] > before
    assert health()["LastKnownStatus"] is False and answer() == [SECONDARY]
    wait_until(lambda: alarm()["StateValue"] == "INSUFFICIENT_DATA", 2, message="re-evaluation after SetAlarmState")

    items = cw.describe_alarm_history(AlarmName="canary", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    summaries = [i["HistorySummary"] for i in items]
    assert summaries[:5] == ["Alarm updated from OK to INSUFFICIENT_DATA", "Alarm updated from INSUFFICIENT_DATA to OK",
                             "Alarm updated from ALARM to INSUFFICIENT_DATA", "Alarm updated from OK to ALARM",
                             "Alarm updated from INSUFFICIENT_DATA to OK"]
    stamps = [i["Timestamp"] for i in items]
    assert stamps == sorted(stamps, reverse=True)
    assert aws.control("GET", "/alarms")["alarms"][0]["dataStreamState"] == "INSUFFICIENT_DATA"


def test_alarm_check_inverted_and_unknown_alarm_after_deletion(aws):
    cw, r53 = aws.client("cloudwatch"), aws.client("route53")
    cw.put_metric_alarm(AlarmName="canary", Namespace="Canary", MetricName="Failures", Dimensions=DIMS,
                        Statistic="Sum", Period=60, EvaluationPeriods=2, DatapointsToAlarm=1, Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
    wait_until(lambda: cw.describe_alarms()["MetricAlarms"][0]["StateValue"] == "OK", 2,
               message="notBreaching: no data is OK")
    hc = r53.create_health_check(CallerReference="inv", HealthCheckConfig={
        "Type": "CLOUDWATCH_METRIC", "Inverted": True, "AlarmIdentifier": {"Region": "us-east-1", "Name": "canary"},
        "InsufficientDataHealthStatus": "Unhealthy"})["HealthCheck"]["Id"]
    wait_until(lambda: aws.control("GET", f"/healthchecks/{hc}")["healthy"] is False, 1, message="inverted OK")
    cw.delete_alarms(AlarmNames=["canary"])
    # A deleted alarm gives no data: Unhealthy, inverted to healthy.
    wait_until(lambda: aws.control("GET", f"/healthchecks/{hc}")["healthy"] is True, 1, message="alarm gone")
    truth = aws.control("GET", f"/healthchecks/{hc}")["rawTransitions"]
    assert [t["healthy"] for t in truth] == [True, False]  # the uninverted verdict of the data stream
    with pytest.raises(ClientError) as err:
        r53.update_health_check(HealthCheckId=hc, InsufficientDataHealthStatus="Sometimes")
    assert err.value.response["Error"]["Code"] == "InvalidInput"
