"""DNS failover driven by real probes: timing, Inverted, Disabled."""

import time

from conftest import wait_until
from endpoints import Endpoint
from r53 import PRIMARY, SECONDARY, failover_records, health_check, zone

SCALE = 0.1
INTERVAL, THRESHOLD = 10, 3
SCALED_INTERVAL = INTERVAL * SCALE
EXPECTED = INTERVAL * THRESHOLD * SCALE  # interval x threshold, scaled: 3 s


def _poll_dns_until(localaws, name, wanted, timeout):
    """Seconds until the UDP answer becomes `wanted`, polling about every 10 ms."""
    start = time.monotonic()
    wait_until(lambda: localaws.answers(name, "CNAME") == [wanted], timeout, interval=0.01,
               message=f"{name} to answer {wanted}")
    return time.monotonic() - start


def test_endpoint_down_flips_dns_after_interval_times_threshold_and_back(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port, interval=INTERVAL, threshold=THRESHOLD)
    failover_records(r53, zone_id, "api.example.com", hc)
    wait_until(lambda: len(r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]) == 8,
               10, message="all 8 default checker regions to report")
    assert localaws.answers("api.example.com", "CNAME") == [PRIMARY]

    down_at = time.time()
    endpoint.down()
    failover = _poll_dns_until(localaws, "api.example.com", SECONDARY, EXPECTED + 3 * SCALED_INTERVAL)
    # Acceptance: within one checker interval of interval x threshold.
    assert abs(failover - EXPECTED) <= SCALED_INTERVAL, f"failover took {failover:.2f}s, expected {EXPECTED}s"

    truth = localaws.control("GET", f"/healthchecks/{hc}")
    assert truth["healthy"] is False
    assert abs(truth["lastFlipAtEpoch"] - (down_at + failover)) < 0.5
    history = localaws.control("GET", "/dns/history?name=api.example.com&type=CNAME")["history"]
    assert [h["values"] for h in history] == [[PRIMARY], [SECONDARY]]
    assert abs(history[-1]["atEpoch"] - truth["lastFlipAtEpoch"]) < 0.05

    observations = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
    statuses = {o["StatusReport"]["Status"] for o in observations}
    assert statuses == {"Failure: Connection refused"}

    endpoint.up()
    failback = _poll_dns_until(localaws, "api.example.com", PRIMARY, EXPECTED + 3 * SCALED_INTERVAL)
    assert abs(failback - EXPECTED) <= SCALED_INTERVAL, f"failback took {failback:.2f}s, expected {EXPECTED}s"
    history = localaws.control("GET", "/dns/history?name=api.example.com")["history"]
    assert [h["setIdentifiers"] for h in history] == [["primary"], ["secondary"], ["primary"]]
    endpoint.close()


def test_inverted_flips_like_a_failure_and_restores(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port)
    failover_records(r53, zone_id, "api.example.com", hc)
    wait_until(lambda: r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"], 5,
               message="first observations")

    r53.update_health_check(HealthCheckId=hc, Inverted=True)
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [SECONDARY], 2, message="inverted failover")
    # The endpoint itself stays healthy: checkers keep reporting success, the inversion is Route 53's.
    obs = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
    assert all(o["StatusReport"]["Status"].startswith("Success") for o in obs)

    r53.update_health_check(HealthCheckId=hc, Inverted=False)
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [PRIMARY], 2, message="restore")
    transitions = localaws.control("GET", f"/healthchecks/{hc}")["transitions"]
    assert [t["healthy"] for t in transitions] == [False, True]
    endpoint.close()


def test_inverted_dead_endpoint_counts_as_healthy(localaws):
    endpoint = Endpoint()
    endpoint.down()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    hc = health_check(r53, endpoint.port, Inverted=True)
    failover_records(r53, zone_id, "api.example.com", hc)
    # New checks start healthy, so the inverted check starts unhealthy...
    assert localaws.answers("api.example.com", "CNAME") == [SECONDARY]
    # ...and turns healthy once the checkers have seen the endpoint fail threshold times.
    wait_until(lambda: localaws.answers("api.example.com", "CNAME") == [PRIMARY], EXPECTED + 2,
               message="inverted check of a dead endpoint to become healthy")


def test_disabled_check_never_fails_over(localaws):
    endpoint = Endpoint()
    endpoint.down()
    r53 = localaws.client("route53")
    zone_id = zone(r53)
    disabled = health_check(r53, endpoint.port, Disabled=True)
    control = health_check(r53, endpoint.port)  # same dead endpoint, not disabled
    failover_records(r53, zone_id, "disabled.example.com", disabled)
    failover_records(r53, zone_id, "control.example.com", control)

    wait_until(lambda: localaws.answers("control.example.com", "CNAME") == [SECONDARY], EXPECTED + 2,
               message="the control check to fail over")
    # Keep watching for as long again: the disabled check must still route to the primary.
    deadline = time.monotonic() + EXPECTED
    while time.monotonic() < deadline:
        assert localaws.answers("disabled.example.com", "CNAME") == [PRIMARY]
        time.sleep(0.05)
    assert localaws.control("GET", f"/healthchecks/{disabled}")["healthy"] is True
    # Route 53 stops probing a disabled check.
    assert r53.get_health_check_status(HealthCheckId=disabled)["HealthCheckObservations"] == []


def test_eighteen_percent_rule(localaws):
    endpoint = Endpoint()
    r53 = localaws.client("route53")
    hc = health_check(r53, endpoint.port)
    regions = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
               "ap-northeast-1", "sa-east-1"]
    wait_until(lambda: localaws.control("GET", f"/healthchecks/{hc}")["checkersTotal"] == 8, 5,
               message="8 checkers")

    def force(healthy_regions):
        localaws.control("DELETE", "/checkers/force")
        localaws.control("POST", "/checkers/force", {"healthCheckId": hc, "result": "unhealthy",
                                                     "regions": regions[len(healthy_regions):], "immediate": True})
        return localaws.control("GET", f"/healthchecks/{hc}")

    two = force(regions[:2])  # 2 of 8 = 25 % > 18 %
    assert (two["checkersHealthy"], two["healthy"]) == (2, True)
    one = force(regions[:1])  # 1 of 8 = 12.5 %
    assert (one["checkersHealthy"], one["healthy"]) == (1, False)
    endpoint.close()
