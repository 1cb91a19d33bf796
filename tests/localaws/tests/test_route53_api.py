"""Route 53 API fidelity: UpdateHealthCheck, GetHealthCheckStatus texts, probe kinds, tags."""

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from endpoints import Endpoint
from r53 import failover_records, health_check, zone

THREE = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def test_update_health_check_keeps_omitted_fields(localaws):
    r53 = localaws.client("route53")
    hc = health_check(r53, 8080, interval=30, threshold=3, Regions=THREE, FullyQualifiedDomainName="svc.example.com",
                      Inverted=False, EnableSNI=True)
    before = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]

    r53.update_health_check(HealthCheckId=hc, FailureThreshold=5)
    after = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]
    config = after["HealthCheckConfig"]
    assert config["FailureThreshold"] == 5
    for key in ("Regions", "ResourcePath", "Port", "IPAddress", "FullyQualifiedDomainName", "RequestInterval",
                "Inverted", "Disabled", "EnableSNI", "Type"):
        assert config.get(key) == before["HealthCheckConfig"].get(key), key
    assert after["HealthCheckVersion"] == before["HealthCheckVersion"] + 1

    r53.update_health_check(HealthCheckId=hc, Inverted=True, Disabled=True)
    config = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]
    flags = (config["Inverted"], config["Disabled"], config["Regions"], config["FailureThreshold"])
    assert flags == (True, True, THREE, 5)

    r53.update_health_check(HealthCheckId=hc, ResetElements=["Regions", "FullyQualifiedDomainName"])
    config = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]
    assert "Regions" not in config and "FullyQualifiedDomainName" not in config

    with pytest.raises(ClientError) as err:
        r53.update_health_check(HealthCheckId=hc, HealthCheckVersion=1, Inverted=False)
    assert err.value.response["Error"]["Code"] == "HealthCheckVersionMismatch"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_status_observation_per_checker_with_aws_texts(localaws):
    endpoint = Endpoint(status=200)
    r53 = localaws.client("route53")
    hc = health_check(r53, endpoint.port, Regions=THREE)

    def observations():
        obs = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
        return obs if len(obs) == 3 else None

    obs = wait_until(observations, 5, message="three observations")
    assert sorted(o["Region"] for o in obs) == sorted(THREE)
    assert {o["StatusReport"]["Status"] for o in obs} == {"Success: HTTP Status Code 200, OK"}
    assert len({o["IPAddress"] for o in obs}) == 3
    assert endpoint.requests[0][0] == "/health"
    assert endpoint.requests[0][2].startswith("Amazon-Route53-Health-Check-Service")

    endpoint.status = 503
    wait_until(lambda: {o["StatusReport"]["Status"] for o in observations() or []}
               == {"Failure: HTTP Status Code 503, Service Unavailable"}, 5, message="503 observations")
    reasons = r53.get_health_check_last_failure_reason(HealthCheckId=hc)["HealthCheckObservations"]
    assert {r["StatusReport"]["Status"] for r in reasons} == {"Failure: HTTP Status Code 503, Service Unavailable"}
    endpoint.close()


def test_https_without_certificate_verification_tcp_and_string_match(localaws):
    tls = Endpoint(tls=True, body="status: all good")
    r53 = localaws.client("route53")
    https = health_check(r53, tls.port, kind="HTTPS", Regions=THREE)
    tcp = health_check(r53, tls.port, kind="TCP", Regions=THREE)
    match = health_check(r53, tls.port, kind="HTTPS_STR_MATCH", SearchString="all good", Regions=THREE)
    miss = health_check(r53, tls.port, kind="HTTPS_STR_MATCH", SearchString="degraded", Regions=THREE)

    def statuses(hc):
        observations = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
        return {o["StatusReport"]["Status"] for o in observations}

    wait_until(lambda: all(len(statuses(h)) == 1 for h in (https, tcp, match, miss)), 5, message="observations")
    assert statuses(https) == {"Success: HTTP Status Code 200, OK"}
    assert statuses(tcp) == {"Success: TCP connection established"}
    assert statuses(match) == {"Success: HTTP Status Code 200, OK"}
    assert next(iter(statuses(miss))).startswith("Failure:")
    tls.close()


def test_fqdn_target_through_endpoint_mapping(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    hc = r53.create_health_check(CallerReference="fqdn", HealthCheckConfig={
        "Type": "HTTP", "FullyQualifiedDomainName": "primary.api.example.com", "Port": 80,
        "ResourcePath": "/health", "RequestInterval": 10, "FailureThreshold": 1, "Regions": THREE})["HealthCheck"]["Id"]

    def statuses():
        observations = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
        return {o["StatusReport"]["Status"] for o in observations}

    # Names never resolve outside this process: unmapped, the check fails.
    wait_until(lambda: statuses() and all(s.startswith("Failure: DNS resolution failed") for s in statuses()), 5,
               message="resolution failures")
    localaws.control("POST", "/endpoints", {"host": "primary.api.example.com", "port": 80,
                                            "target": f"127.0.0.1:{endpoint.port}"})
    wait_until(lambda: statuses() == {"Success: HTTP Status Code 200, OK"}, 5, message="mapped endpoint success")
    assert endpoint.requests[-1][1] == "primary.api.example.com"  # Host header is the FQDN
    endpoint.close()


def test_tags_for_health_checks_and_hosted_zones(localaws):
    r53 = localaws.client("route53")
    hc = health_check(r53, 80)
    zone_id = zone(r53)
    for kind, rid in (("healthcheck", hc), ("hostedzone", zone_id)):
        r53.change_tags_for_resource(ResourceType=kind, ResourceId=rid,
                                     AddTags=[{"Key": "lab", "Value": "rf"}, {"Key": "role", "Value": "primary"}])
        r53.change_tags_for_resource(ResourceType=kind, ResourceId=rid, RemoveTagKeys=["role"])
        tags = r53.list_tags_for_resource(ResourceType=kind, ResourceId=rid)["ResourceTagSet"]["Tags"]
        assert tags == [{"Key": "lab", "Value": "rf"}]


def test_failover_record_can_be_recreated_while_its_partner_exists(localaws):
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    failover_records(r53, zone_id, "api.example.com", None)

    def record(set_id):
        sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        return next((r for r in sets if r.get("SetIdentifier") == set_id), None)

    secondary = record("secondary")
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": secondary}]})
    assert record("secondary") is None and record("primary") is not None
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": secondary}]})
    assert record("secondary") == secondary
    with pytest.raises(ClientError) as err:
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": secondary}]})
    assert err.value.response["Error"]["Code"] == "InvalidChangeBatch"


def test_list_health_checks_pages_like_route53(localaws):
    r53 = localaws.client("route53")
    created = [health_check(r53, 9000 + i, interval=30, threshold=3, Regions=THREE) for i in range(7)]
    first = r53.list_health_checks()
    assert first["MaxItems"] == "100" and first["IsTruncated"] is False and "NextMarker" not in first
    assert [h["Id"] for h in first["HealthChecks"]] == created

    pages, marker = [], None
    while True:
        page = r53.list_health_checks(MaxItems="3", **({"Marker": marker} if marker else {}))
        pages.append([h["Id"] for h in page["HealthChecks"]])
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
        assert marker == created[sum(map(len, pages))], "NextMarker is the ID of the next page's first check"
    assert pages == [created[0:3], created[3:6], created[6:7]]

    capped = r53.list_health_checks(MaxItems="5000")["HealthChecks"]
    assert len(capped) == 7, "MaxItems above 1000 is capped, not refused"
    with pytest.raises(ClientError) as err:
        r53.list_health_checks(Marker="no-such-check")
    assert err.value.response["Error"]["Code"] == "InvalidInput"
