"""CloudWatch metrics AWS publishes on its own, written into moto's CloudWatch backend so every
protocol (query, JSON, CBOR) and both GetMetricStatistics and GetMetricData serve them:

- AWS/Route53 HealthCheckStatus (1/0) and HealthCheckPercentageHealthy, dimension HealthCheckId,
  in us-east-1 (where Route 53 publishes), one datapoint per 60 s x --time-scale (at least 1 s);
- AWS/DynamoDB ReplicationLatency (Milliseconds), dimensions TableName + ReceivingRegion, in the
  source region: one sample per replicated write, stamped with the wall-clock time it was applied in
  the receiving region, valued at its measured source->target delay. DynamoDB defines the metric as
  the time between a write and its appearance in the other replica, so a write that has not appeared
  yet has no sample: while replication is held (paused, region unreachable, replica not ACTIVE) the
  metric is missing, and the held writes report their whole delay once they apply;
- AWS/DynamoDB ConsumedWriteCapacityUnits (Count), dimension TableName, in the region the write was
  made in: one unit per application write (PutItem, UpdateItem, DeleteItem, batch and transaction
  items; replicated writes are not counted, as AWS counts them as ReplicatedWriteCapacityUnits), so a
  reader can tell "no ReplicationLatency because nothing was written" from "written, nothing arrived".
"""

import threading
import time

from .state import LOCK, SETTINGS, STOP, log

_last = {"at": 0.0}


def reset():
    _last["at"] = time.time()
    _latency_samples.clear()


def start():
    threading.Thread(target=_loop, name="metrics", daemon=True).start()


def _loop():
    period = max(1.0, 60.0 * SETTINGS.time_scale)
    _last["at"] = time.time()
    while not STOP.wait(period):
        try:
            publish()
        except Exception as e:
            log(f"metrics error: {e!r}")


def publish():
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.utils import utcnow

    from .health import ENGINE

    with LOCK:
        _last["at"] = time.time()
        stamp = utcnow()
        for (account, hc_id), rt in list(ENGINE.runtimes.items()):
            total = len(rt.checkers)
            pct = 100.0 * sum(c.view for c in rt.checkers) / total if total else (100.0 if rt.healthy else 0.0)
            dims = [{"Name": "HealthCheckId", "Value": hc_id}]
            cloudwatch_backends[account]["us-east-1"].put_metric_data("AWS/Route53", [
                {"MetricName": "HealthCheckStatus", "Value": 1.0 if rt.healthy else 0.0, "Dimensions": dims,
                 "Timestamp": stamp, "Unit": "None"},
                {"MetricName": "HealthCheckPercentageHealthy", "Value": pct, "Dimensions": dims,
                 "Timestamp": stamp, "Unit": "Percent"}])


# Samples of ReplicationLatency kept per CloudWatch backend before the oldest are dropped (CloudWatch
# keeps days of data; a long benchmark must not grow without bound here).
MAX_LATENCY_SAMPLES = 20000
_latency_samples: dict[tuple, int] = {}


def record_replication(account: str, table: str, source: str, target: str, latency_seconds: float,
                       applied_at: float):
    """One replicated write (called by the replicator under LOCK as it applies the write)."""
    import datetime

    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

    backend = cloudwatch_backends[account][source]
    stamp = datetime.datetime.fromtimestamp(applied_at, datetime.timezone.utc).replace(tzinfo=None)
    backend.metric_data.append(MetricDatum(
        "AWS/DynamoDB", "ReplicationLatency", latency_seconds * 1000.0,
        [{"Name": "TableName", "Value": table}, {"Name": "ReceivingRegion", "Value": target}], stamp, "Milliseconds"))
    key = (account, source)
    _latency_samples[key] = _latency_samples.get(key, 0) + 1
    if _latency_samples[key] > MAX_LATENCY_SAMPLES * 1.1:
        _prune(backend, key)


def record_write(account: str, region: str, table: str, written_at: float):
    """One application write in `region` (called as moto applies it, under LOCK)."""
    import datetime

    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

    backend = cloudwatch_backends[account][region]
    stamp = datetime.datetime.fromtimestamp(written_at, datetime.timezone.utc).replace(tzinfo=None)
    backend.metric_data.append(MetricDatum(
        "AWS/DynamoDB", WRITES, 1.0, [{"Name": "TableName", "Value": table}], stamp, "Count"))
    key = (account, region, WRITES)
    _latency_samples[key] = _latency_samples.get(key, 0) + 1
    if _latency_samples[key] > MAX_LATENCY_SAMPLES * 1.1:
        _prune(backend, key, WRITES)


WRITES = "ConsumedWriteCapacityUnits"


def _prune(backend, key, name="ReplicationLatency"):
    ours = [i for i, md in enumerate(backend.metric_data)
            if md.namespace == "AWS/DynamoDB" and md.name == name]
    drop = set(ours[:len(ours) - MAX_LATENCY_SAMPLES])
    backend.metric_data = [md for i, md in enumerate(backend.metric_data) if i not in drop]
    _latency_samples[key] = len(ours) - len(drop)
