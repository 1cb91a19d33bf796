"""Route 53 health checkers: one probe loop per checker region against the real endpoint.

Each checker flips its own view only after FailureThreshold consecutive results; the check is
healthy while more than 18 % of the checkers see it healthy; Inverted flips that, Disabled pins it
healthy. Intervals and timeouts are multiplied by --time-scale.
"""

import ipaddress
import threading
import time
from dataclasses import dataclass, field

from . import hc_history, r53_kinds
from . import probe as probing
from .regions import REGIONS
from .state import LOCK, SETTINGS, STOP, iso, log, now

DEFAULT_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1",
                   "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]
HEALTHY_FRACTION = 0.18
SYNC_PERIOD = 0.1


def checker_ip(region: str) -> str:
    # Route 53 checkers publish from 15.177.0.0/18; a stable fake address per region.
    return f"15.177.{(sum(region.encode()) % 60) + 2}.{(len(region) * 7) % 250 + 1}"


@dataclass
class Checker:
    region: str
    view: bool = True  # AWS treats a new check as healthy until enough data says otherwise
    ok_streak: int = 0
    fail_streak: int = 0
    last_status: str | None = None
    last_checked: float | None = None
    last_failure: tuple | None = None  # (status, time)
    forced: bool = False

    def to_json(self) -> dict:
        return {"region": self.region, "ipAddress": checker_ip(self.region), "healthy": self.view,
                "lastStatus": self.last_status, "lastCheckedAt": iso(self.last_checked), "forced": self.forced}


@dataclass
class Runtime:
    account: str
    hc_id: str
    config: dict
    checkers: list = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    healthy: bool = True
    inverted: bool = False  # as seen by the evaluation (may lag the API by the propagation delay)
    disabled: bool = False
    pending: list = field(default_factory=list)  # [(apply_at, inverted, disabled)]
    last_flip: float | None = None
    transitions: list = field(default_factory=list)
    created_at: float = field(default_factory=now)
    version: object = None  # HealthCheckVersion last synced


def _config(hc) -> dict:
    return {"type": hc.type_, "ip": hc.ip_address, "port": int(hc.port) if hc.port else None,
            "path": hc.resource_path, "fqdn": hc.fqdn, "search": hc.search_string,
            "interval": int(hc.request_interval or 30), "threshold": int(hc.failure_threshold or 3),
            "regions": tuple(hc.regions or DEFAULT_REGIONS), "sni": bool(hc.enable_sni),
            "children": tuple(hc.children or ()), "health_threshold": int(hc.health_threshold or 0),
            "alarm": r53_kinds.alarm_key(hc), "insufficient": getattr(hc, "insufficient_data_health_status", None)}


class HealthEngine:
    def __init__(self):
        self.runtimes: dict[tuple, Runtime] = {}
        self.forced: list[dict] = []
        self.endpoints: dict[str, str] = {}
        self.listeners: list = []  # callables(at) run (under LOCK) when any check flips
        self.resolver = None
        self._thread = None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self._sync_loop, name="health-sync", daemon=True)
        self._thread.start()

    def _sync_loop(self):
        while not STOP.wait(SYNC_PERIOD):
            try:
                self.sync()
            except Exception as e:  # keep the loop alive; a bad check must not stop all checks
                log(f"health sync error: {e!r}")

    def reset(self):
        with LOCK:
            for rt in self.runtimes.values():
                rt.stop.set()
            self.runtimes.clear()
            self.forced.clear()
            self.endpoints.clear()

    @staticmethod
    def _all_checks():
        from moto.route53.models import route53_backends

        for account, per_account in list(dict.items(route53_backends)):
            backend = dict.get(per_account, "aws")
            if backend is not None:
                for hc in list(backend.health_checks.values()):
                    yield account, hc

    def sync(self):
        """Bring probe loops in line with moto's health checks and apply due config changes."""
        with LOCK:
            seen = set()
            for account, hc in self._all_checks():
                key = (account, hc.id)
                seen.add(key)
                rt = self.runtimes.get(key)
                version = getattr(hc, "health_check_version", None)
                # Every change goes through Create/UpdateHealthCheck, which bumps the version: an
                # unchanged check with nothing pending needs no work (this runs 10 times a second).
                if rt is not None and rt.version == version and not rt.pending and rt.config["type"] not in (
                        "CALCULATED", "CLOUDWATCH_METRIC"):
                    continue
                cfg = _config(hc)
                if rt is None:
                    rt = Runtime(account, hc.id, cfg, inverted=bool(hc.inverted), disabled=bool(hc.disabled))
                    self.runtimes[key] = rt
                    self._start_checkers(rt)
                    self._evaluate(rt, "created")
                    hc_history.effective(rt, initial=True)
                elif cfg != rt.config:
                    rt.config = cfg
                    self._start_checkers(rt)
                flags = (bool(hc.inverted), bool(hc.disabled))
                target = rt.pending[-1][1:] if rt.pending else (rt.inverted, rt.disabled)
                if flags != target:
                    rt.pending.append((now() + SETTINGS.route53_config_propagation_seconds, *flags))
                while rt.pending and rt.pending[0][0] <= now():
                    _, rt.inverted, rt.disabled = rt.pending.pop(0)
                    hc_history.effective(rt)
                    self._evaluate(rt, f"config inverted={rt.inverted} disabled={rt.disabled}")
                rt.version = version
                if cfg["type"] in ("CALCULATED", "CLOUDWATCH_METRIC"):
                    self._evaluate(rt, "calculated")
            for key in [k for k in self.runtimes if k not in seen]:
                self.runtimes.pop(key).stop.set()

    def _start_checkers(self, rt: Runtime):
        rt.stop.set()
        rt.stop = threading.Event()
        if rt.config["type"] in ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"):
            rt.checkers = []
            return
        previous = {c.region: c for c in rt.checkers}
        rt.checkers = [previous.get(r) or Checker(r) for r in rt.config["regions"]]
        for c in rt.checkers:
            c.ok_streak = c.fail_streak = 0
        n = len(rt.checkers)
        for i, checker in enumerate(rt.checkers):
            t = threading.Thread(target=self._checker_loop, args=(rt, checker, rt.stop, i / n),
                                 name=f"checker-{rt.hc_id[:8]}-{checker.region}", daemon=True)
            t.start()

    # ---- probing ---------------------------------------------------------------------------
    def _checker_loop(self, rt: Runtime, checker: Checker, stop: threading.Event, phase: float):
        interval = max(SETTINGS.scaled(rt.config["interval"]), 0.05)
        # Checkers are spread across the interval, as Route 53's are.
        next_t = time.monotonic() + interval * phase
        while True:
            if stop.wait(max(0.0, next_t - time.monotonic())) or STOP.is_set():
                return
            next_t += interval
            with LOCK:
                cfg, disabled = rt.config, rt.disabled
            # A disabled check is not probed at all; the checker of an unreachable region reports nothing.
            if not disabled and REGIONS.reachable(checker.region):
                result, forced = self._observe(rt, cfg, checker.region)
                with LOCK:
                    if stop.is_set():
                        return
                    self._record(rt, checker, result, forced)
                    self._evaluate(rt, f"checker {checker.region}: {result.status}")
            lag = time.monotonic() - next_t
            if lag > 0:
                next_t += interval * (int(lag / interval) + 1)

    def _force_for(self, rt: Runtime, cfg: dict, region: str):
        host = cfg["ip"] or cfg["fqdn"] or ""
        keys = {host, f"{host}:{cfg['port']}"}
        for rule in reversed(self.forced):
            if rule.get("healthCheckId") not in (None, rt.hc_id):
                continue
            if rule.get("endpoint") is not None and rule["endpoint"] not in keys:
                continue
            if rule.get("regions") and region not in rule["regions"]:
                continue
            return rule
        return None

    def _observe(self, rt: Runtime, cfg: dict, region: str):
        with LOCK:
            rule = self._force_for(rt, cfg, region)
        if rule is not None:
            if rule["result"] == "healthy":
                return probing.Result(True, "Success: HTTP Status Code 200, OK"), True
            return probing.Result(False, "Failure: HTTP Status Code 503, Service Unavailable"), True
        target = self._target(cfg)
        scale = SETTINGS.time_scale
        connect = min(max(4.0 * scale, SETTINGS.min_connect_timeout), 4.0)
        response = min(max(2.0 * scale, SETTINGS.min_response_timeout), 2.0)
        return probing.probe(cfg["type"] or "HTTP", target, cfg["path"], cfg["search"], connect, response), False

    def _target(self, cfg: dict) -> probing.Target:
        kind = cfg["type"] or "HTTP"
        port = cfg["port"] or (443 if kind.startswith("HTTPS") else 80)
        name = cfg["ip"] or cfg["fqdn"] or ""
        host_header = cfg["fqdn"] or cfg["ip"] or ""
        sni = cfg["fqdn"] if (cfg["sni"] and cfg["fqdn"]) else None
        with LOCK:
            override = self.endpoints.get(f"{name}:{port}") or self.endpoints.get(name)
        if override:
            ip, _, mapped_port = override.rpartition(":")
            return probing.Target(ip, int(mapped_port), host_header, sni, header_port=port)
        try:
            ipaddress.ip_address(name)
            return probing.Target(name, port, host_header, sni)
        except ValueError:
            pass
        if name == "localhost" or name.endswith(".localhost"):
            return probing.Target("127.0.0.1", port, host_header, sni)
        # Names resolve through the local hosted zones only: nothing leaves this machine.
        with LOCK:
            ip = self.resolver.address_of(name) if self.resolver else None
        if ip is None:
            return probing.Target(None, port, host_header, sni, f"DNS resolution failed for {name}.")
        return probing.Target(ip, port, host_header, sni)

    def _record(self, rt: Runtime, c: Checker, result, forced: bool):
        c.last_status, c.last_checked, c.forced = result.status, now(), forced
        threshold = rt.config["threshold"]
        if result.ok:
            c.ok_streak, c.fail_streak = c.ok_streak + 1, 0
            if not c.view and c.ok_streak >= threshold:
                c.view = True
        else:
            c.fail_streak, c.ok_streak = c.fail_streak + 1, 0
            c.last_failure = (result.status, c.last_checked)
            if c.view and c.fail_streak >= threshold:
                c.view = False
        hc_history.on_probe(rt, c, result, forced, REGIONS.reachable)

    # ---- evaluation ------------------------------------------------------------------------
    def _base_health(self, rt: Runtime) -> bool:
        kind = rt.config["type"]
        if kind == "CALCULATED":
            healthy_children = sum(1 for child in rt.config["children"] if self.is_healthy(rt.account, child))
            return healthy_children >= rt.config["health_threshold"]
        if kind == "CLOUDWATCH_METRIC":
            return r53_kinds.alarm_health(rt)
        if kind == "RECOVERY_CONTROL" or not rt.checkers:
            return True
        # Checkers of unreachable regions leave the aggregate; with none left, the last views stand.
        reporting = [c for c in rt.checkers if REGIONS.reachable(c.region)] or rt.checkers
        return sum(c.view for c in reporting) > HEALTHY_FRACTION * len(reporting)

    def _evaluate(self, rt: Runtime, reason: str):
        base = self._base_health(rt)
        if rt.config["type"] in ("CALCULATED", "CLOUDWATCH_METRIC"):
            hc_history.on_base(rt, base, reason)
        status = True if rt.disabled else (base != rt.inverted)
        if status == rt.healthy:
            return
        at = now()
        rt.healthy, rt.last_flip = status, at
        rt.transitions.append({"at": iso(at), "atEpoch": at, "healthy": status, "reason": reason})
        log(f"health check {rt.hc_id} is now {'HEALTHY' if status else 'UNHEALTHY'} ({reason})")
        for listener in self.listeners:
            listener(at)

    def is_healthy(self, account: str, hc_id: str) -> bool:
        rt = self.runtimes.get((account, hc_id))
        return True if rt is None else rt.healthy

    # ---- control and API views -------------------------------------------------------------
    def force(self, rule: dict) -> dict:
        if rule.get("result") not in ("healthy", "unhealthy", None):
            raise ValueError("result must be healthy, unhealthy or null (clear)")
        with LOCK:
            match = {k: rule.get(k) for k in ("healthCheckId", "endpoint")}
            self.forced = [f for f in self.forced if {k: f.get(k) for k in match} != match]
            if rule.get("result") is not None:
                self.forced.append({k: rule.get(k) for k in ("healthCheckId", "endpoint", "regions", "result")})
            if rule.get("immediate") and rule.get("result") is not None:
                for rt in list(self.runtimes.values()):
                    for c in rt.checkers:
                        # Each checker takes the result of the rule that matches it, not the new rule's.
                        match = self._force_for(rt, rt.config, c.region)
                        if match is not None:
                            c.view, c.forced = match["result"] == "healthy", True
                    self._evaluate(rt, "forced immediately")
            return {"forced": list(self.forced)}

    def observations(self, account: str, hc_id: str) -> list:
        rt = self.runtimes.get((account, hc_id))
        if rt is None:
            return []
        import datetime

        return [{"Region": c.region, "IPAddress": checker_ip(c.region),
                 "StatusReport": {"Status": c.last_status,
                                  "CheckedTime": datetime.datetime.fromtimestamp(c.last_checked,
                                                                                 datetime.timezone.utc)}}
                for c in rt.checkers if c.last_checked is not None]

    def last_failures(self, account: str, hc_id: str) -> list:
        rt = self.runtimes.get((account, hc_id))
        return [] if rt is None else [(c.region, checker_ip(c.region), c.last_failure[0], c.last_failure[1])
                                      for c in rt.checkers if c.last_failure]

    def describe(self, rt: Runtime) -> dict:
        cfg = rt.config
        return {"healthCheckId": rt.hc_id, "account": rt.account, "type": cfg["type"], "healthy": rt.healthy,
                "lastFlipAt": iso(rt.last_flip), "lastFlipAtEpoch": rt.last_flip, "inverted": rt.inverted,
                "disabled": rt.disabled, "checkersHealthy": sum(c.view for c in rt.checkers),
                "checkersTotal": len(rt.checkers), "requestInterval": cfg["interval"],
                "failureThreshold": cfg["threshold"], "scaledIntervalSeconds": SETTINGS.scaled(cfg["interval"]),
                "transitions": list(rt.transitions), "checkers": [c.to_json() for c in rt.checkers],
                "createdAt": iso(rt.created_at)}


ENGINE = HealthEngine()
