"""Region reachability: losing a whole AWS region as seen from here.

An unreachable region's API endpoints stop answering: every request signed for it (SigV4 credential
scope) is dropped, either with a closed connection (`reset`) or by holding it unanswered until the client
gives up (`blackhole`, capped). Route 53's, IAM's and the global STS endpoint's control planes are signed
for us-east-1, so losing us-east-1 loses them too; Route 53's data plane is global and keeps going (DNS
answers, health evaluation by the checkers of the other regions). The region's health checkers stop
reporting and leave the aggregate; DynamoDB replication to and from the region is held and applied in
order on recovery; schedules of that region, and schedules whose target is Route 53 while us-east-1 is
lost, fire late, once they can (EventBridge Scheduler retries). The control API is never affected.
"""

import socket
import struct
import time

from .state import LOCK, STOP, iso, log, now

MODES = ("reset", "blackhole")
FIELDS = {"region", "reachable", "mode", "holdSeconds"}
BLACKHOLE_CAP_SECONDS = 120.0
CONTROL_PLANE_REGION = {"route53": "us-east-1", "iam": "us-east-1"}  # global services' signing region


class Regions:
    def __init__(self):
        self._down: dict[str, dict] = {}  # region -> {"mode", "since", "holdSeconds"}
        self.history: list[dict] = []
        self.dropped: dict[str, int] = {}
        self.holding = 0
        self._listeners = []  # called (under LOCK) after any change, e.g. to wake the replicator

    def on_change(self, fn):
        self._listeners.append(fn)

    def reset(self):
        self._down.clear()
        self.history.clear()
        self.dropped.clear()

    # ---- queries (cheap; called per request, per probe and per replicated write) -------------------
    def reachable(self, region: str | None) -> bool:
        return region is None or region not in self._down

    def mode(self, region: str) -> str | None:
        entry = self._down.get(region)
        return entry["mode"] if entry else None

    def blocks_schedule(self, schedule_region: str, target_arn: str | None) -> bool:
        """A schedule cannot fire while its own region is lost, nor reach Route 53's API while us-east-1 is."""
        if not self.reachable(schedule_region):
            return True
        service = (target_arn or "").split(":aws-sdk:", 1)[-1].split(":", 1)[0].lower()
        return not self.reachable(CONTROL_PLANE_REGION.get(service))

    # ---- control -----------------------------------------------------------------------------------
    def set(self, spec: dict) -> dict:
        unknown = set(spec) - FIELDS
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(FIELDS)}")
        region = spec.get("region")
        if not isinstance(region, str) or not region:
            raise ValueError('give {"region": "us-east-1", "reachable": false, "mode": "reset"|"blackhole"}')
        reachable = spec.get("reachable")
        if not isinstance(reachable, bool):
            raise ValueError("reachable must be true or false")
        mode = spec.get("mode", "reset")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        hold = spec.get("holdSeconds", BLACKHOLE_CAP_SECONDS)
        if not isinstance(hold, (int, float)) or isinstance(hold, bool) or not 0 < hold <= BLACKHOLE_CAP_SECONDS:
            raise ValueError(f"holdSeconds must be in (0, {BLACKHOLE_CAP_SECONDS:g}]")
        with LOCK:
            at = now()
            was = self._down.get(region)
            if reachable:
                self._down.pop(region, None)
            else:
                self._down[region] = {"mode": mode, "since": at, "holdSeconds": float(hold)}
            if (was is None) != reachable or (was and not reachable and was["mode"] != mode):
                self.history.append({"at": iso(at), "atEpoch": at, "region": region, "reachable": reachable,
                                     "mode": None if reachable else mode})
                log(f"region {region} is now {'reachable' if reachable else 'UNREACHABLE (' + mode + ')'}")
            for fn in self._listeners:
                fn()
        return self.describe()

    def restore_all(self) -> dict:
        with LOCK:
            for region in list(self._down):
                self.set({"region": region, "reachable": True})
        return self.describe()

    def describe(self) -> dict:
        with LOCK:
            return {"unreachable": [{"region": r, "mode": e["mode"], "since": iso(e["since"]), "sinceEpoch": e["since"],
                                     "holdSeconds": e["holdSeconds"]} for r, e in sorted(self._down.items())],
                    "history": list(self.history), "dropped": dict(self.dropped), "holding": self.holding}

    # ---- the request path --------------------------------------------------------------------------
    def intercept(self, req, environ) -> bool:
        """True when the request was dropped (the caller must not answer it)."""
        if req.access_key is None or req.region not in self._down:
            return False
        entry = self._down.get(req.region)
        if entry is None:
            return False
        with LOCK:
            self.dropped[req.region] = self.dropped.get(req.region, 0) + 1
        sock = environ.get("werkzeug.socket")
        if entry["mode"] == "blackhole" and sock is not None:
            self._hold(sock, entry["holdSeconds"])
        _abort(sock)
        return True

    def _hold(self, sock, hold_seconds: float):
        """Answer nothing until the client closes its side (it gave up), the cap passes, or we stop."""
        with LOCK:
            self.holding += 1
        try:
            deadline = time.monotonic() + hold_seconds
            while time.monotonic() < deadline and not STOP.is_set():
                try:
                    sock.settimeout(0.1)
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        return  # the client closed the connection
                except (socket.timeout, BlockingIOError):
                    continue
                except OSError:
                    return
                time.sleep(0.1)  # unexpected bytes (a pipelined request): keep holding
        finally:
            with LOCK:
                self.holding -= 1


def _abort(sock):
    """Close the connection without a response: the client sees the connection drop, as when a region's
    endpoint goes away. SO_LINGER 0 turns the close into a reset."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Dropped(ConnectionAbortedError):
    """Raised into the WSGI server so it writes no response (werkzeug treats it as a dropped connection)."""


REGIONS = Regions()
