"""Losing a whole region: its API endpoints drop connections (reset or blackhole), its health checkers
stop reporting, replication to and from it is held; Route 53's data plane keeps answering."""

import datetime
import json
import time
from urllib.error import HTTPError

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from conftest import wait_until
from endpoints import Endpoint
from fidelity_fixtures import aws_fixture, global_table, query, shared_serve  # noqa: F401 (fixtures)
from r53 import PRIMARY, SECONDARY, failover_records, health_check, zone

EAST, WEST = "us-east-1", "us-west-2"


def _client(aws, service, region, read_timeout=5):
    return boto3.client(service, endpoint_url=aws.endpoint, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2,
                                      read_timeout=read_timeout))


def _checked(aws, hc):
    return {c["region"]: c["lastCheckedAt"] for c in aws.control("GET", f"/healthchecks/{hc}")["checkers"]}


def test_losing_us_east_1_loses_the_route53_api_and_dynamodb_there_but_not_dns_or_health_checking(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port, threshold=1, Regions=[EAST, WEST, "eu-west-1"])
    failover_records(r53, zone_id, "api.example.com", hc)
    global_table(aws)
    west = aws.client("dynamodb", WEST)
    wait_until(lambda: all(_checked(aws, hc).values()), 3, message="every checker to report")

    state = aws.control("POST", "/regions", {"region": EAST, "reachable": False, "mode": "reset"})
    assert state["unreachable"][0]["region"] == EAST and state["unreachable"][0]["mode"] == "reset"
    for call in (lambda: _client(aws, "route53", EAST).get_health_check(HealthCheckId=hc),
                 lambda: _client(aws, "dynamodb", EAST).list_tables()):
        with pytest.raises(ConnectionClosedError):  # a dropped connection, no HTTP response at all
            call()
    assert aws.control("GET", "/regions")["dropped"] == {EAST: 2}

    # Route 53's data plane is global: DNS answers; the us-west-2 replica takes writes.
    assert [str(r.rdata).rstrip(".") for r in query(aws, "api.example.com", "CNAME").rr] == [PRIMARY]
    west.put_item(TableName="profiles", Item={"pk": {"S": "written-during-outage"}})
    pending = wait_until(lambda: aws.control("GET", "/replication")["pending"], 2, message="a held write")[0]
    assert (pending["held"], pending["heldReasons"]) == (1, [f"region {EAST} unreachable"])

    # The us-east-1 checker stops reporting; the others carry the 18 % rule and still fail over.
    before = _checked(aws, hc)
    time.sleep(1.2)
    after = _checked(aws, hc)
    assert after[EAST] == before[EAST] and after[WEST] != before[WEST]
    endpoint.down()
    wait_until(lambda: [str(r.rdata).rstrip(".") for r in query(aws, "api.example.com", "CNAME").rr] == [SECONDARY],
               4, message="failover judged by the reachable checkers")
    assert _checked(aws, hc)[EAST] == before[EAST]

    aws.control("DELETE", "/regions")
    east = _client(aws, "dynamodb", EAST)
    wait_until(lambda: "Item" in east.get_item(TableName="profiles", Key={"pk": {"S": "written-during-outage"}}), 3,
               message="held writes to apply on recovery")
    assert _client(aws, "route53", EAST).get_health_check(HealthCheckId=hc)["HealthCheck"]["Id"] == hc
    history = aws.control("GET", "/regions")["history"]
    assert [(h["region"], h["reachable"]) for h in history] == [(EAST, False), (EAST, True)]
    endpoint.close()


def test_blackhole_holds_requests_until_the_client_gives_up_or_the_cap(aws):
    aws.control("POST", "/regions", {"region": WEST, "reachable": False, "mode": "blackhole"})
    start = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        _client(aws, "dynamodb", WEST, read_timeout=0.8).list_tables()
    assert 0.8 <= time.monotonic() - start < 2.0
    wait_until(lambda: aws.control("GET", "/regions")["holding"] == 0, 2, message="the held request to be released")
    assert aws.client("dynamodb", EAST).list_tables()["TableNames"] == []  # other regions answer

    aws.control("POST", "/regions", {"region": WEST, "reachable": False, "mode": "blackhole", "holdSeconds": 0.5})
    start = time.monotonic()
    with pytest.raises(ConnectionClosedError):
        _client(aws, "dynamodb", WEST, read_timeout=5).list_tables()
    assert 0.5 <= time.monotonic() - start < 2.0, "dropped at the cap, long before the client's timeout"
    with pytest.raises(HTTPError):
        aws.control("POST", "/regions", {"region": WEST, "reachable": False, "mode": "sever"})


def test_schedules_fire_late_while_route53_control_plane_is_lost(aws):
    r53 = aws.client("route53")
    hc = health_check(r53, 9, Regions=[EAST, WEST, "eu-west-1"])
    r53.update_health_check(HealthCheckId=hc, Inverted=True)
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)).replace(microsecond=0)
    aws.client("scheduler", WEST).create_schedule(
        Name="rf-failsafe", ScheduleExpression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck",
                "RoleArn": "arn:aws:iam::123456789012:role/rf",
                "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})})
    aws.control("POST", "/regions", {"region": EAST, "reachable": False})
    time.sleep(max(0.0, when.timestamp() - time.time()) + 0.5)
    assert aws.control("GET", "/scheduler/fired")["fired"] == [], "Route 53's API is unreachable: nothing fired"
    restored_at = time.time()
    aws.control("POST", "/regions", {"region": EAST, "reachable": True})
    fired = wait_until(lambda: aws.control("GET", "/scheduler/fired")["fired"], 2, message="the late firing")[0]
    assert fired["error"] is None and fired["firedAtEpoch"] >= restored_at
    assert r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]["Inverted"] is False
