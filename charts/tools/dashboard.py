"""Builds the chart's Grafana dashboard: charts/regional-failover/dashboards/regional-failover.json.

The JSON is generated so panel positions and ids stay consistent; edit the panels here and run
`python3 charts/tools/dashboard.py` (the chart tests fail while the file is out of date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "regional-failover" / "dashboards" / "regional-failover.json"
DS = {"type": "prometheus", "uid": "${datasource}"}
OBJ = 'namespace=~"$namespace",name="$name"'
# Keep only series of the replica that leads (per scrape job): a replica that lost the Lease
# without restarting keeps its last per-object values. Without leader election every replica
# reports 0, the job's maximum, so the one replica is kept.
LEADING = (" and on (instance) (regionalfailover_leader"
           " == on (job) group_left () max by (job) (regionalfailover_leader))")


def gauge(metric: str) -> str:
    """The object's value of a per-object gauge, from the leading replica."""
    return f"max(regionalfailover_{metric}{{{OBJ}}}{LEADING})"


def target(expr: str, legend: str = "", *, instant: bool = False, ref: str = "A") -> dict:
    t = {"datasource": DS, "expr": expr, "legendFormat": legend or "__auto", "refId": ref}
    if instant:
        t.update(instant=True, range=False, format="table")
    return t


def mapping(values: dict[str, tuple[str, str]]) -> list[dict]:
    """Value -> (text, colour) as a Grafana value mapping."""
    options = {v: {"text": text, "color": colour, "index": i} for i, (v, (text, colour)) in enumerate(values.items())}
    return [{"type": "value", "options": options}]


def stat(title: str, expr: str, *, mappings=None, unit: str = "none", thresholds=None, desc: str = "") -> dict:
    steps = thresholds or [{"color": "text", "value": None}]
    return {
        "type": "stat", "title": title, "description": desc,
        "targets": [target(expr)],
        "options": {"colorMode": "background" if mappings or thresholds else "none", "graphMode": "none",
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "textMode": "value"},
        "fieldConfig": {"defaults": {"unit": unit, "mappings": mappings or [],
                                     "thresholds": {"mode": "absolute", "steps": steps}},
                        "overrides": []},
    }


def timeseries(title: str, targets: list[dict], *, unit: str = "none", bars: bool = False, desc: str = "") -> dict:
    custom = {"drawStyle": "bars", "fillOpacity": 80} if bars else {"drawStyle": "line", "fillOpacity": 10}
    return {
        "type": "timeseries", "title": title, "description": desc, "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
    }


def state_timeline(title: str, series: dict[str, tuple[str, list[dict]]]) -> dict:
    """One lane per legend -> (expr, value mapping): states over time, e.g. Primary -> Secondary."""
    targets = [target(expr, legend, ref=chr(ord("A") + i)) for i, (legend, (expr, _)) in enumerate(series.items())]
    overrides = [{"matcher": {"id": "byName", "options": legend}, "properties": [{"id": "mappings", "value": m}]}
                 for legend, (_, m) in series.items()]
    return {
        "type": "state-timeline", "title": title, "description": "", "targets": targets,
        "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}}, "overrides": overrides},
        "options": {"showValue": "never", "mergeValues": True, "legend": {"showLegend": False}},
    }


def table(title: str, expr: str, desc: str = "") -> dict:
    return {
        "type": "table", "title": title, "description": desc, "targets": [target(expr, instant=True)],
        "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}],
        "fieldConfig": {"defaults": {}, "overrides": []}, "options": {"showHeader": True},
    }


def bargauge(title: str, expr: str, legend: str, *, unit: str = "none", desc: str = "") -> dict:
    return {
        "type": "bargauge", "title": title, "description": desc,
        "targets": [{**target(expr, legend), "instant": True}],
        "options": {"orientation": "horizontal", "displayMode": "basic",
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
    }


def row(title: str, repeat: str | None = None) -> dict:
    r = {"type": "row", "title": title, "collapsed": False, "panels": []}
    if repeat:
        r["repeat"] = repeat
    return r


WARN_FROM_1 = [{"color": "green", "value": None}, {"color": "orange", "value": 1}]
BAD_FROM_1 = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
REGION = mapping({"0": ("Primary", "green"), "1": ("Secondary", "red")})
HEALTH = mapping({"1": ("Healthy", "green"), "0": ("Unhealthy", "red"), "-1": ("Unknown", "orange")})
READY = mapping({"1": ("Ready", "green"), "0": ("Not ready", "red")})


def operator_row() -> list[tuple[dict, int, int]]:
    aws = "regionalfailover_aws_requests_total"
    duration = "regionalfailover_reconcile_duration_seconds_bucket"
    return [
        (row("Operator"), 24, 1),
        (stat("Replicas leading", "sum(regionalfailover_leader)",
              mappings=mapping({"0": ("None", "red"), "1": ("1", "green")}),
              desc="Replicas holding the Lease: 1 is right; 0 means nothing is verified or drilled."), 4, 5),
        (timeseries("Reconciliations by result", [target(
            "sum by (result) (rate(regionalfailover_reconciliations_total[$__rate_interval]))", "{{result}}")],
            unit="ops", desc="ok, or what made a reconcile fail (kube, kube_conflict, ...)."), 10, 5),
        (timeseries("AWS requests throttled or failed", [target(
            f'sum by (service, operation, outcome) (rate({aws}{{outcome=~"throttled|error"}}[$__rate_interval]))',
            "{{service}} {{operation}} {{outcome}}")], unit="reqps",
            desc="Route 53 throttles per account: lower requestBudget or the other tools' rate."), 10, 5),
        (timeseries("AWS requests by outcome", [target(
            f"sum by (service, outcome) (rate({aws}[$__rate_interval]))", "{{service}} {{outcome}}")],
            unit="reqps"), 12, 7),
        (timeseries("Reconcile duration", [
            target(f"histogram_quantile(0.5, sum by (le) (rate({duration}[$__rate_interval])))", "p50", ref="A"),
            target(f"histogram_quantile(0.99, sum by (le) (rate({duration}[$__rate_interval])))", "p99", ref="B"),
            target("histogram_quantile(0.99, sum by (le) (rate("
                   "regionalfailover_reconcile_local_duration_seconds_bucket[$__rate_interval])))",
                   "p99 without I/O", ref="C"),
            target("histogram_quantile(0.99, sum by (le) (rate("
                   "regionalfailover_reconcile_slot_wait_seconds_bucket[$__rate_interval])))",
                   "p99 waiting for a slot", ref="D"),
        ], unit="s", desc="Waiting for a slot (8 at once, first come, first served) beyond a second or so: "
                          "the operator is saturated."), 12, 7),
        (table("Conditions of every object",
               'max by (namespace, name, condition, status, reason) (regionalfailover_status_condition'
               f'{{namespace=~"$namespace"}}{LEADING})',
               desc="Each object's conditions now; kubectl describe rf shows their messages."), 24, 8),
    ]


def object_row() -> list[tuple[dict, int, int]]:
    drills = f'sum by (outcome) (increase(regionalfailover_drills_total{{{OBJ}}}[$__range]))'
    stage = "regionalfailover_drill_stage_seconds"
    return [
        (row("$name", repeat="name"), 24, 1),
        (stat("Ready", f'max(regionalfailover_status_condition{{{OBJ},condition="Ready",status="True"}}{LEADING})'
                       " or vector(0)", mappings=READY), 4, 4),
        (stat("Active region", gauge("active_region_secondary"), mappings=REGION,
              desc="Which endpoint the zone's authoritative servers answer with."), 4, 4),
        (stat("Primary health", gauge("primary_healthy"), mappings=HEALTH,
              desc="Route 53's verdict on the primary, after Inverted/Disabled."), 4, 4),
        (stat("Drift findings", gauge("drift_findings"),
              thresholds=WARN_FROM_1, desc="Differences between live AWS and the spec (status.drift)."), 4, 4),
        (stat("Predicted RTO", gauge("predicted_rto_seconds"), unit="s",
              desc="Health check interval × threshold + propagation + TTL."), 4, 4),
        (stat("Drill restore failures", f"sum(increase(regionalfailover_drill_restore_failures_total{{{OBJ}}}"
              "[$__range])) or vector(0)", thresholds=BAD_FROM_1,
              desc="Restores of the health check after a drill that did not verify, in the time range."), 4, 4),
        (table("Conditions",
               f"max by (condition, status, reason) (regionalfailover_status_condition{{{OBJ}}}{LEADING})"), 8, 8),
        (state_timeline("Active region and primary health", {
            "active region": (gauge("active_region_secondary"), REGION),
            "primary health": (gauge("primary_healthy"), HEALTH),
        }), 16, 8),
        (timeseries("Replication lag", [
            target(gauge("replication_lag_milliseconds"), "probe lag", ref="A"),
            target(f"max by (replica, direction) (regionalfailover_replication_latency_milliseconds{{{OBJ}}}{LEADING})",
                   "{{replica}} {{direction}}", ref="B"),
        ], unit="ms", desc="Above the RPO (spec.objectives.rpoSeconds) a failover loses writes."), 8, 8),
        (timeseries("RTO: predicted and last measured", [
            target(gauge("predicted_rto_seconds"), "predicted", ref="A"),
            target(f"{gauge('drill_measured_rto_milliseconds')} / 1000", "last drill", ref="B"),
        ], unit="s"), 8, 8),
        (timeseries("DNS flips observed", [target(
            f"sum by (outcome) (increase(regionalfailover_dns_flips_observed_total{{{OBJ}}}[$__rate_interval]))",
            "now {{outcome}}")], bars=True,
            desc="Changes of the authoritative answer seen by the DNS watch, by the region answering now."), 8, 8),
        (bargauge("Drills by outcome", drills, "{{outcome}}",
                  desc="Finished drills in the time range: succeeded, missed_objective, failed, aborted."), 8, 8),
        (bargauge("Drill stages (mean over the range)",
                  f"sum by (stage) (increase({stage}_sum{{{OBJ}}}[$__range]))"
                  f" / sum by (stage) (increase({stage}_count{{{OBJ}}}[$__range]))", "{{stage}}", unit="s",
                  desc="Where a drill's time goes, stage by stage (the RTO waterfall)."), 16, 8),
    ]


def layout(items: list[tuple[dict, int, int]]) -> list[dict]:
    """Left to right, wrapping at Grafana's 24 columns; ids in order."""
    panels, x, y, line = [], 0, 0, 0
    for i, (panel, w, h) in enumerate(items, start=1):
        if x + w > 24 or panel["type"] == "row":
            x, y, line = 0, y + line, 0
        panels.append({"id": i, **panel, "gridPos": {"h": h, "w": w, "x": x, "y": y},
                       **({} if panel["type"] == "row" else {"datasource": DS})})
        x, line = x + w, max(line, h)
    return panels


def variable(name: str, label: str, query: str) -> dict:
    return {"name": name, "label": label, "type": "query", "datasource": DS, "definition": query,
            "query": {"query": query, "refId": f"{name}-query"}, "refresh": 2, "sort": 1,
            "multi": True, "includeAll": True, "current": {"selected": True, "text": ["All"], "value": ["$__all"]}}


def build() -> dict:
    return {
        "uid": "regional-failover",
        "title": "Regional failover",
        "description": "RegionalFailover objects: readiness, failover state, drift, replication, RTO, drills; "
                       "and the operator's own health.",
        "tags": ["regional-failover", "route53", "disaster-recovery"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "timezone": "utc",
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "30s",
        "annotations": {"list": []},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"},
            variable("namespace", "Namespace", "label_values(regionalfailover_status_condition, namespace)"),
            variable("name", "RegionalFailover",
                     'label_values(regionalfailover_status_condition{namespace=~"$namespace"}, name)'),
        ]},
        "panels": layout(operator_row() + object_row()),
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(render())
    sys.stdout.write(f"wrote {OUT}\n")
