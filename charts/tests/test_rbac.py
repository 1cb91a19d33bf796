"""RBAC: exactly what the operator needs (see the brief in charts/regional-failover/README.md)."""

from __future__ import annotations

import re

import pytest
from conftest import CHART, by_kind, chart_render, one

# (apiGroup, resource) -> verbs, as the controller uses them.
RECONCILER_NEEDS = {
    ("regionalfailover.io", "regionalfailovers"): {"get", "list", "watch", "patch", "update"},
    ("regionalfailover.io", "regionalfailovers/status"): {"get", "patch", "update"},
    ("regionalfailover.io", "regionalfailovers/finalizers"): {"update"},
    ("", "events"): {"create", "patch"},
    ("events.k8s.io", "events"): {"create", "patch"},
}


def grants(role) -> dict[tuple[str, str], set[str]]:
    """(group, resource) -> verbs, refusing wildcards and resourceNames outside leases."""
    out: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field], f"wildcard in {field}: {rule}"
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                out.setdefault((group, resource), set()).update(rule["verbs"])
    return out


def test_cluster_role_grants_exactly_the_reconciler_needs(default_docs):
    role = one(default_docs, "ClusterRole")
    assert grants(role) == RECONCILER_NEEDS
    assert all("resourceNames" not in r for r in role["rules"])
    assert not any(res in {"secrets", "configmaps", "pods"} for _, res in grants(role))


def test_lease_role_scopes_everything_but_create_to_the_lease_name(default_values, default_docs):
    lease = default_values["leaderElection"]["leaseName"]
    role = next(r for r in by_kind(default_docs, "Role") if r["metadata"]["name"].endswith("-leader-election"))
    assert role["metadata"]["namespace"] == chart_render.DEFAULT_NAMESPACE
    rules = sorted(role["rules"], key=lambda r: "resourceNames" in r)
    create, named = rules
    assert create == {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]}
    assert named["apiGroups"] == ["coordination.k8s.io"] and named["resources"] == ["leases"]
    assert named["resourceNames"] == [lease]
    assert set(named["verbs"]) == {"get", "update", "patch"}


def test_bindings_point_at_the_service_account(renders):
    for docs in renders.values():
        sa = one(docs, "ServiceAccount")["metadata"]
        roles = {(r["kind"], r["metadata"]["name"]) for r in by_kind(docs, "ClusterRole") + by_kind(docs, "Role")}
        bindings = by_kind(docs, "ClusterRoleBinding") + by_kind(docs, "RoleBinding")
        assert len(bindings) == 2
        for binding in bindings:
            assert binding["subjects"] == [
                {"kind": "ServiceAccount", "name": sa["name"], "namespace": sa["namespace"]}
            ]
            ref = binding["roleRef"]
            assert (ref["kind"], ref["name"]) in roles
            assert binding["metadata"].get("namespace") == next(
                r for r in by_kind(docs, ref["kind"]) if r["metadata"]["name"] == ref["name"]
            )["metadata"].get("namespace")


def test_watch_namespace_uses_a_namespaced_role_there(all_options_docs, all_options_values):
    assert by_kind(all_options_docs, "ClusterRole") == []
    assert by_kind(all_options_docs, "ClusterRoleBinding") == []
    reconciler = next(r for r in by_kind(all_options_docs, "Role")
                      if not r["metadata"]["name"].endswith("-leader-election"))
    assert reconciler["metadata"]["namespace"] == all_options_values["watchNamespace"]
    assert grants(reconciler) == RECONCILER_NEEDS
    lease_role = next(r for r in by_kind(all_options_docs, "Role")
                      if r["metadata"]["name"].endswith("-leader-election"))
    assert lease_role["metadata"]["namespace"] == all_options_values["leaderElection"]["leaseNamespace"]


@pytest.mark.parametrize("which", ["default", "all-options"])
def test_rbac_uses_apis_a_1_20_cluster_serves(renders, which):
    for doc in renders[which]:
        if doc["kind"] in {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}:
            assert doc["apiVersion"] == "rbac.authorization.k8s.io/v1"


def test_every_rule_in_the_template_says_why():
    lines = (CHART / "templates" / "rbac.yaml").read_text().splitlines()
    rules = [i for i, line in enumerate(lines) if re.match(r"^\s*- apiGroups:", line)]
    assert len(rules) == 7
    for i in rules:
        assert lines[i - 1].strip().startswith("#"), f"rbac.yaml:{i + 1} has no comment above it"
