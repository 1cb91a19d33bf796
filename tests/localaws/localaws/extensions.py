"""The fidelity added for drills, regions, replica states and alarms: one place that patches moto,
starts the background tick and clears the state on reset, so server.py needs only three hooks."""

import threading
import time

from . import alarms, cw_stats, dns_faults, hc_history, metrics, r53_kinds, regions, replica_states, scheduler_fidelity
from .replication import REPLICATOR
from .state import LOCK, STOP, log

TICK_SECONDS = 0.1


def install():
    cw_stats.install()
    alarms.install()
    r53_kinds.install()
    scheduler_fidelity.install()
    replica_states.install()
    REPLICATOR.holds.append(_region_hold)
    REPLICATOR.holds.append(replica_states.hold)
    REPLICATOR.listeners.append(lambda ch, applied, latency: metrics.record_replication(
        ch.account, ch.table, ch.source, ch.target, latency, applied))
    _count_writes()
    regions.REGIONS.on_change(REPLICATOR.cond.notify_all)


def _count_writes():
    """Every application write (where the replicator captures it) is also a ConsumedWriteCapacityUnits
    sample in its own region; replicated writes never pass through capture."""
    capture = REPLICATOR.capture

    def counted(table, item, hash_key, range_key):
        capture(table, item, hash_key, range_key)
        metrics.record_write(table.account_id, table.region_name, table.name, time.time())

    REPLICATOR.capture = counted


def _region_hold(ch) -> str | None:
    for region in (ch.source, ch.target):
        if not regions.REGIONS.reachable(region):
            return f"region {region} unreachable"
    return None


def start():
    threading.Thread(target=_loop, name="fidelity-tick", daemon=True).start()


def _loop():
    while not STOP.wait(TICK_SECONDS):
        try:
            with LOCK:
                alarms.ALARMS.tick()
                replica_states.tick()
        except Exception as e:  # keep ticking: one bad alarm must not stop the others
            log(f"fidelity tick error: {e!r}")


def reset():
    """Called by reset_all under LOCK (after moto's own reset)."""
    dns_faults.DNS_FAULTS.clear()
    hc_history.reset()
    regions.REGIONS.reset()
    replica_states.reset()
    alarms.ALARMS.reset()
    r53_kinds.reset()
