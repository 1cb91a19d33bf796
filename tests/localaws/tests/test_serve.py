"""The serve executable itself: fixed ports, endpoint mapping from the command line, bad arguments."""

import subprocess
import time

from conftest import SERVE, start_serve, stop_serve, wait_until
from endpoints import Endpoint, free_ports


def test_fixed_ports_and_command_line_endpoint_mapping():
    endpoint = Endpoint()
    port, dns_port = free_ports(2)
    aws = start_serve(0.1, ("--port", str(port), "--dns-port", str(dns_port),
                            "--map-endpoint", f"primary.api.example.com:443=127.0.0.1:{endpoint.port}"))
    try:
        assert (aws.endpoint, aws.dns_port) == (f"http://127.0.0.1:{port}", dns_port)
        r53 = aws.client("route53")
        hc = r53.create_health_check(CallerReference="m", HealthCheckConfig={
            "Type": "HTTP", "FullyQualifiedDomainName": "primary.api.example.com", "Port": 443,
            "ResourcePath": "/health", "RequestInterval": 10, "FailureThreshold": 1})["HealthCheck"]["Id"]
        wait_until(lambda: {o["StatusReport"]["Status"] for o in
                            r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]}
                   == {"Success: HTTP Status Code 200, OK"}, 5, message="mapped probes to succeed")
        aws.control("POST", "/reset")
        assert aws.control("GET", "/endpoints")["endpoints"] == {
            "primary.api.example.com:443": f"127.0.0.1:{endpoint.port}"}
    except BaseException:
        print("---- serve output ----\n" + "".join(aws.output))
        raise
    finally:
        assert stop_serve(aws) == 0
        endpoint.close()


def test_bad_arguments_fail_fast():
    result = subprocess.run([str(SERVE), "--port", "0", "--dns-port", "0", "--time-scale", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "time-scale" in result.stderr


def test_stops_when_its_starter_is_gone_if_asked():
    """RF_STOP_WITH_STDIN=1 (what the Rust tests' peers set): stdin reaching EOF means the process
    holding its other end died, even by SIGKILL, and serve stops as on SIGTERM instead of staying
    behind."""
    aws = start_serve(0.1, stdin=subprocess.PIPE, env={"RF_STOP_WITH_STDIN": "1"})
    try:
        assert aws.proc.poll() is None
        aws.proc.stdin.close()
        assert aws.proc.wait(timeout=15) == 0
    except BaseException:
        print("---- serve output ----\n" + "".join(aws.output))
        raise
    finally:
        if aws.proc.poll() is None:
            stop_serve(aws)


def test_keeps_running_on_a_closed_stdin_unless_asked():
    """Without the variable, a serve started with /dev/null as stdin (the demo, a terminal's `&`)
    keeps running."""
    aws = start_serve(0.1, stdin=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        assert aws.proc.poll() is None
    finally:
        assert stop_serve(aws) == 0
