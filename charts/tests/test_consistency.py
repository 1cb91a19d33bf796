"""The chart agrees with its README, its CI values, the root CRD, the crate and the Dockerfile."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib

import yaml

from conftest import ALL_OPTIONS, CHART, REPO, chart_render, flatten

ROW = re.compile(r"^\| `(?P<key>[^`]+)` \| (?P<type>.+?) \| `(?P<default>.*)` \| (?P<desc>.+) \|$")


def readme_table() -> dict[str, str]:
    rows = {}
    for line in (CHART / "README.md").read_text().splitlines():
        match = ROW.match(line)
        if match:
            assert match["key"] not in rows, f"README lists {match['key']} twice"
            rows[match["key"]] = match["default"]
    return rows


def deprecated_keys() -> set[str]:
    """Top-level keys the schema still accepts for one release but values.yaml no longer sets."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    return {key for key, node in schema["properties"].items() if node.get("deprecated")}


def test_readme_lists_every_value_with_its_default(default_values):
    table = readme_table()
    values = flatten(default_values)
    missing = sorted(set(values) - set(table))
    assert missing == [], f"values missing from the README table: {missing}"
    stale = sorted(set(table) - set(values) - deprecated_keys())
    assert stale == [], f"README rows for values that do not exist: {stale}"
    for key, value in values.items():
        assert json.loads(table[key]) == value, f"README default of {key}: {table[key]} != {value!r}"


def test_deprecated_keys_are_documented_unset_and_accepted(default_values):
    deprecated = deprecated_keys()
    assert deprecated == {"defaultVerifyIntervalSeconds"}
    table = readme_table()
    for key in deprecated:
        assert key not in default_values, f"{key} is deprecated: values.yaml must leave it unset"
        assert table.get(key) == "null", f"README must list {key} with default `null` (unset)"
        assert "Deprecated" in (CHART / "README.md").read_text().split(f"| `{key}` |")[1].split("\n")[0]
        chart_render.render({key: 60})  # still accepted by the schema


def test_all_options_values_set_every_value(default_values, all_options_values):
    def present(values: dict, path: str) -> bool:
        for part in path.split("."):
            if not isinstance(values, dict) or part not in values:
                return False
            values = values[part]
        return values not in ({}, [])  # an empty map or list would exercise nothing

    unset = [p for p in flatten(default_values) if not present(all_options_values, p)]
    assert unset == [], f"{ALL_OPTIONS.name} does not exercise: {unset}"


def test_chart_crd_equals_the_root_crd_byte_for_byte():
    root = REPO / "crds" / "regionalfailover.yaml"
    assert root.is_file(), (
        "crds/regionalfailover.yaml is missing at the repository root "
        "(generate it with `regional-failover crd > crds/regionalfailover.yaml`)"
    )
    loaded = chart_render.crd_files()  # what Helm itself reads, symlink or copy
    assert list(loaded) == ["regional-failover/crds/regionalfailover.yaml"]
    chart_bytes = (CHART / "crds" / "regionalfailover.yaml").read_bytes()
    assert chart_bytes == root.read_bytes(), (
        "charts/regional-failover/crds/regionalfailover.yaml differs from crds/regionalfailover.yaml: "
        "it should be the symlink ../../../crds/regionalfailover.yaml"
    )
    assert loaded["regional-failover/crds/regionalfailover.yaml"].encode() == root.read_bytes()


def test_crd_defines_the_kind_the_rbac_and_notes_use():
    (crd,) = [d for t in chart_render.crd_files().values() for d in yaml.safe_load_all(t) if d]
    assert crd["spec"]["group"] == "regionalfailover.io"
    assert crd["spec"]["names"]["plural"] == "regionalfailovers"
    assert "rf" in crd["spec"]["names"]["shortNames"]
    assert crd["spec"]["scope"] == "Namespaced"
    assert any("status" in v.get("subresources", {}) for v in crd["spec"]["versions"])


def test_app_version_is_the_crate_version():
    crate = tomllib.loads((REPO / "controller" / "Cargo.toml").read_text())["package"]
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == crate["version"]


def dockerfile_final_stage() -> list[str]:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(starts) >= 2, "the Dockerfile must be multi-stage"
    return lines[starts[-1]:]


def test_dockerfile_runs_the_binary_as_the_chart_s_numeric_user(default_values):
    stage = dockerfile_final_stage()
    assert not stage[0].startswith("FROM rust"), "the runtime stage must not carry the toolchain"
    (user,) = [line.split()[1] for line in stage if line.startswith("USER ")]
    uid, gid = (int(part) for part in user.split(":"))
    assert uid > 0 and gid > 0
    assert (uid, gid) == (default_values["securityContext"]["runAsUser"],
                          default_values["securityContext"]["runAsGroup"])
    crate = tomllib.loads((REPO / "controller" / "Cargo.toml").read_text())
    bins = [b["name"] for b in crate.get("bin", [])] or [crate["package"]["name"]]
    assert "regional-failover" in bins
    text = (REPO / "Dockerfile").read_text()
    assert "cargo build --release --locked --bin regional-failover" in text
    assert 'ENTRYPOINT ["/usr/local/bin/regional-failover"]' in text


def test_dockerignore_keeps_the_workspace_in_the_build_context():
    patterns = [p.strip().rstrip("/") for p in (REPO / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    workspace = tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]
    needed = ["Cargo.toml", "Cargo.lock", *workspace["members"]]
    for path in needed:
        hit = [p for p in patterns if fnmatch.fnmatch(path, p) or path.startswith(p + "/")]
        assert hit == [], f"{path} is needed by cargo but .dockerignore excludes it ({hit})"
    assert "target" in patterns, "target/ would make the build context gigabytes"


def test_dockerfile_builds_with_the_workspace_rust_version():
    workspace = tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]
    (arg,) = re.findall(r"^ARG RUST_VERSION=(\S+)$", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert arg == workspace["package"]["rust-version"]
