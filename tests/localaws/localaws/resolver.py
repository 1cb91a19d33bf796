"""Authoritative answers from moto's Route 53 data, honouring routing policies and health.

Shared by the DNS server, TestDNSAnswer, the DNS history tracker and health-check target lookup,
so all of them agree on what Route 53 would answer at any instant. Callers hold state.LOCK.
"""

import random
from dataclasses import dataclass, field

MAX_DEPTH = 8
NEGATIVE_TTL_CAP = 900


@dataclass
class RR:
    name: str
    rtype: str
    ttl: int
    value: str


@dataclass
class Answer:
    rcode: str  # NOERROR | NXDOMAIN | REFUSED
    answer: list = field(default_factory=list)
    authority: list = field(default_factory=list)
    zone: object = None
    account: str | None = None
    chosen: list = field(default_factory=list)  # set identifiers / record keys that were picked
    healthy: bool = True  # False when the answer is an all-unhealthy fallback


def norm(name: str) -> str:
    name = name.strip().lower().replace("\\052", "*")
    return name if name.endswith(".") else name + "."


def _truthy(v) -> bool:
    return v is True or str(v).lower() == "true"


def values(rrset) -> list[str]:
    # moto keeps records created through the API as strings but the zone's own SOA as {"Value": ...}.
    return [str(v["Value"]) if isinstance(v, dict) else str(v) for v in (rrset.records or [])]


def _ttl(v, default: int = 300) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


class Resolver:
    def __init__(self, health):
        self.health = health  # object with is_healthy(account, health_check_id) -> bool
        # zone id -> (membership key, zone, records by name). Indexing a zone costs O(records);
        # resolving every tracked name against a 2,000-record zone without it is quadratic.
        self._indexes: dict = {}

    def _by_name(self, zone) -> dict:
        rrsets = list(zone.rrsets)
        # Changes replace record objects (moto's upsert and delete do), so the set of object ids
        # tells whether the index is current; fields read at answer time are always live.
        key = (len(rrsets), sum(map(id, rrsets)))
        cached = self._indexes.get(id(zone))
        if cached is not None and cached[0] == key and cached[1] is zone:
            return cached[2]
        by_name: dict[str, list] = {}
        for rrset in rrsets:
            by_name.setdefault(norm(rrset.name), []).append(rrset)
        if len(self._indexes) > 256:  # zones of earlier resets; rebuilt on demand
            self._indexes.clear()
        self._indexes[id(zone)] = (key, zone, by_name)
        return by_name

    def zones(self):
        from moto.route53.models import route53_backends

        for account, per_account in list(dict.items(route53_backends)):
            backend = dict.get(per_account, "aws")
            if backend is None:
                continue
            for zone in list(backend.zones.values()):
                if not zone.private_zone:
                    yield account, zone

    def find_zone(self, qname: str):
        qname = norm(qname)
        best = (None, None)
        for account, zone in self.zones():
            zname = norm(zone.name)
            if qname == zname or qname.endswith("." + zname):
                if best[1] is None or len(zname) > len(norm(best[1].name)):
                    best = (account, zone)
        return best

    def zone_by_id(self, zone_id: str):
        zone_id = zone_id.replace("/hostedzone/", "")
        for account, zone in self.zones():
            if zone.resource_id == zone_id:
                return account, zone
        return None, None

    def resolve(self, qname: str, qtype: str, random_pick: bool = True, depth: int = 0) -> Answer:
        qname, qtype = norm(qname), qtype.upper()
        account, zone = self.find_zone(qname)
        if zone is None:
            return Answer("REFUSED")
        result = Answer("NOERROR", zone=zone, account=account)
        by_name = self._by_name(zone)
        rrsets = by_name.get(qname)
        if rrsets is None:
            rrsets = self._wildcard(qname, norm(zone.name), by_name)
        if rrsets is None:
            if not any(n.endswith("." + qname) for n in by_name):
                result.rcode = "NXDOMAIN"
            result.authority = self._soa(zone)
            return result
        types = {r.type for r in rrsets}
        if qtype == "ANY":
            wanted = sorted(types)
        elif qtype in types:
            wanted = [qtype]
        elif "CNAME" in types:
            wanted = ["CNAME"]
        else:
            wanted = []
        for rtype in wanted:
            group = [r for r in rrsets if r.type == rtype]
            records, chosen, healthy = self._select(account, qname, group, random_pick, depth)
            result.answer += records
            result.chosen += chosen
            result.healthy = result.healthy and healthy
            if rtype == "CNAME" and qtype not in ("CNAME", "ANY") and records and depth < MAX_DEPTH:
                target = records[0].value
                if self.find_zone(target)[1] is not None:
                    chased = self.resolve(target, qtype, random_pick, depth + 1)
                    result.answer += chased.answer
        if not result.answer:
            result.authority = self._soa(zone)
        return result

    def _wildcard(self, qname: str, zname: str, by_name: dict):
        labels = qname.split(".")
        for i in range(1, len(labels)):
            parent = ".".join(labels[i:])
            if parent == "" or not (parent == zname or parent.endswith("." + zname)):
                break
            if "*." + parent in by_name:
                return by_name["*." + parent]
        return None

    def _soa(self, zone) -> list:
        for rrset in zone.rrsets:
            if rrset.type == "SOA":
                ttl = min(_ttl(rrset.ttl, 900), NEGATIVE_TTL_CAP)
                return [RR(norm(zone.name), "SOA", ttl, values(rrset)[0])]
        return []

    def record_healthy(self, account: str, rrset, depth: int) -> bool:
        if rrset.health_check_id and not self.health.is_healthy(account, rrset.health_check_id):
            return False
        alias = rrset.alias_target
        if alias and _truthy(alias.get("EvaluateTargetHealth")) and depth < MAX_DEPTH:
            target = alias.get("DNSName", "")
            if self.find_zone(target)[1] is not None:
                sub = self.resolve(target, rrset.type, random_pick=False, depth=depth + 1)
                # Without a random pick a weighted group answers no records but names its candidates.
                return sub.rcode == "NOERROR" and bool(sub.answer or sub.chosen) and sub.healthy
        return True

    def _records(self, account: str, qname: str, rrset, depth: int) -> list:
        if rrset.alias_target:
            target = rrset.alias_target.get("DNSName", "")
            if depth >= MAX_DEPTH or self.find_zone(target)[1] is None:
                return []  # aliases to resources outside hosted zones (ELB, CloudFront...) are not served
            sub = self.resolve(target, rrset.type, depth=depth + 1)
            return [RR(qname, r.rtype, r.ttl, r.value) for r in sub.answer if r.rtype == rrset.type]
        return [RR(qname, rrset.type, _ttl(rrset.ttl), v) for v in values(rrset)]

    def _select(self, account: str, qname: str, group: list, random_pick: bool, depth: int):
        """(records, chosen identifiers, whether the choice is healthy) for one name and type."""

        def ident(r):
            return r.set_identifier or "-"

        def ok(r):
            return self.record_healthy(account, r, depth)

        if not any(r.set_identifier for r in group):
            records = [rr for r in group for rr in self._records(account, qname, r, depth)]
            return records, [ident(r) for r in group], all(ok(r) for r in group)
        failover = [r for r in group if r.failover]
        if failover:
            primary = next((r for r in failover if r.failover == "PRIMARY"), None)
            secondary = next((r for r in failover if r.failover == "SECONDARY"), None)
            if primary is not None and ok(primary):
                pick, healthy = primary, True
            elif secondary is not None and ok(secondary):
                pick, healthy = secondary, True
            else:
                # Route 53: when every record in the group is unhealthy it answers as if all were
                # healthy, which for failover means the primary.
                pick, healthy = primary or secondary, False
            return self._records(account, qname, pick, depth), [ident(pick)], healthy
        weighted = [r for r in group if r.weight is not None]
        if weighted:
            live = [r for r in weighted if _ttl(r.weight, 0) > 0] or weighted
            healthy_ones = [r for r in live if ok(r)]
            candidates = healthy_ones or live
            chosen = sorted(candidates, key=ident)
            if random_pick:
                weights = [max(_ttl(r.weight, 0), 0) for r in candidates]
                pick = random.choices(candidates, weights=weights)[0] if sum(weights) else candidates[0]
                return self._records(account, qname, pick, depth), [ident(r) for r in chosen], bool(healthy_ones)
            return [], [ident(r) for r in chosen], bool(healthy_ones)
        if any(_truthy(r.multi_value_answer) for r in group):
            healthy_ones = [r for r in group if ok(r)]
            picks = sorted(healthy_ones or group, key=ident)[:8]
            records = [rr for r in picks for rr in self._records(account, qname, r, depth)]
            return records, [ident(r) for r in picks], bool(healthy_ones)
        # Latency, geolocation and other policies: no client location here, first healthy record wins.
        ordered = sorted(group, key=ident)
        healthy_ones = [r for r in ordered if ok(r)]
        pick = (healthy_ones or ordered)[0]
        return self._records(account, qname, pick, depth), [ident(pick)], bool(healthy_ones)

    def address_of(self, name: str) -> str | None:
        """An IPv4 address for a name from the hosted zones (health-check FQDN targets)."""
        ans = self.resolve(name, "A", random_pick=True)
        for rr in ans.answer:
            if rr.rtype == "A":
                return rr.value
        return None
