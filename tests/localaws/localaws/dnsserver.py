"""Authoritative DNS on UDP and TCP (same port) plus the history of answer changes.

The history is the ground truth for "when did local AWS flip DNS": it is recomputed the instant a
health check flips or records change, independent of anyone querying.
"""

import collections
import socket
import socketserver
import threading
import time

from dnslib import QTYPE, RCODE, RR, DNSError, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

from .dns_faults import DNS_FAULTS
from .resolver import Resolver, norm
from .state import LOCK, STOP, iso, log, now

NAME_VALUED = {"CNAME", "NS", "PTR", "DNAME"}


class DnsTracker:
    def __init__(self, resolver: Resolver):
        self.resolver = resolver
        self.current: dict[tuple, tuple] = {}
        self.history: list[dict] = []
        self.queries = collections.deque(maxlen=2000)

    def reset(self):
        with LOCK:
            self.current.clear()
            self.history.clear()
            self.queries.clear()

    def start(self):
        threading.Thread(target=self._loop, name="dns-tracker", daemon=True).start()

    def _loop(self):
        # Safety net for changes that bypass the request path (e.g. moto's own reset API).
        while not STOP.wait(0.5):
            try:
                self.refresh()
            except Exception as e:
                log(f"dns tracker error: {e!r}")

    def _tracked(self):
        """(zone, name, type) of every record group with a routing policy, health check or alias."""
        for _account, zone in self.resolver.zones():
            keys = set()
            for r in list(zone.rrsets):
                if r.set_identifier or r.health_check_id or r.alias_target:
                    keys.add((norm(r.name), r.type))
            for name, rtype in sorted(keys):
                yield zone, name, rtype

    def refresh(self, at: float | None = None):
        with LOCK:
            at = now() if at is None else at
            seen = set()
            for zone, name, rtype in self._tracked():
                key = (zone.resource_id, name, rtype)
                seen.add(key)
                ans = self.resolver.resolve(name, rtype, random_pick=False)
                state = (tuple(ans.chosen), tuple(sorted(r.value for r in ans.answer)))
                if self.current.get(key) != state:
                    previous = self.current.get(key)
                    self.current[key] = state
                    self.history.append({
                        "at": iso(at), "atEpoch": at, "zoneId": zone.resource_id, "name": name, "type": rtype,
                        "setIdentifiers": list(state[0]), "values": list(state[1]),
                        "healthy": ans.healthy, "initial": previous is None})
                    if previous is not None:
                        log(f"dns {name} {rtype} now answers {list(state[0])} {list(state[1])}")
            for key in [k for k in self.current if k not in seen]:
                del self.current[key]

    def record_query(self, qname: str, qtype: str, rcode: str, values: list, protocol: str,
                     fault: str | None = None, delay_ms: int = 0):
        self.queries.append({"at": iso(now()), "name": qname, "type": qtype, "rcode": rcode,
                             "values": values, "protocol": protocol, "fault": fault, "delayMs": delay_ms})


class _Resolver(BaseResolver):
    def __init__(self, resolver: Resolver, tracker: DnsTracker):
        self.resolver = resolver
        self.tracker = tracker

    def resolve(self, request: DNSRecord, handler):
        reply = request.reply(ra=0, aa=1)
        q = request.q
        qname, qtype = str(q.qname), QTYPE.get(q.qtype, str(q.qtype))
        protocol = getattr(handler, "protocol", "?")
        fault = DNS_FAULTS.decide(qname, qtype, protocol)
        with LOCK:
            ans = self.resolver.resolve(qname, qtype)
        rcode = ans.rcode if fault.kind is None else {"servfail": "SERVFAIL", "refused": "REFUSED"}.get(fault.kind)
        if rcode == "REFUSED":
            reply.header.aa = 0
        if fault.kind is None:
            reply.header.rcode = getattr(RCODE, ans.rcode)
            for rr in ans.answer:
                reply.add_answer(*_to_rr(rr))
            for rr in ans.authority:
                reply.add_auth(*_to_rr(rr))
        elif rcode is not None:
            reply.header.rcode = getattr(RCODE, rcode)
        self.tracker.record_query(norm(qname), qtype, rcode or "DROPPED",
                                  [r.value for r in ans.answer] if fault.kind is None else [], protocol,
                                  fault=fault.kind or ("delay" if fault.delay_ms else None), delay_ms=fault.delay_ms)
        if fault.delay_ms:
            # The answer reflects the state when the query arrived, like a packet held in the network;
            # nothing is locked while waiting.
            time.sleep(fault.delay_ms / 1000.0)
        if fault.kind == "drop":
            # dnslib sends nothing when the resolver raises DNSError (UDP: no datagram; TCP: the
            # connection closes without an answer).
            raise DNSError(f"dropped by fault rule {','.join(fault.rule_ids)}")
        return reply


def _to_rr(rr) -> list:
    value = rr.value
    if rr.rtype in NAME_VALUED and not value.endswith("."):
        value += "."
    try:
        return RR.fromZone(f"{rr.name} {rr.ttl} IN {rr.rtype} {value}")
    except Exception:
        return []


class _QuietLogger(DNSLogger):
    def __init__(self):
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)


class _UDPServer(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = False  # two servers must never share a UDP port silently


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(DNSHandler):
    udplen = 0


def start_dns(host: str, port: int, resolver: Resolver, tracker: DnsTracker):
    """Start UDP and TCP servers on the same port (a free one when port is 0)."""
    res = _Resolver(resolver, tracker)
    last_error = None
    for _ in range(20):
        try:
            tcp = DNSServer(res, address=host, port=port, tcp=True, logger=_QuietLogger(),
                            handler=_Handler, server=_TCPServer)
            bound = tcp.server.server_address[1]
            try:
                udp = DNSServer(res, address=host, port=bound, tcp=False, logger=_QuietLogger(),
                                handler=_Handler, server=_UDPServer)
            except OSError as e:
                tcp.server.server_close()
                if port:
                    raise
                last_error = e
                continue
            for server in (tcp, udp):
                server.thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.1},
                                                 name="dns", daemon=True)
                server.thread.start()
            return [tcp, udp], bound
        except OSError as e:
            if port:
                raise
            last_error = e
    raise OSError(f"no free DNS port pair: {last_error}")


def stop_dns(servers):
    for s in servers:
        try:
            s.stop()
            s.server.server_close()
        except (OSError, socket.error):
            pass
