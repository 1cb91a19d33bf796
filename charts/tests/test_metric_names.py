"""Every series the dashboard and the alerts query is one the operator exports, with those labels.

A renamed or removed metric would otherwise leave an alert that never fires and a blank panel.
The exported set is parsed from controller/src/metrics.rs (see exported_metrics.py).
"""

from __future__ import annotations

import json
import re

import pytest

import exported_metrics
from conftest import CHART, REPO, chart_render, one

METRICS_RS = REPO / "controller" / "src" / "metrics.rs"

# Metrics the dashboard already shows but the operator does not export yet (being added to
# metrics.rs): family -> (type, labels), as they are meant to be exported. Empty this list when
# they land; a test fails once one of them is exported, so it cannot go stale. Alerts may not
# use these: an alert on a series that does not exist never fires.
NOT_YET_EXPORTED: dict[str, tuple[str, set[str]]] = {}

# Labels Prometheus adds to every scraped series (the target's), e.g. through the chart's ServiceMonitor.
TARGET_LABELS = {"instance", "job", "namespace", "pod", "service", "container", "endpoint"}
SELECTOR = re.compile(r"\b(regionalfailover_[a-z0-9_]+)\b\s*(\{[^}]*\})?")
MATCHER = re.compile(r'(\w+)\s*(?:=~|!~|!=|=)\s*"')
LABEL_VALUES = re.compile(r"label_values\(\s*(regionalfailover_[a-z0-9_]+)\s*(?:\{[^}]*\})?\s*,\s*(\w+)\s*\)")


@pytest.fixture(scope="module")
def exported() -> dict[str, set[str]]:
    return exported_metrics.series(exported_metrics.families(METRICS_RS))


def queries_of_dashboard() -> list[str]:
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"expr", "definition"} and isinstance(value, str):
                    out.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads((CHART / "dashboards" / "regional-failover.json").read_text()))
    return out


def queries_of_alerts() -> list[str]:
    exprs = []
    for values in ({"metrics": {"serviceMonitor": {"enabled": True}}},
                   {"leaderElection": {"enabled": False}, "replicaCount": 1}):
        rule = one(chart_render.render({"prometheusRule": {"enabled": True}, **values}), "PrometheusRule")
        exprs += [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    return exprs


def problems(queries: list[str], known: dict[str, set[str]]) -> list[str]:
    """Unknown series, and label matchers or label_values() on labels the series does not have."""
    found = []
    for query in queries:
        for name, selector in SELECTOR.findall(query):
            if name not in known:
                found.append(f"{name} (in {query!r}) is not exported")
                continue
            for label in MATCHER.findall(selector or ""):
                if label not in known[name] | TARGET_LABELS:
                    found.append(f"{name} has no label {label!r} (in {query!r})")
        for name, label in LABEL_VALUES.findall(query):
            if name in known and label not in known[name] | TARGET_LABELS:
                found.append(f"label_values: {name} has no label {label!r}")
    return found


def test_the_parser_finds_the_operator_s_metrics(exported):
    # Guards the guard: a few names the operator documents, of each type and from the collector.
    for name in ("regionalfailover_leader", "regionalfailover_status_condition",
                 "regionalfailover_reconciliations_total", "regionalfailover_reconcile_duration_seconds_bucket",
                 "regionalfailover_aws_requests_total", "regionalfailover_drill_restore_failures_total"):
        assert name in exported, name
    assert exported["regionalfailover_status_condition"] == {"namespace", "name", "condition", "status", "reason"}
    assert exported["regionalfailover_aws_requests_total"] == {"service", "operation", "outcome"}
    assert "le" in exported["regionalfailover_reconcile_duration_seconds_bucket"]


def test_the_parser_fails_loudly_on_a_registry_it_does_not_understand(tmp_path):
    source = tmp_path / "metrics.rs"
    source.write_text('let r = Registry::with_prefix("x");\nr.register("a", "help", make_it());\n')
    with pytest.raises(exported_metrics.ParseError):
        exported_metrics.families(source)
    source.write_text("fn main() {}\n")
    with pytest.raises(exported_metrics.ParseError):
        exported_metrics.families(source)
    source.write_text('let r = Registry::with_prefix("x");\nimpl EncodeLabelSet for L {\n    fn encode(&self) {}\n}\n')
    with pytest.raises(exported_metrics.ParseError, match="impl EncodeLabelSet for L"):
        exported_metrics.families(source)


def test_the_check_catches_a_wrong_name_and_a_wrong_label(exported):
    assert problems(['rate(regionalfailover_drills_total{outcome="failed"}[5m])'], exported) == []
    assert problems(["regionalfailover_drill_total"], exported)  # missing _s
    assert problems(['regionalfailover_leader{reason="x"}'], exported)
    assert problems(["label_values(regionalfailover_leader, condition)"], exported)


def test_alerts_use_only_exported_series(exported):
    queries = queries_of_alerts()
    assert len(queries) >= 20
    assert problems(queries, exported) == []


def test_dashboard_uses_only_exported_or_announced_series(exported):
    announced = exported_metrics.series(NOT_YET_EXPORTED)
    queries = queries_of_dashboard()
    assert len(queries) >= 20
    assert problems(queries, {**announced, **exported}) == []
    used = {name for q in queries for name, _ in SELECTOR.findall(q)}
    unused = [f for f in NOT_YET_EXPORTED if not any(n in announced and n.startswith(f) for n in used)]
    assert unused == [], f"NOT_YET_EXPORTED lists metrics the dashboard does not use: {unused}"


def test_not_yet_exported_is_emptied_once_the_metrics_land():
    fams = exported_metrics.families(METRICS_RS)
    landed = sorted(set(NOT_YET_EXPORTED) & set(fams))
    assert landed == [], f"now exported by metrics.rs: remove {landed} from NOT_YET_EXPORTED"
