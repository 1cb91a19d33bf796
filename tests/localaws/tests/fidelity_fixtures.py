"""Shared pieces of the drill/region/replica/alarm fidelity tests: one serve per test module (reset
between tests: most of these tests check API semantics, and a serve costs a second to start), DNS
queries that report drops instead of waiting seconds for them, and a global table."""

import socket
import struct

import pytest
from dnslib import DNSRecord

from conftest import start_serve, stop_serve

THREE = ["us-east-1", "us-west-2", "eu-west-1"]


@pytest.fixture(scope="module")
def shared_serve(request):
    aws = start_serve(getattr(request.module, "TIME_SCALE", 0.1))
    settings = aws.control("GET", "/settings")
    # POST /reset keeps settings (as it keeps --map-endpoint); each test starts from the defaults.
    aws.defaults = {k: v for k, v in settings.items() if k not in ("timeScale", "endpoint", "dns")}
    yield aws
    rc = stop_serve(aws)
    assert rc == 0, "serve did not exit cleanly on SIGTERM:\n" + "".join(aws.output)


# Registered as "aws"; the function has another name so that a test module importing it (pytest finds
# fixtures among a module's names) does not shadow it with each test's `aws` parameter.
@pytest.fixture(name="aws")
def aws_fixture(shared_serve, request):
    shared_serve.control("POST", "/reset")
    shared_serve.control("POST", "/settings", shared_serve.defaults)
    yield shared_serve
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print("---- serve output ----\n" + "".join(shared_serve.output[-200:]))


def query(aws, name: str, qtype: str = "A", tcp: bool = False, timeout: float = 0.5):
    """A parsed reply, or "timeout" (nothing came back) or "closed" (TCP connection closed unanswered)."""
    packet = DNSRecord.question(name, qtype).pack()
    if not tcp:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(packet, ("127.0.0.1", aws.dns_port))
            try:
                return DNSRecord.parse(s.recv(4096))
            except socket.timeout:
                return "timeout"
    with socket.create_connection(("127.0.0.1", aws.dns_port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(packet)) + packet)
        try:
            head = s.recv(2)
        except socket.timeout:
            return "timeout"
        if len(head) < 2:
            return "closed"
        length, data = struct.unpack("!H", head)[0], b""
        while len(data) < length:
            chunk = s.recv(length - len(data))
            if not chunk:
                return "closed"
            data += chunk
        return DNSRecord.parse(data)


def global_table(aws, name: str = "profiles", regions=("us-west-2",), source: str = "us-east-1", sse: bool = False):
    ddb = aws.client("dynamodb", source)
    extra = {"SSESpecification": {"Enabled": True, "SSEType": "KMS"}} if sse else {}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **extra)
    ddb.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": r}} for r in regions])
    return ddb
