"""Route 53's failover truth table: calculated checks, an unhealthy SECONDARY check, alias records with
EvaluateTargetHealth. Checker results are forced (immediately) so each step is deterministic."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from endpoints import Endpoint
from fidelity_fixtures import THREE, aws_fixture, query, shared_serve  # noqa: F401 (fixtures)
from r53 import PRIMARY, SECONDARY, failover_records, health_check, zone


def _answer(aws, name, qtype="CNAME"):
    return [str(r.rdata).rstrip(".") for r in query(aws, name, qtype).rr]


def _force(aws, hc, result):
    aws.control("POST", "/checkers/force", {"healthCheckId": hc, "result": result, "immediate": True})


def _healthy(aws, hc):
    return aws.control("GET", f"/healthchecks/{hc}")["healthy"]


def test_calculated_check_flips_when_children_cross_the_threshold(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    children = [health_check(r53, endpoint.port, Regions=THREE) for _ in range(3)]
    parent = r53.create_health_check(CallerReference="parent", HealthCheckConfig={
        "Type": "CALCULATED", "HealthThreshold": 2, "ChildHealthChecks": children})["HealthCheck"]["Id"]
    zone_id = zone(r53)
    failover_records(r53, zone_id, "api.example.com", parent)
    assert _answer(aws, "api.example.com") == [PRIMARY]

    _force(aws, children[0], "unhealthy")
    time.sleep(0.3)  # the parent is re-evaluated every 0.1 s: 2 of 3 is still >= 2
    assert _healthy(aws, parent) is True and _answer(aws, "api.example.com") == [PRIMARY]
    _force(aws, children[1], "unhealthy")
    wait_until(lambda: _answer(aws, "api.example.com") == [SECONDARY], 1, message="1 of 3 < 2: failover")
    tda = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="api.example.com", RecordType="CNAME")
    assert tda["RecordData"] == [SECONDARY]

    r53.update_health_check(HealthCheckId=parent, Inverted=True)  # a drill inverts the parent
    wait_until(lambda: _answer(aws, "api.example.com") == [PRIMARY], 1, message="inverted parent")
    r53.update_health_check(HealthCheckId=parent, Inverted=False, HealthThreshold=1)
    wait_until(lambda: _healthy(aws, parent) is True, 1, message="1 of 3 >= the new threshold 1")
    truth = aws.control("GET", f"/healthchecks/{parent}")
    assert [t["healthy"] for t in truth["rawTransitions"]] == [True, False, True], "uninverted, threshold-based"
    with pytest.raises(ClientError) as err:  # AWS: GetHealthCheckStatus cannot be used for calculated checks
        r53.get_health_check_status(HealthCheckId=parent)
    assert err.value.response["Error"]["Code"] == "InvalidInput"
    endpoint.close()


def test_unhealthy_secondary_check_keeps_dns_on_the_primary_during_an_outage(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    zone_id = zone(r53)
    primary_hc = health_check(r53, endpoint.port, Regions=THREE)
    secondary_hc = health_check(r53, endpoint.port, Regions=THREE)
    failover_records(r53, zone_id, "guarded.example.com", primary_hc, secondary_hc)
    failover_records(r53, zone_id, "open.example.com", primary_hc)  # the secondary has no check
    _force(aws, secondary_hc, "unhealthy")
    assert _answer(aws, "guarded.example.com") == [PRIMARY]

    outage = time.time()
    _force(aws, primary_hc, "unhealthy")
    wait_until(lambda: _answer(aws, "open.example.com") == [SECONDARY], 1, message="failover without a secondary check")
    # Both records unhealthy: Route 53 answers as if all were healthy, i.e. with the primary.
    for _ in range(10):
        assert _answer(aws, "guarded.example.com") == [PRIMARY]
        time.sleep(0.03)
    tda = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="guarded.example.com", RecordType="CNAME")
    assert tda["RecordData"] == [PRIMARY]
    history = aws.control("GET", f"/dns/history?name=guarded.example.com&since={outage}")["history"]
    assert history == [], "the answer never changed: never the secondary"

    _force(aws, secondary_hc, "healthy")  # the secondary recovers: failover becomes possible again
    wait_until(lambda: _answer(aws, "guarded.example.com") == [SECONDARY], 1, message="failover to the secondary")
    endpoint.close()


def test_alias_primary_with_evaluate_target_health_fails_over_and_without_it_never_does(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    zone_id = zone(r53)
    origin_hc = health_check(r53, endpoint.port, Regions=THREE)
    changes = [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "origin.example.com", "Type": "A", "TTL": 30, "SetIdentifier": "origin", "Weight": 1,
        "HealthCheckId": origin_hc, "ResourceRecords": [{"Value": "192.0.2.1"}]}}]
    for name, evaluate in (("evaluated.example.com", True), ("blind.example.com", False)):
        changes += [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": name, "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY",
                "AliasTarget": {"HostedZoneId": zone_id, "DNSName": "origin.example.com",
                                "EvaluateTargetHealth": evaluate}}},
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": name, "Type": "A", "TTL": 30, "SetIdentifier": "secondary", "Failover": "SECONDARY",
                "ResourceRecords": [{"Value": "198.51.100.1"}]}}]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    assert _answer(aws, "evaluated.example.com", "A") == _answer(aws, "blind.example.com", "A") == ["192.0.2.1"]

    _force(aws, origin_hc, "unhealthy")
    wait_until(lambda: _answer(aws, "evaluated.example.com", "A") == ["198.51.100.1"], 1,
               message="the alias primary inherits its target's failed health")
    # Without EvaluateTargetHealth (and no check of its own) the primary never fails over; Route 53
    # answers the unhealthy target's record since all of its weighted set is unhealthy.
    assert _answer(aws, "blind.example.com", "A") == ["192.0.2.1"]
    endpoint.close()
