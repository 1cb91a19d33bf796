"""EventBridge Scheduler at() schedules fire a Route 53 UpdateHealthCheck; CloudWatch metrics."""

import datetime
import json

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from endpoints import Endpoint
from localaws.scheduler_fire import due_time
from r53 import PRIMARY, SECONDARY, failover_records, health_check, zone


def test_due_time_honours_timezone():
    utc = due_time("at(2030-06-01T12:00:00)", None)
    berlin = due_time("at(2030-06-01T14:00:00)", "Europe/Berlin")  # CEST, UTC+2
    assert utc == berlin == datetime.datetime(2030, 6, 1, 12, tzinfo=datetime.timezone.utc).timestamp()
    assert due_time("rate(5 minutes)", None) is None


def test_at_schedule_restores_an_inverted_health_check(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port, Regions=["us-east-1", "us-west-2", "eu-west-1"])
    failover_records(r53, zone_id, "api.example.com", hc)
    r53.update_health_check(HealthCheckId=hc, Inverted=True)
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [SECONDARY], 2, message="drill failover")

    # at() has second resolution and is wall-clock time: two seconds from now, never scaled.
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)).replace(microsecond=0)
    scheduler = localaws.client("scheduler")
    scheduler.create_schedule(
        Name="rf-failsafe", ScheduleExpression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck",
                "RoleArn": "arn:aws:iam::123456789012:role/rf-scheduler",
                "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})})
    assert localaws.control("GET", "/scheduler/fired")["fired"] == []

    fired = wait_until(lambda: localaws.control("GET", "/scheduler/fired")["fired"], 6, message="schedule to fire")
    assert fired[0]["error"] is None and fired[0]["deleted"] is True
    assert fired[0]["firedAtEpoch"] >= when.timestamp()
    config = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]
    assert config["Inverted"] is False and len(config["Regions"]) == 3  # omitted fields kept
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [PRIMARY], 2, message="restored DNS")
    with pytest.raises(ClientError) as err:
        scheduler.get_schedule(Name="rf-failsafe")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    endpoint.close()


@pytest.mark.time_scale(0.02)
def test_cloudwatch_health_and_replication_latency_metrics(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    hc = health_check(r53, endpoint.port)
    east, west = localaws.client("dynamodb"), localaws.client("dynamodb", "us-west-2")
    east.create_table(TableName="m", BillingMode="PAY_PER_REQUEST",
                      KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    east.update_table(TableName="m", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    localaws.control("POST", "/replication", {"delaySeconds": 0.3})
    east.put_item(TableName="m", Item={"pk": {"S": "x"}})
    wait_until(lambda: "Item" in west.get_item(TableName="m", Key={"pk": {"S": "x"}}), 2, message="replication")
    cw = localaws.client("cloudwatch")
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(minutes=10)

    def stat(namespace, metric, dims):
        points = cw.get_metric_statistics(Namespace=namespace, MetricName=metric, Dimensions=dims, StartTime=start,
                                          EndTime=end, Period=60, Statistics=["Maximum"])["Datapoints"]
        return points[0]["Maximum"] if points else None

    status = wait_until(lambda: stat("AWS/Route53", "HealthCheckStatus", [{"Name": "HealthCheckId", "Value": hc}]),
                        5, message="HealthCheckStatus datapoint")
    assert status == 1.0
    dims = [{"Name": "TableName", "Value": "m"}, {"Name": "ReceivingRegion", "Value": "us-west-2"}]
    # One sample per replicated write, valued at its measured delay (>= the 0.3 s delay).
    wait_until(lambda: (stat("AWS/DynamoDB", "ReplicationLatency", dims) or 0) >= 300, 5,
               message="ReplicationLatency datapoint of the applied write")
    assert stat("AWS/DynamoDB", "ReplicationLatency", dims) < 1000
    endpoint.close()
