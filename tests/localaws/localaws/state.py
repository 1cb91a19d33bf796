"""Process-wide state shared by the request path and the background loops."""

import datetime
import threading
import time
from dataclasses import dataclass, field

# moto's backends are plain dicts and objects without locking of their own. Every request to moto
# and every background mutation (health evaluation, replication, schedule firing) holds this lock,
# so readers never see a half-applied change. Network I/O (probes, injected latency) never runs
# under it.
LOCK = threading.RLock()

# Set on SIGTERM/SIGINT: every loop polls it through Event.wait(timeout).
STOP = threading.Event()

DEFAULT_ACCOUNT = "123456789012"


@dataclass
class Settings:
    time_scale: float = 1.0
    # Seconds between a write in one replica and its appearance in the others (not scaled:
    # tests choose the value they want).
    replication_delay: float = 0.5
    # How long a new replica stays CREATING (and a removed one DELETING) before it settles.
    replica_transition_seconds: float = 0.0
    # How long a changed Inverted/Disabled flag takes to reach the health evaluation.
    route53_config_propagation_seconds: float = 0.0
    # Floors for scaled probe timeouts: below these a busy 2-core machine produces false failures.
    min_connect_timeout: float = 0.5
    min_response_timeout: float = 1.0
    verbose: bool = False
    extra: dict = field(default_factory=dict)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale


SETTINGS = Settings()


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log(msg: str) -> None:
    print(f"localaws {iso(now())} {msg}", flush=True)


def debug(msg: str) -> None:
    if SETTINGS.verbose:
        log(msg)
