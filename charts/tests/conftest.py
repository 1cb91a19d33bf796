"""Shared fixtures: the chart rendered once per values set, and paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

CHARTS = Path(__file__).resolve().parent.parent
REPO = CHARTS.parent
CHART = CHARTS / "regional-failover"
ALL_OPTIONS = CHART / "ci" / "all-options-values.yaml"

sys.path.insert(0, str(CHARTS / "tools"))
import render as chart_render  # noqa: E402  (tools/ is not a package)


def promtool() -> str:
    """promtool, as charts/test found or fetched it."""
    path = os.environ.get("RF_PROMTOOL")
    assert path and Path(path).is_file(), "run through charts/test, which sets RF_PROMTOOL"
    return path


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted leaf paths of a values tree; an empty map or list is a leaf (a settable value)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {[d['metadata']['name'] for d in found]}"
    return found[0]


@pytest.fixture(scope="session")
def default_values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text())


@pytest.fixture(scope="session")
def all_options_values() -> dict[str, Any]:
    return yaml.safe_load(ALL_OPTIONS.read_text())


@pytest.fixture(scope="session")
def default_docs() -> list[dict[str, Any]]:
    return chart_render.render({})


@pytest.fixture(scope="session")
def all_options_docs(all_options_values) -> list[dict[str, Any]]:
    return chart_render.render(all_options_values)


@pytest.fixture(scope="session")
def renders(default_docs, all_options_docs) -> dict[str, list[dict[str, Any]]]:
    return {"default": default_docs, "all-options": all_options_docs}
