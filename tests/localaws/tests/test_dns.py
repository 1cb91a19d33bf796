"""The authoritative DNS server and TestDNSAnswer."""

import pytest
from botocore.exceptions import ClientError
from dnslib import QTYPE, RCODE

from conftest import wait_until
from endpoints import Endpoint
from r53 import PRIMARY, SECONDARY, failover_records, health_check, zone


def test_record_types_ttl_udp_and_tcp(localaws):
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "a.example.com", "Type": "A", "TTL": 42,
                                                   "ResourceRecords": [{"Value": "192.0.2.10"},
                                                                       {"Value": "192.0.2.11"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "a.example.com", "Type": "AAAA", "TTL": 43,
                                                   "ResourceRecords": [{"Value": "2001:db8::1"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "CNAME", "TTL": 44,
                                                   "ResourceRecords": [{"Value": "a.example.com"}]}},
    ]})
    for tcp in (False, True):
        reply = localaws.dns("a.example.com", "A", tcp=tcp)
        assert reply.header.aa == 1
        assert sorted(str(rr.rdata) for rr in reply.rr) == ["192.0.2.10", "192.0.2.11"]
        assert {rr.ttl for rr in reply.rr} == {42}
        reply = localaws.dns("a.example.com", "AAAA", tcp=tcp)
        assert [(str(rr.rdata), rr.ttl) for rr in reply.rr] == [("2001:db8::1", 43)]
        # A CNAME answers any type and is chased inside the zone, as Route 53 does.
        reply = localaws.dns("www.example.com", "A", tcp=tcp)
        assert [(QTYPE[rr.rtype], str(rr.rdata), rr.ttl) for rr in reply.rr] == [
            ("CNAME", "a.example.com.", 44), ("A", "192.0.2.10", 42), ("A", "192.0.2.11", 42)]


def test_apex_soa_ns_nxdomain_and_refused(localaws):
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    ns = r53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"]
    reply = localaws.dns("example.com", "NS")
    assert sorted(str(rr.rdata).rstrip(".") for rr in reply.rr) == sorted(n.rstrip(".") for n in ns)
    reply = localaws.dns("example.com", "SOA")
    assert QTYPE[reply.rr[0].rtype] == "SOA" and str(reply.rr[0].rdata.mname).rstrip(".") in ns
    missing = localaws.dns("missing.example.com", "A")
    assert missing.header.rcode == RCODE.NXDOMAIN
    assert QTYPE[missing.auth[0].rtype] == "SOA"
    outside = localaws.dns("www.example.org", "A")
    assert outside.header.rcode == RCODE.REFUSED and not outside.rr
    nodata = localaws.dns("example.com", "TXT")
    assert nodata.header.rcode == RCODE.NOERROR and not nodata.rr and nodata.auth


def test_record_without_health_check_counts_healthy_and_all_unhealthy_answers_primary(localaws):
    dead = Endpoint()
    dead.down()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    primary_hc = health_check(r53, dead.port, threshold=1)
    secondary_hc = health_check(r53, dead.port, threshold=1)
    failover_records(r53, zone_id, "api.example.com", primary_hc)  # secondary has no check
    failover_records(r53, zone_id, "both.example.com", primary_hc, secondary_hc)
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [SECONDARY], 5, message="failover")
    wait_until(lambda: not localaws.control("GET", f"/healthchecks/{secondary_hc}")["healthy"], 5,
               message="the secondary's check to fail")
    # Both records unhealthy: Route 53 answers as if all were healthy, i.e. with the primary.
    assert localaws.answers("both.example.com", "CNAME") == [PRIMARY]


def test_test_dns_answer_and_alias_follow_failover(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port, threshold=1)
    failover_records(r53, zone_id, "api.example.com", hc, rtype="A", values=("192.0.2.1", "198.51.100.1"), ttl=30)
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": "alias.example.com", "Type": "A",
            "AliasTarget": {"HostedZoneId": zone_id, "DNSName": "api.example.com", "EvaluateTargetHealth": True}}}]})

    def tda(name):
        return r53.test_dns_answer(HostedZoneId=zone_id, RecordName=name, RecordType="A")

    first = tda("api.example.com")
    assert (first["RecordData"], first["ResponseCode"], first["Protocol"]) == (["192.0.2.1"], "NOERROR", "UDP")
    assert localaws.answers("alias.example.com") == ["192.0.2.1"]
    assert [rr.ttl for rr in localaws.dns("alias.example.com").rr] == [30]

    endpoint.down()
    wait_until(lambda: tda("api.example.com")["RecordData"] == ["198.51.100.1"], 5, message="TestDNSAnswer failover")
    assert localaws.answers("api.example.com") == ["198.51.100.1"]
    assert localaws.answers("alias.example.com") == ["198.51.100.1"]
    assert tda("nothing.example.com")["ResponseCode"] == "NXDOMAIN"
    with pytest.raises(ClientError) as err:
        r53.test_dns_answer(HostedZoneId="ZNOSUCHZONE", RecordName="api.example.com", RecordType="A")
    assert err.value.response["Error"]["Code"] == "NoSuchHostedZone"


def test_deleting_one_set_identifier_keeps_other_names(localaws):
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    failover_records(r53, zone_id, "one.example.com", None)
    failover_records(r53, zone_id, "two.example.com", None)
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": {"Name": "one.example.com", "Type": "CNAME", "TTL": 60,
                                                   "SetIdentifier": "primary", "Failover": "PRIMARY",
                                                   "ResourceRecords": [{"Value": PRIMARY}]}}]})
    names = {(r["Name"], r.get("SetIdentifier")) for r in
             r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}
    assert ("two.example.com.", "primary") in names
    assert ("one.example.com.", "primary") not in names
    assert localaws.answers("one.example.com", "CNAME") == [SECONDARY]
    assert localaws.answers("two.example.com", "CNAME") == [PRIMARY]
