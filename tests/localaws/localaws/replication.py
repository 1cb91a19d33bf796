"""Item replication between global-table replicas, with injectable delay and pause.

Writes are captured where moto applies them (Table.put_item / delete_item and the backend's
update_item), queued per table in write order, and applied to every other replica once the
configured delay has passed. Conflicts resolve last-writer-wins by write time, as in DynamoDB.
"""

import collections
import copy
import threading
import time
from dataclasses import dataclass

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from . import dynamo_global
from .state import LOCK, SETTINGS, STOP, iso, log, now

_tx = threading.local()  # buffers a transaction's writes until it commits


@dataclass
class Change:
    account: str
    table: str
    source: str
    target: str
    hash_key: object
    range_key: object
    item: object  # deep copy of moto's Item, or None for a delete
    written_at: float
    written_mono: float


def _key_repr(hash_key, range_key) -> tuple:
    def one(k):
        return None if k is None else (k.type, repr(k.value))
    return one(hash_key), one(range_key)


class Replicator:
    def __init__(self):
        self.cond = threading.Condition(LOCK)
        self.queues: dict[tuple, collections.deque] = {}
        self.tables: dict[str, dict] = {}  # per-table overrides: {"delaySeconds": x, "paused": b}
        self.paused = False
        self.last_write: dict[tuple, float] = {}
        self.latest: dict[tuple, dict] = {}  # (account, table, source, target) -> last applied change
        self.samples: list[tuple] = []  # (applied_at, account, table, source, target, latency)
        self.applied = 0
        # Predicates (change -> reason or None) that keep a change back without pausing the whole table:
        # an unreachable region, a replica that is not ACTIVE. Registered by those modules.
        self.holds: list = []
        self.listeners: list = []  # called (change, applied_at, latency_seconds) for each applied write

    def reset(self):
        with LOCK:
            self.queues.clear()
            self.tables.clear()
            self.paused = False
            self.last_write.clear()
            self.latest.clear()
            self.samples.clear()
            self.applied = 0

    def configure(self, spec: dict) -> dict:
        with LOCK:
            table = spec.get("table")
            if table:
                cfg = self.tables.setdefault(table, {})
                for key in ("delaySeconds", "paused"):
                    if key in spec:
                        cfg[key] = spec[key]
            else:
                if "delaySeconds" in spec:
                    SETTINGS.replication_delay = float(spec["delaySeconds"])
                if "paused" in spec:
                    self.paused = bool(spec["paused"])
            self.cond.notify_all()
            return self.describe()

    def _table_cfg(self, table: str) -> tuple[float, bool]:
        cfg = self.tables.get(table, {})
        delay = float(cfg.get("delaySeconds", SETTINGS.replication_delay))
        paused = bool(cfg.get("paused", self.paused))
        return delay, paused

    # ---- capture ---------------------------------------------------------------------------
    def capture(self, table: Table, item, hash_key, range_key):
        account, region, name = table.account_id, table.region_name, table.name
        written = now()
        self.last_write[(account, region, name, _key_repr(hash_key, range_key))] = written
        targets = dynamo_global.peers(account, region, name)
        if not targets:
            return
        snapshot = copy.deepcopy(item) if item is not None else None
        mono = time.monotonic()
        changes = [Change(account, name, region, t, hash_key, range_key, snapshot, written, mono) for t in targets]
        buffer = getattr(_tx, "buffer", None)
        if buffer is not None:
            buffer.extend(changes)
        else:
            self._enqueue(changes)

    def _enqueue(self, changes):
        for ch in changes:
            self.queues.setdefault((ch.account, ch.table), collections.deque()).append(ch)
        self.cond.notify_all()

    # ---- apply -----------------------------------------------------------------------------
    def start(self):
        threading.Thread(target=self._loop, name="replicator", daemon=True).start()

    def _loop(self):
        with LOCK:
            while not STOP.is_set():
                try:
                    wait = self._apply_due()
                    dynamo_global.tick()
                except Exception as e:
                    log(f"replication error: {e!r}")
                    wait = 0.5
                self.cond.wait(wait)

    def held(self, ch: Change) -> str | None:
        for hold in self.holds:
            reason = hold(ch)
            if reason:
                return reason
        return None

    def _apply_due(self) -> float:
        wait = 0.5
        t = time.monotonic()
        for (_account, table), queue in list(self.queues.items()):
            delay, paused = self._table_cfg(table)
            if paused:
                continue
            kept = []  # held changes go back in front, in order: per (source, target) order is kept
            while queue:
                due = queue[0].written_mono + delay
                if due > t:
                    wait = min(wait, due - t)
                    break
                ch = queue.popleft()
                if self.held(ch):
                    kept.append(ch)
                else:
                    self._apply(ch)
            queue.extendleft(reversed(kept))
        return max(wait, 0.005)

    def _apply(self, ch: Change):
        from moto.dynamodb.models import dynamodb_backends

        per_account = dict.get(dynamodb_backends, ch.account)
        backend = dict.get(per_account, ch.target) if per_account is not None else None
        target = backend.tables.get(ch.table) if backend is not None else None
        if target is None:
            return
        key = (ch.account, ch.target, ch.table, _key_repr(ch.hash_key, ch.range_key))
        if self.last_write.get(key, 0.0) > ch.written_at:
            return  # a newer write in the target region wins
        self.last_write[key] = ch.written_at
        if target.has_range_key:
            old = target.items.get(ch.hash_key, {}).get(ch.range_key)
            if ch.item is not None:
                target.items[ch.hash_key][ch.range_key] = copy.deepcopy(ch.item)
            elif old is not None:
                target.items[ch.hash_key].pop(ch.range_key, None)
        else:
            old = target.items.get(ch.hash_key)
            if ch.item is not None:
                target.items[ch.hash_key] = copy.deepcopy(ch.item)
            elif old is not None:
                target.items.pop(ch.hash_key, None)
        if target.stream_shard is not None and (old is not None or ch.item is not None):
            target.stream_shard.add(old, ch.item)
        applied = now()
        latency = applied - ch.written_at
        self.applied += 1
        self.latest[(ch.account, ch.table, ch.source, ch.target)] = {
            "table": ch.table, "account": ch.account, "sourceRegion": ch.source, "targetRegion": ch.target,
            "writtenAt": iso(ch.written_at), "appliedAt": iso(applied), "latencySeconds": round(latency, 4)}
        self.samples.append((applied, ch.account, ch.table, ch.source, ch.target, latency))
        del self.samples[:-5000]
        for listener in self.listeners:
            listener(ch, applied, latency)

    # ---- views -----------------------------------------------------------------------------
    def pending(self) -> list[dict]:
        t = time.monotonic()
        out = []
        for (account, table), queue in self.queues.items():
            if queue:
                held = [c for c in queue if self.held(c)]
                out.append({"account": account, "table": table, "count": len(queue),
                            "oldestAgeSeconds": round(t - queue[0].written_mono, 4),
                            "targets": sorted({c.target for c in queue}), "held": len(held),
                            "heldReasons": sorted({self.held(c) for c in held})})
        return out

    def describe(self) -> dict:
        with LOCK:
            return {"delaySeconds": SETTINGS.replication_delay, "paused": self.paused,
                    "tables": copy.deepcopy(self.tables), "pending": self.pending(),
                    "applied": self.applied, "latest": list(self.latest.values())}


REPLICATOR = Replicator()


def install():
    original_put, original_delete = Table.put_item, Table.delete_item
    original_update = DynamoDBBackend.update_item
    original_transact = DynamoDBBackend.transact_write_items
    original_execute_tx = DynamoDBBackend.execute_transaction

    def put_item(self, *args, **kwargs):
        item = original_put(self, *args, **kwargs)
        REPLICATOR.capture(self, item, item.hash_key, item.range_key)
        return item

    def delete_item(self, hash_key, range_key=None):
        item = original_delete(self, hash_key, range_key)
        if item is not None:
            REPLICATOR.capture(self, None, hash_key, range_key)
        return item

    def update_item(self, table_name, *args, **kwargs):
        item = original_update(self, table_name, *args, **kwargs)
        REPLICATOR.capture(self.get_table(table_name), item, item.hash_key, item.range_key)
        return item

    def transactional(original):
        def wrapper(self, *args, **kwargs):
            _tx.buffer = []
            try:
                result = original(self, *args, **kwargs)
                REPLICATOR._enqueue(_tx.buffer)  # only committed transactions replicate
                return result
            finally:
                _tx.buffer = None
        return wrapper

    Table.put_item, Table.delete_item = put_item, delete_item
    DynamoDBBackend.update_item = update_item
    DynamoDBBackend.transact_write_items = transactional(original_transact)
    DynamoDBBackend.execute_transaction = transactional(original_execute_tx)
