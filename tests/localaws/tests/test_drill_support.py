"""What a drill fault campaign needs from local AWS: DNS server faults, the health-check change history,
the raw endpoint timeline, HealthCheckVersion as Route 53 does it, and CreateSchedule as a lock."""

import datetime
import json
import random
import time
from urllib.error import HTTPError

import pytest
from botocore.exceptions import ClientError
from dnslib import RCODE

from conftest import wait_until
from endpoints import Endpoint
from fidelity_fixtures import THREE, aws_fixture, query, shared_serve  # noqa: F401 (fixtures)
from r53 import health_check, zone

ROOT = "arn:aws:iam::123456789012:root"


def _records(r53, zone_id):
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": n, "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.1"}]}}
        for n in ("a.example.com", "b.example.com")]})


def test_dns_faults_drop_servfail_refused_by_name_protocol_and_count(aws):
    r53 = aws.client("route53")
    _records(r53, zone(r53))
    drop = aws.control("POST", "/dns/faults", {"kind": "drop", "name": "a.example.com", "protocol": "udp"})
    assert query(aws, "a.example.com") == "timeout"
    assert [str(r.rdata) for r in query(aws, "a.example.com", tcp=True).rr] == ["192.0.2.1"]  # TCP untouched
    assert [str(r.rdata) for r in query(aws, "b.example.com").rr] == ["192.0.2.1"]  # other names untouched
    aws.control("DELETE", f"/dns/faults/{drop['id']}")
    assert query(aws, "a.example.com").header.rcode == RCODE.NOERROR

    aws.control("POST", "/dns/faults", {"kind": "drop", "protocol": "tcp"})
    assert query(aws, "a.example.com", tcp=True) == "closed"
    aws.control("DELETE", "/dns/faults")

    aws.control("POST", "/dns/faults", {"kind": "servfail", "count": 2})
    aws.control("POST", "/dns/faults", {"kind": "refused", "name": "b.example.com"})
    codes = [query(aws, "a.example.com").header.rcode for _ in range(3)]
    assert codes == [RCODE.SERVFAIL, RCODE.SERVFAIL, RCODE.NOERROR]
    refused = query(aws, "b.example.com", tcp=True)
    assert refused.header.rcode == RCODE.REFUSED and not refused.rr and refused.header.aa == 0
    rules = aws.control("GET", "/dns/faults")["faults"]
    servfail = next(r for r in rules if r["kind"] == "servfail")
    assert (servfail["hits"], servfail["remaining"], servfail["active"]) == (2, 0, False)
    assert [h["name"] for h in servfail["hitLog"]] == ["a.example.com."] * 2
    logged = [q for q in aws.control("GET", "/dns/queries")["queries"] if q["fault"]]
    assert [q["rcode"] for q in logged][-3:] == ["SERVFAIL", "SERVFAIL", "REFUSED"]

    with pytest.raises(HTTPError):  # typos fail loudly instead of injecting nothing
        aws.control("POST", "/dns/faults", {"kind": "drop", "probabilty": 0.5})


def test_dns_delay_and_seeded_probability_are_deterministic(aws):
    r53 = aws.client("route53")
    _records(r53, zone(r53))
    aws.control("POST", "/dns/faults", {"kind": "delay", "delayMs": 300, "name": "b.example.com"})
    start = time.monotonic()
    reply = query(aws, "b.example.com", timeout=2)
    assert time.monotonic() - start >= 0.3 and [str(r.rdata) for r in reply.rr] == ["192.0.2.1"]
    aws.control("DELETE", "/dns/faults")

    def pattern():
        rule = aws.control("POST", "/dns/faults", {"kind": "servfail", "probability": 0.4, "seed": 7})
        got = [query(aws, "a.example.com").header.rcode == RCODE.SERVFAIL for _ in range(20)]
        aws.control("DELETE", f"/dns/faults/{rule['id']}")
        return got

    rng = random.Random(7)
    expected = [rng.random() < 0.4 for _ in range(20)]
    assert pattern() == expected == pattern()
    assert 0 < sum(expected) < 20


def test_health_check_version_and_change_history_name_who_changed_what(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    hc = health_check(r53, endpoint.port, Regions=THREE)
    assert r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckVersion"] == 1
    r53.update_health_check(HealthCheckId=hc, HealthCheckVersion=1, Inverted=True)
    with pytest.raises(ClientError) as err:
        r53.update_health_check(HealthCheckId=hc, HealthCheckVersion=1, Disabled=True)
    error = err.value.response
    assert (error["Error"]["Code"], error["Error"]["Type"], error["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("HealthCheckVersionMismatch", "Sender", 409)
    got = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]
    assert (got["HealthCheckVersion"], got["HealthCheckConfig"]["Inverted"], got["HealthCheckConfig"]["Disabled"]) == \
        (2, True, False), "a rejected update changes nothing"
    updated = r53.update_health_check(HealthCheckId=hc, FailureThreshold=2)["HealthCheck"]
    assert updated["HealthCheckVersion"] == 3

    # A fail-safe schedule restores the check: the change is the scheduler's, not the API caller's.
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)).replace(microsecond=0)
    aws.client("scheduler").create_schedule(
        Name="rf-failsafe", ScheduleExpression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck",
                "RoleArn": "arn:aws:iam::123456789012:role/rf-scheduler",
                "Input": json.dumps({"HealthCheckId": hc, "Inverted": False, "HealthCheckVersion": 3})})
    wait_until(lambda: aws.control("GET", "/scheduler/fired")["fired"], 5, message="the fail-safe to fire")
    r53.delete_health_check(HealthCheckId=hc)

    history = aws.control("GET", f"/healthchecks/{hc}/changes")
    changes = history["changes"]
    assert [c["kind"] for c in changes] == ["create", "update", "rejected", "update", "update", "delete"]
    create, invert, rejected, threshold, restore, delete = changes
    assert (create["source"], create["operation"], create["versionAfter"]) == ("api", "CreateHealthCheck", 1)
    assert create["changes"]["Regions"] == {"before": None, "after": THREE}
    assert {k: invert[k] for k in ("source", "accessKeyId", "principal", "versionBefore", "versionAfter",
                                   "requestVersion", "carriedVersion", "changes")} == {
        "source": "api", "accessKeyId": "testing", "principal": ROOT, "versionBefore": 1, "versionAfter": 2,
        "requestVersion": 1, "carriedVersion": True, "changes": {"Inverted": {"before": False, "after": True}}}
    assert {k: rejected[k] for k in ("error", "versionBefore", "versionAfter", "requestVersion", "changes")} == {
        "error": "HealthCheckVersionMismatch", "versionBefore": 2, "versionAfter": 2, "requestVersion": 1,
        "changes": {"Disabled": {"before": False, "after": True}}}
    assert (threshold["carriedVersion"], threshold["requestVersion"], threshold["changes"]) == \
        (False, None, {"FailureThreshold": {"before": 3, "after": 2}})
    assert (restore["source"], restore["schedule"]["name"], restore["versionBefore"], restore["versionAfter"]) == \
        ("scheduler", "rf-failsafe", 3, 4)
    assert restore["changes"] == {"Inverted": {"before": True, "after": False}} and "accessKeyId" not in restore
    assert (delete["source"], delete["versionBefore"]) == ("api", 4)
    stamps = [c["atEpoch"] for c in changes]
    assert stamps == sorted(stamps) and restore["atEpoch"] >= when.timestamp()
    assert [(e["inverted"], e["initial"]) for e in history["effective"]] == \
        [(False, True), (True, False), (False, False)]
    endpoint.close()


def test_effective_flags_lag_by_the_propagation_delay(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    aws.control("POST", "/settings", {"route53ConfigPropagationSeconds": 0.6})
    hc = health_check(r53, endpoint.port, Regions=THREE)
    r53.update_health_check(HealthCheckId=hc, Disabled=True)
    history = wait_until(lambda: (h := aws.control("GET", f"/healthchecks/{hc}/changes"))["effective"][1:] and h,
                         3, message="the evaluation to see Disabled")
    change = history["changes"][-1]
    seen = history["effective"][-1]
    assert (seen["disabled"], seen["inverted"]) == (True, False)
    assert 0.55 <= seen["atEpoch"] - change["atEpoch"] < 1.0, "the evaluation saw it one propagation delay later"
    endpoint.close()


def test_raw_endpoint_timeline_ignores_inversion_and_shows_when_checkers_first_saw_it_down(aws):
    endpoint = Endpoint()
    r53 = aws.client("route53")
    hc = health_check(r53, endpoint.port, threshold=3, Regions=THREE)
    wait_until(lambda: all(c["rawHistory"] for c in aws.control("GET", f"/healthchecks/{hc}")["checkers"]), 3,
               message="every checker to report")
    r53.update_health_check(HealthCheckId=hc, Inverted=True)  # the drill's inversion is not the endpoint's truth
    time.sleep(0.3)
    assert aws.control("GET", f"/healthchecks/{hc}")["rawTransitions"][-1]["healthy"] is True

    down_at = time.time()
    endpoint.down()
    truth = wait_until(lambda: (t := aws.control("GET", f"/healthchecks/{hc}"))["rawHealthy"] is False and t, 3,
                       message="raw truth to see the endpoint down")
    flip = truth["rawTransitions"][-1]
    # One probe per checker per (scaled) 1 s interval: the raw truth flips at the first failing probes,
    # long before interval x threshold lets the evaluation notice.
    assert down_at <= flip["atEpoch"] < down_at + 1.2 and "Connection refused" in flip["reason"]
    assert [t["healthy"] for t in truth["rawTransitions"]] == [True, False]
    for checker in truth["checkers"]:
        runs = checker["rawHistory"]
        if runs[-1]["ok"] is False:
            first_down = next(i for i, r in enumerate(runs) if not r["ok"])
            assert first_down >= 1 and all(r["ok"] for r in runs[:first_down])
            assert runs[first_down]["atEpoch"] >= down_at  # when this checker first saw it down
            assert runs[first_down - 1]["lastAtEpoch"] < down_at + 0.05  # last seen up
            assert runs[-1]["status"].startswith("Failure:")
    endpoint.close()


def test_create_schedule_is_a_lock_conflict_idempotent_retry_and_missing_schedule(aws):
    scheduler = aws.client("scheduler")
    spec = dict(Name="rf-lock-abc", ScheduleExpression="at(2099-01-01T00:00:00)", FlexibleTimeWindow={"Mode": "OFF"},
                Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck",
                        "RoleArn": "arn:aws:iam::123456789012:role/rf", "Input": "{}"})
    arn = scheduler.create_schedule(**spec, Description="holder=cluster-a", ClientToken="token-a")["ScheduleArn"]
    # The same request retried with its ClientToken succeeds and returns the same schedule.
    retried = scheduler.create_schedule(**spec, Description="holder=cluster-a", ClientToken="token-a")
    assert retried["ScheduleArn"] == arn
    for other in ({"Description": "holder=cluster-b"}, {"Description": "holder=cluster-b", "ClientToken": "token-a"}):
        with pytest.raises(ClientError) as err:
            scheduler.create_schedule(**spec, **other)
        response = err.value.response
        assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("ConflictException", 409)
        assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith("ConflictException")
    assert scheduler.get_schedule(Name="rf-lock-abc")["Description"] == "holder=cluster-a"
    scheduler.delete_schedule(Name="rf-lock-abc")
    for call in (lambda: scheduler.delete_schedule(Name="rf-lock-abc"),
                 lambda: scheduler.create_schedule(**spec, GroupName="no-such-group")):
        with pytest.raises(ClientError) as err:
            call()
        assert (err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]) == \
            ("ResourceNotFoundException", 404)
    # Released: the next holder takes the lock.
    assert scheduler.create_schedule(**spec, Description="holder=cluster-b")["ScheduleArn"] == arn
