"""CloudWatch metrics AWS publishes on its own, written into moto's CloudWatch backend so every
protocol (query, JSON, CBOR) and both GetMetricStatistics and GetMetricData serve them:

- AWS/Route53 HealthCheckStatus (1/0) and HealthCheckPercentageHealthy, dimension HealthCheckId,
  in us-east-1 (where Route 53 publishes);
- AWS/DynamoDB ReplicationLatency (ms), dimensions TableName + ReceivingRegion, in the source
  region: the mean measured latency of the period, or the age of the oldest unreplicated write
  while replication is delayed or paused.

One datapoint per period of 60 s x --time-scale (at least 1 s).
"""

import threading
import time

from .state import LOCK, SETTINGS, STOP, log

_last = {"at": 0.0}


def reset():
    _last["at"] = time.time()


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
    from .replication import REPLICATOR

    with LOCK:
        since, _last["at"] = _last["at"], time.time()
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
        latencies: dict[tuple, list] = {}
        for applied, account, table, source, target, latency in REPLICATOR.samples:
            if applied >= since:
                latencies.setdefault((account, table, source, target), []).append(latency * 1000.0)
        now_mono = time.monotonic()
        for (account, table), queue in REPLICATOR.queues.items():
            for change in queue:
                key = (account, table, change.source, change.target)
                age = (now_mono - change.written_mono) * 1000.0
                latencies[key] = [max(latencies.get(key, [0.0]) + [age])]
        for (account, table, source, target), values in latencies.items():
            cloudwatch_backends[account][source].put_metric_data("AWS/DynamoDB", [
                {"MetricName": "ReplicationLatency", "Value": sum(values) / len(values), "Timestamp": stamp,
                 "Unit": "Milliseconds", "Dimensions": [{"Name": "TableName", "Value": table},
                                                        {"Name": "ReceivingRegion", "Value": target}]}])
