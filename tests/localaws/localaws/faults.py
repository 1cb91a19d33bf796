"""Injected faults: throttling, server errors and latency, matched by service and operation."""

import itertools
import threading
from dataclasses import dataclass, field

from .state import iso, now

# The throttling error each service really returns, so SDK retry classification is exercised.
THROTTLE_CODES = {"route53": "Throttling", "dynamodb": "ThrottlingException", "iam": "Throttling",
                  "sts": "Throttling", "monitoring": "Throttling"}
SERVER_ERROR_CODES = {"dynamodb": "InternalServerError", "route53": "InternalError"}
KINDS = ("throttle", "error", "latency")


@dataclass
class Rule:
    id: str
    service: str
    operation: str = "*"
    region: str | None = None
    kind: str = "throttle"
    status: int = 400
    code: str = ""
    message: str = ""
    latency_ms: int = 0
    remaining: int | None = None  # None: until deleted
    # Throttle only what exceeds this many requests per second (a token bucket with a burst of
    # one second's worth), as Route 53's account-wide limit does; None: throttle every match.
    rate: float | None = None
    tokens: float = 0.0
    refilled_at: float = 0.0
    hits: int = 0
    created_at: float = field(default_factory=now)
    hit_times: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.id, "service": self.service, "operation": self.operation, "region": self.region,
                "kind": self.kind, "status": self.status, "code": self.code, "message": self.message,
                "latencyMs": self.latency_ms, "remaining": self.remaining, "ratePerSecond": self.rate,
                "hits": self.hits,
                "createdAt": iso(self.created_at), "hitTimes": [iso(t) for t in self.hit_times[-50:]]}


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: dict[str, Rule] = {}
        self._ids = itertools.count(1)

    def add(self, spec: dict) -> Rule:
        kind = spec.get("kind", "throttle")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        service = str(spec.get("service", "")).lower()
        if not service:
            raise ValueError("service is required (a SigV4 signing name: route53, dynamodb, scheduler, ...)")
        count = spec.get("count")
        rate = spec.get("ratePerSecond")
        if rate is not None and (kind != "throttle" or float(rate) <= 0):
            raise ValueError("ratePerSecond is for throttle rules and must be positive")
        status = int(spec.get("status", {"throttle": 400, "error": 500, "latency": 200}[kind]))
        if kind == "throttle":
            code = spec.get("code") or THROTTLE_CODES.get(service, "ThrottlingException")
            message = spec.get("message") or "Rate exceeded"
        elif kind == "error":
            code = spec.get("code") or ("ServiceUnavailable" if status == 503
                                        else SERVER_ERROR_CODES.get(service, "InternalFailure"))
            message = spec.get("message") or "Injected failure"
        else:
            code, message = "", ""
        rule = Rule(id=f"fault-{next(self._ids)}", service=service, operation=spec.get("operation", "*"),
                    region=spec.get("region"), kind=kind, status=status, code=code, message=message,
                    latency_ms=int(spec.get("latencyMs", 0)), remaining=None if count is None else int(count),
                    rate=None if rate is None else float(rate))
        if rule.rate is not None:
            rule.tokens, rule.refilled_at = max(rule.rate, 1.0), now()
        with self._lock:
            self._rules[rule.id] = rule
        return rule

    def list(self) -> list[dict]:
        with self._lock:
            return [r.to_json() for r in self._rules.values()]

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def match(self, service: str | None, operation: str | None, region: str) -> tuple[int, Rule | None]:
        """Total latency to add (ms) and the error rule to answer with, consuming counts."""
        latency, failing = 0, None
        with self._lock:
            for rule in list(self._rules.values()):
                if rule.service != service or rule.operation not in ("*", operation):
                    continue
                if rule.region and rule.region != region:
                    continue
                if rule.kind != "latency" and failing is not None:
                    continue
                if rule.rate is not None and self._within_rate(rule):
                    continue
                rule.hits += 1
                rule.hit_times.append(now())
                if rule.kind == "latency":
                    latency += rule.latency_ms
                else:
                    failing = rule
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self._rules[rule.id]
        return latency, failing

    @staticmethod
    def _within_rate(rule: Rule) -> bool:
        t = now()
        rule.tokens = min(max(rule.rate, 1.0), rule.tokens + (t - rule.refilled_at) * rule.rate)
        rule.refilled_at = t
        if rule.tokens >= 1.0:
            rule.tokens -= 1.0
            return True
        return False


FAULTS = Faults()
