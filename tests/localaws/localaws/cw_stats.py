"""CloudWatch statistics as CloudWatch computes them, replacing moto's where they differ:

- periods are aligned: StartTime is rounded down to the whole minute (to the 1/5/10/20/30-second division
  for high-resolution periods), and each datapoint is stamped with the start of its period; moto started
  its periods at the first datapoint (GetMetricStatistics) or at the unrounded StartTime (GetMetricData);
- a metric is its namespace, name and exact set of dimensions: moto matched a subset of dimensions
  (GetMetricStatistics), ignored the namespace when dimensions were given and compared dimension lists
  with a broken ordering (GetMetricData), so a two-dimension query could miss its own metric;
- EndTime is exclusive; GetMetricData returns newest first unless ScanBy says otherwise (moto's response
  layer already defaults to TimestampDescending) with StatusCode Complete.

Only MetricStat queries are recomputed; metric math and Metrics Insights stay moto's.
"""

import datetime
import math

from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum, Statistics

UTC = datetime.timezone.utc
STANDARD = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


def epoch(ts) -> float:
    """moto keeps naive-UTC datetimes for its own data and whatever the protocol parser produced for
    PutMetricData; everything is compared as epoch seconds here."""
    if isinstance(ts, (int, float)):
        return float(ts)
    if isinstance(ts, str):
        ts = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.timestamp()


def naive(t: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(t, UTC).replace(tzinfo=None)


def aligned_start(start: float, period: int) -> float:
    """CloudWatch rounds StartTime down to the whole minute (recent data), or to the period's division of
    a minute for 1-30 s periods."""
    step = period if period < 60 else 60
    return math.floor(start / step) * step


def _dim_set(dims) -> frozenset:
    out = set()
    for d in dims or ():
        if isinstance(d, dict):
            out.add((d.get("Name"), d.get("Value")))
        else:
            out.add((d.name, d.value))
    return frozenset(out)


def series(backend, namespace: str, name: str, dimensions, unit: str | None = None) -> list:
    """Datums of one metric (exact dimensions), as (epoch, datum), oldest first."""
    want = _dim_set(dimensions)
    out = [(epoch(md.timestamp), md) for md in backend.get_all_metrics()
           if md.namespace == namespace and md.name == name and _dim_set(md.dimensions) == want
           and (not unit or md.unit == unit)]
    out.sort(key=lambda x: x[0])
    return out


def stat_value(datums: list, stat: str):
    """One statistic over the datums of a period; None when there are none."""
    singles = [d.value for d in datums if isinstance(d, MetricDatum)]
    aggs = [d for d in datums if isinstance(d, MetricAggregatedDatum)]
    count = len(singles) + sum(a.sample_count for a in aggs)
    if not count:
        return None
    if stat == "SampleCount":
        return float(count)
    if stat == "Sum":
        return float(sum(singles) + sum(a.sum for a in aggs))
    if stat == "Average":
        return float(sum(singles) + sum(a.sum for a in aggs)) / count
    if stat == "Minimum":
        return float(min(singles + [a.min for a in aggs]))
    if stat == "Maximum":
        return float(max(singles + [a.max for a in aggs]))
    if stat.startswith("p") and not aggs:  # percentiles need raw values (statistic sets have none)
        try:
            p = float(stat[1:])
        except ValueError:
            return None
        ordered = sorted(singles)
        rank = max(1, math.ceil(p / 100.0 * len(ordered)))
        return float(ordered[min(rank, len(ordered)) - 1])
    return None


def buckets(points: list, start: float, end: float, period: int) -> list:
    """[(bucket start epoch, [datums])] for aligned periods in [start, end) that hold data, oldest first."""
    first = aligned_start(start, period)
    out: dict[int, list] = {}
    for t, md in points:
        if first <= t < end:
            out.setdefault(int((t - first) // period), []).append(md)
    return [(first + i * period, out[i]) for i in sorted(out)]


def get_metric_statistics(self, namespace, metric_name, start_time, end_time, period, stats, dimensions, unit=None):
    start, end = epoch(start_time), epoch(end_time)
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    period = int(period)
    data = []
    for bucket_start, datums in buckets(series(self, namespace, metric_name, dimensions, unit), start, end, period):
        s = Statistics(stats, naive(bucket_start))
        s.metric_data = datums
        s.unit = datums[-1].unit
        data.append(s)
    return data


def _metric_stat_result(self, query: dict, start: float, end: float, scan_by: str) -> dict:
    stat_spec = query["MetricStat"]
    metric = stat_spec["Metric"]
    period, stat = int(stat_spec["Period"]), stat_spec["Stat"]
    points = series(self, metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions", []),
                    stat_spec.get("Unit"))
    values, stamps = [], []
    for bucket_start, datums in buckets(points, start, end, period):
        value = stat_value(datums, stat)
        if value is not None:
            values.append(value)
            stamps.append(naive(bucket_start))
    if scan_by != "TimestampAscending":
        values.reverse()
        stamps.reverse()
    return {"id": query["Id"], "label": query.get("Label") or metric.get("MetricName"), "values": values,
            "timestamps": stamps, "status_code": "Complete"}


def _get_metric_data(original):
    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        start, end = epoch(start_time), epoch(end_time)
        if start >= end:
            raise ValidationError("The parameter EndTime must be greater than StartTime."
                                  if start > end else "The parameter StartTime must not equal parameter EndTime.")
        mine = {q["Id"]: _metric_stat_result(self, q, start, end, scan_by) for q in queries if "MetricStat" in q}
        if len(mine) == len(queries):
            return [mine[q["Id"]] for q in queries if q.get("ReturnData", True)]
        # Metric math and Metrics Insights stay moto's; only the MetricStat results are replaced.
        results = original(self, queries, start_time, end_time, scan_by)
        return [mine.get(r["id"], r) for r in results]
    return get_metric_data


def install():
    CloudWatchBackend.get_metric_statistics = get_metric_statistics
    CloudWatchBackend.get_metric_data = _get_metric_data(CloudWatchBackend.get_metric_data)
