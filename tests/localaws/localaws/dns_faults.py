"""Faults on the authoritative DNS port: dropped, delayed, SERVFAIL or REFUSED answers, for drills that
must survive a resolver path that misbehaves. Rules match by query name and protocol; a fractional
probability draws from the rule's own seeded RNG, so a campaign replays identically from its seeds."""

import itertools
import random
import threading
from dataclasses import dataclass, field

from .state import iso, now

KINDS = ("drop", "delay", "servfail", "refused")
PROTOCOLS = (None, "udp", "tcp")
FIELDS = {"kind", "delayMs", "probability", "count", "name", "protocol", "seed"}
MAX_HITS_KEPT = 100


def _norm(name: str) -> str:
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


@dataclass
class DnsRule:
    id: str
    kind: str
    delay_ms: int
    probability: float
    count: int | None
    name: str | None
    protocol: str | None
    seed: int
    remaining: int | None = None
    hits: int = 0
    hit_log: list = field(default_factory=list)
    created_at: float = field(default_factory=now)
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, qname: str, protocol: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False  # used up; kept in the list so a campaign can count what it injected
        if self.name is not None and self.name != qname:
            return False
        return self.protocol is None or self.protocol == protocol

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "delayMs": self.delay_ms, "probability": self.probability,
                "count": self.count, "remaining": self.remaining, "name": self.name, "protocol": self.protocol,
                "seed": self.seed, "active": self.remaining is None or self.remaining > 0, "hits": self.hits,
                "createdAt": iso(self.created_at), "hitLog": list(self.hit_log)}


def _parse(spec: dict, rule_id: str) -> DnsRule:
    unknown = set(spec) - FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(FIELDS)}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    delay = spec.get("delayMs", 0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
        raise ValueError("delayMs must be a number >= 0")
    if kind == "delay" and delay <= 0:
        raise ValueError("a delay rule needs delayMs > 0")
    probability = spec.get("probability", 1.0)
    if not isinstance(probability, (int, float)) or isinstance(probability, bool) or not 0.0 <= probability <= 1.0:
        raise ValueError("probability must be a number in [0, 1]")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise ValueError("count must be a positive integer or null (until deleted)")
    protocol = spec.get("protocol")
    if protocol not in PROTOCOLS:
        raise ValueError('protocol must be "udp", "tcp" or null (both)')
    name = spec.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError("name must be a query name or null (every name)")
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("seed must be an integer")
    return DnsRule(id=rule_id, kind=kind, delay_ms=int(delay), probability=float(probability), count=count,
                   name=_norm(name) if name else None, protocol=protocol, seed=seed, remaining=count,
                   rng=random.Random(seed))


@dataclass
class Decision:
    """What to do with one query: wait delay_ms, then answer normally or fail as `kind`."""
    delay_ms: int = 0
    kind: str | None = None  # drop | servfail | refused | None (answer)
    rule_ids: list = field(default_factory=list)


class DnsFaults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: dict[str, DnsRule] = {}
        self._ids = itertools.count(1)

    def add(self, spec: dict) -> dict:
        with self._lock:
            rule = _parse(spec, f"dnsfault-{next(self._ids)}")
            self._rules[rule.id] = rule
            return rule.to_json()

    def list(self) -> list:
        with self._lock:
            return [r.to_json() for r in self._rules.values()]

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def decide(self, qname: str, qtype: str, protocol: str) -> Decision:
        """Delays add up; the first matching failure (drop, servfail, refused) wins, as in faults.py."""
        decision = Decision()
        qname = _norm(qname)
        with self._lock:
            for rule in self._rules.values():
                if not rule.matches(qname, protocol):
                    continue
                if rule.kind != "delay" and decision.kind is not None:
                    continue
                # Every candidate query draws, selected or not, so a rule's outcomes depend only on its
                # seed and the sequence of queries it sees.
                if rule.probability < 1.0 and rule.rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                at = now()
                rule.hit_log.append({"at": iso(at), "atEpoch": at, "name": qname, "type": qtype, "protocol": protocol})
                del rule.hit_log[:-MAX_HITS_KEPT]
                if rule.remaining is not None:
                    rule.remaining -= 1
                decision.rule_ids.append(rule.id)
                if rule.kind == "delay":
                    decision.delay_ms += rule.delay_ms
                else:
                    decision.kind = rule.kind
                    decision.delay_ms += rule.delay_ms  # a failure may also come late
        return decision


DNS_FAULTS = DnsFaults()
