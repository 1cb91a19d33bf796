"""Fault injection reaches the SDK with each service's real error shape; control API basics."""

import time
from urllib.error import HTTPError

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from endpoints import Endpoint
from r53 import health_check


def _error(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_route53_throttling_and_prior_request_not_complete(localaws):
    r53 = localaws.client("route53")
    hc = health_check(r53, 80)
    localaws.control("POST", "/faults", {"service": "route53", "operation": "GetHealthCheckStatus", "count": 2})
    assert _error(lambda: r53.get_health_check_status(HealthCheckId=hc)) == ("Throttling", 400)
    assert _error(lambda: r53.get_health_check_status(HealthCheckId=hc)) == ("Throttling", 400)
    r53.get_health_check_status(HealthCheckId=hc)  # count used up
    r53.get_health_check(HealthCheckId=hc)  # other operations never matched

    localaws.control("POST", "/faults", {"service": "route53", "operation": "ChangeResourceRecordSets",
                                         "code": "PriorRequestNotComplete", "count": 1})
    zone_id = r53.create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]["Id"]
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "x.example.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}}]}
    assert _error(lambda: r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)) == \
        ("PriorRequestNotComplete", 400)
    # With retries, the SDK classifies it as retryable and the next attempt succeeds.
    localaws.control("POST", "/faults", {"service": "route53", "operation": "ChangeResourceRecordSets", "count": 1})
    retrying = localaws.client("route53", retries=3)
    result = retrying.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    assert result["ResponseMetadata"]["RetryAttempts"] == 1


def test_rate_limit_throttles_only_what_exceeds_the_rate(localaws):
    r53 = localaws.client("route53")
    hc = health_check(r53, 80)
    rule = localaws.control("POST", "/faults", {"service": "route53", "ratePerSecond": 5})
    outcomes = []
    for _ in range(12):  # far faster than 5/s: the burst of 5 passes, the rest is throttled
        try:
            r53.get_health_check(HealthCheckId=hc)
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(e.response["Error"]["Code"])
    assert outcomes[:5] == ["ok"] * 5 and set(outcomes[5:]) <= {"ok", "Throttling"} and "Throttling" in outcomes
    time.sleep(1.1)  # a second refills the bucket
    for _ in range(4):
        r53.get_health_check(HealthCheckId=hc)
    listed = localaws.control("GET", "/faults")
    listed = listed["faults"] if isinstance(listed, dict) else listed
    hits = next(f["hits"] for f in listed if f["id"] == rule["id"])
    assert hits == outcomes.count("Throttling"), "only throttled requests count as hits"
    with pytest.raises(HTTPError):
        localaws.control("POST", "/faults", {"service": "route53", "kind": "error", "ratePerSecond": 5})


def test_dynamodb_throttling_server_errors_and_latency(localaws):
    ddb = localaws.client("dynamodb")
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    localaws.control("POST", "/faults", {"service": "dynamodb", "operation": "PutItem", "count": 1})
    assert _error(lambda: ddb.put_item(TableName="t", Item={"pk": {"S": "a"}})) == ("ThrottlingException", 400)
    localaws.control("POST", "/faults", {"service": "dynamodb", "operation": "PutItem", "count": 1,
                                         "code": "ProvisionedThroughputExceededException"})
    assert _error(lambda: ddb.put_item(TableName="t", Item={"pk": {"S": "a"}})) == \
        ("ProvisionedThroughputExceededException", 400)
    rule = localaws.control("POST", "/faults", {"service": "dynamodb", "kind": "error", "status": 503,
                                                "region": "us-east-1"})
    assert _error(lambda: ddb.describe_table(TableName="t")) == ("ServiceUnavailable", 503)
    # Region-scoped: another region is unaffected.
    assert localaws.client("dynamodb", "us-west-2").list_tables()["TableNames"] == []
    localaws.control("DELETE", f"/faults/{rule['id']}")

    localaws.control("POST", "/faults", {"service": "dynamodb", "operation": "GetItem", "kind": "latency",
                                         "latencyMs": 400})
    start = time.monotonic()
    ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert time.monotonic() - start >= 0.4
    faults = localaws.control("GET", "/faults")["faults"]
    assert [(f["kind"], f["hits"]) for f in faults] == [("latency", 1)]
    localaws.control("DELETE", "/faults")
    assert localaws.control("GET", "/faults")["faults"] == []


def test_reset_clears_aws_and_fidelity_state(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    hc = health_check(r53, endpoint.port)
    wait_until(lambda: localaws.control("GET", "/healthchecks")["healthChecks"], 2, message="runtime")
    localaws.control("POST", "/faults", {"service": "sts", "kind": "latency", "latencyMs": 1})
    localaws.control("POST", "/reset")
    assert r53.list_health_checks()["HealthChecks"] == []
    assert localaws.control("GET", "/healthchecks")["healthChecks"] == []
    assert localaws.control("GET", "/faults")["faults"] == []
    with pytest.raises(HTTPError):
        localaws.control("GET", f"/healthchecks/{hc}")
    index = localaws.control("GET", "/")
    assert index["settings"]["timeScale"] == 0.1 and "POST /_localaws/faults" in index["routes"]
    endpoint.close()
