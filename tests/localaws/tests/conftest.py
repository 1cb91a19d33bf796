"""Each test gets its own `serve` process on free ports, stopped by PID with SIGTERM."""

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from dnslib import DNSRecord

SERVE = Path(__file__).resolve().parents[1] / "serve"
READY_TIMEOUT = 60


class LocalAws:
    def __init__(self, proc, endpoint: str, dns_port: int, output: list):
        self.proc, self.endpoint, self.dns_port, self.output = proc, endpoint, dns_port, output

    def client(self, service: str, region: str = "us-east-1", retries: int = 1):
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "total_max_attempts": retries}, connect_timeout=5,
                          read_timeout=30))

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.endpoint}/_localaws{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def dns(self, name: str, qtype: str = "A", tcp: bool = False) -> DNSRecord:
        raw = DNSRecord.question(name, qtype).send("127.0.0.1", self.dns_port, tcp=tcp, timeout=2)
        return DNSRecord.parse(raw)

    def answers(self, name: str, qtype: str = "A", tcp: bool = False) -> list[str]:
        return [str(rr.rdata).rstrip(".") for rr in self.dns(name, qtype, tcp).rr]


def start_serve(time_scale: float, extra: tuple = (), stdin=None, env=None) -> LocalAws:
    """`stdin` as for Popen (default: inherited); `env` adds variables to this process's."""
    cmd = [str(SERVE), "--host", "127.0.0.1", "--port", "0", "--dns-port", "0", "--time-scale", str(time_scale), *extra]
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    lines: queue.Queue = queue.Queue()
    output: list = []

    def pump():
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()
            raise RuntimeError("serve printed no READY line in time:\n" + "".join(output)) from None
        m = re.match(r"^READY endpoint=(http://127\.0\.0\.1:(\d+)) dns=127\.0\.0\.1:(\d+)$", line.strip())
        if m:
            return LocalAws(proc, m.group(1), int(m.group(3)), output)


def stop_serve(aws: LocalAws) -> int:
    aws.proc.send_signal(signal.SIGTERM)
    try:
        return aws.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        aws.proc.kill()
        aws.proc.wait()
        raise


@pytest.fixture
def localaws(request):
    marker = request.node.get_closest_marker("time_scale")
    aws = start_serve(marker.args[0] if marker else 0.1)
    yield aws
    rc = stop_serve(aws)
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print("---- serve output ----\n" + "".join(aws.output))
    assert rc == 0, "serve did not exit cleanly on SIGTERM:\n" + "".join(aws.output)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_configure(config):
    config.addinivalue_line("markers", "time_scale(f): --time-scale for this test's serve (default 0.1)")


def wait_until(predicate, timeout: float, interval: float = 0.02, message: str = "condition"):
    """Poll predicate until it returns a truthy value; fail with message after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
