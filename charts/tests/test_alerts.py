"""The PrometheusRule's alerts: promtool check and unit tests (charts/tests/promtool/*.test.yaml).

The chart is rendered with the rule enabled and its spec.groups written out as Prometheus rule
files; the unit tests run against them. Most test files use the rules with annotations stripped
(promtool compares annotations exactly, and the logic is what they test); annotations.test.yaml
checks the text on the full rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CHARTS, chart_render, one, promtool

TESTS = CHARTS / "tests" / "promtool"
ENABLED = {"prometheusRule": {"enabled": True}}
# Rule file name (as the test files' rule_files name them) -> (values, keep annotations).
RULE_FILES = {
    "alerts.yaml": ({**ENABLED, "metrics": {"serviceMonitor": {"enabled": True}}}, True),
    "alerts-logic.yaml": ({**ENABLED, "metrics": {"serviceMonitor": {"enabled": True}}}, False),
    "alerts-no-leader-election-logic.yaml": (
        {**ENABLED, "leaderElection": {"enabled": False}, "replicaCount": 1}, False),
}


def groups(values: dict) -> list[dict]:
    return one(chart_render.render(values), "PrometheusRule")["spec"]["groups"]


def rules(values: dict) -> list[dict]:
    return [r for g in groups(values) for r in g["rules"]]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def write_rules(path: Path, values: dict, *, annotations: bool, edit=lambda expr: expr) -> None:
    rendered = groups(values)
    for rule in (r for g in rendered for r in g["rules"]):
        rule["expr"] = edit(rule["expr"])
        if not annotations:
            rule.pop("annotations", None)
    path.write_text(yaml.safe_dump({"groups": rendered}, sort_keys=False, width=10_000))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The rendered rule files next to copies of the unit tests (promtool resolves rule_files
    relative to the test file)."""
    work = tmp_path_factory.mktemp("promtool")
    for name, (values, keep_annotations) in RULE_FILES.items():
        write_rules(work / name, values, annotations=keep_annotations)
    for test in TESTS.glob("*.test.yaml"):
        shutil.copy(test, work / test.name)
    return work


def test_test_files_name_only_rule_files_the_chart_renders():
    files = sorted(TESTS.glob("*.test.yaml"))
    assert len(files) >= 4
    for path in files:
        assert set(yaml.safe_load(path.read_text())["rule_files"]) <= set(RULE_FILES), path.name


@pytest.mark.parametrize("name", sorted(RULE_FILES))
def test_promtool_accepts_the_rendered_rules(workdir, name):
    proc = run("check", "rules", name, cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len(rules(RULE_FILES[name][0]))} rules found" in proc.stdout


def test_promtool_unit_tests_pass(workdir):
    names = sorted(p.name for p in workdir.glob("*.test.yaml"))
    proc = run("test", "rules", *names, cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(names), proc.stdout


@pytest.mark.parametrize(
    ("broken", "test"),
    [
        ({',reason!="DrillInProgress"': ""}, "conditions.test.yaml"),
        ({'reason="DrillInProgress"': 'reason="Nothing"'}, "failover.test.yaml"),
        ({" and on (instance) (regionalfailover_leader == 1)": ""}, "conditions.test.yaml"),
        ({" and on (instance) (regionalfailover_leader == 1)": ""}, "failover.test.yaml"),
        ({"max by (namespace, name) (": "max by (namespace, name, reason) ("}, "conditions.test.yaml"),
        ({" unless regionalfailover_drill_restore_failures_total offset 10m": " and on () vector(0) < 0"},
         "operator.test.yaml"),
    ],
)
def test_unit_tests_fail_on_rules_that_page_wrongly(workdir, broken, test):
    # Guards the guard: drill exclusions, the leader filter, aggregation by object and the
    # new-counter case are each held by a test that fails without them.
    def edit(expr: str) -> str:
        for old, new in broken.items():
            expr = expr.replace(old, new)
        return expr

    values, _ = RULE_FILES["alerts-logic.yaml"]
    write_rules(workdir / "broken.yaml", values, annotations=False, edit=edit)
    assert (workdir / "broken.yaml").read_text() != (workdir / "alerts-logic.yaml").read_text()
    text = (workdir / test).read_text().replace("[alerts-logic.yaml]", "[broken.yaml]")
    (workdir / f"broken-{test}").write_text(text)
    proc = run("test", "rules", f"broken-{test}", cwd=workdir)
    assert proc.returncode != 0, proc.stdout


def test_every_alert_has_a_firing_and_a_quiet_case():
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in TESTS.glob("*.test.yaml"):
        for group in yaml.safe_load(path.read_text())["tests"]:
            for case in group.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    alerts = {r["alert"] for r in rules(ENABLED)}
    assert len(alerts) == 10
    assert sorted(alerts - firing) == [], "alerts without a firing case"
    assert sorted(alerts - quiet) == [], "alerts without a non-firing case"
    assert firing | quiet <= alerts, "tests for alerts the chart does not define"


@pytest.mark.parametrize("values", [value for value, _ in RULE_FILES.values()])
def test_every_alert_has_for_severity_and_says_what_to_do(values):
    for rule in rules(values):
        assert re.fullmatch(r"[0-9]+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        summary, description = rule["annotations"]["summary"], rule["annotations"]["description"]
        assert summary and len(description.split()) >= 25, rule["alert"]


def test_annotations_use_only_labels_the_alert_keeps():
    # Alerts aggregate by the object; a $labels.x the expression dropped would render empty.
    for rule in rules(ENABLED):
        kept = [set(re.split(r"\s*,\s*", by.strip())) for by in re.findall(r"\bby \(([^)]*)\)", rule["expr"])]
        labels = set.intersection(*kept) if kept else set()
        text = " ".join(rule["annotations"].values())
        used = set(re.findall(r"\$labels\.(\w+)", text))
        assert used <= labels, f"{rule['alert']} uses {used - labels}, its expression keeps {labels}"


def test_critical_alerts_are_the_ones_that_need_a_person_now():
    critical = {r["alert"] for r in rules(ENABLED) if r["labels"]["severity"] == "critical"}
    assert critical == {"RegionalFailoverFailedOver", "RegionalFailoverDrillRestoreFailed",
                        "RegionalFailoverOperatorDown"}
