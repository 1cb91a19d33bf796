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


STOP_SWITCH = "regional-failover-stop-drills"


def grants(role) -> dict[tuple[str, str], set[str]]:
    """(group, resource) -> verbs, refusing wildcards."""
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
        assert len(bindings) == 4  # reconciler, Lease, drill stop switch, runbooks
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
    (reconciler,) = [r for r in by_kind(all_options_docs, "Role")
                     if not r["metadata"]["name"].endswith(("-leader-election", "-stop-drills", "-runbooks"))]
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
    assert len(rules) == 9
    for i in rules:
        assert lines[i - 1].strip().startswith("#"), f"rbac.yaml:{i + 1} has no comment above it"


# --- What the rendered RBAC allows, evaluated like the API server's RBAC authorizer ---------------
# A rule matches a request when group, resource and verb match and, if the rule names
# resourceNames, the request names one of them (list, watch and create name nothing, so a rule
# with resourceNames never allows them). A Role only allows requests in its own namespace.


def allowed(docs, verb: str, group: str, resource: str, namespace: str, name: str | None = None) -> bool:
    sa = one(docs, "ServiceAccount")["metadata"]
    subject = {"kind": "ServiceAccount", "name": sa["name"], "namespace": sa["namespace"]}
    roles = {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): d
             for d in by_kind(docs, "ClusterRole") + by_kind(docs, "Role")}
    for binding in by_kind(docs, "ClusterRoleBinding") + by_kind(docs, "RoleBinding"):
        if subject not in binding["subjects"]:
            continue
        scope = binding["metadata"].get("namespace")  # None: cluster-wide
        if scope is not None and scope != namespace:
            continue
        ref = binding["roleRef"]
        role = roles.get((ref["kind"], scope if ref["kind"] == "Role" else None, ref["name"]))
        assert role is not None, f"binding {binding['metadata']['name']} points at a missing role"
        for rule in role["rules"]:
            if group not in rule["apiGroups"] or resource not in rule["resources"] or verb not in rule["verbs"]:
                continue
            names = rule.get("resourceNames")
            if names is None or (name is not None and name in names):
                return True
    return False


def test_rbac_evaluator_allows_what_the_reconciler_needs_and_nothing_more(default_docs):
    # Guards the guard: the evaluator sees the grants the tests above list.
    for (group, resource), verbs in RECONCILER_NEEDS.items():
        for verb in verbs:
            assert allowed(default_docs, verb, group, resource, "team-a"), (verb, resource)
    assert not allowed(default_docs, "delete", "regionalfailover.io", "regionalfailovers", "team-a")
    assert not allowed(default_docs, "get", "", "secrets", "team-a", "anything")


@pytest.mark.parametrize("which", ["default", "all-options"])
def test_the_stop_switch_is_readable_by_name_in_the_release_namespace_only(renders, which):
    docs = renders[which]
    home = one(docs, "Deployment")["metadata"]["namespace"]
    assert allowed(docs, "get", "", "configmaps", home, STOP_SWITCH)
    # No other name may be read, and nothing in the namespaces the operator watches.
    assert not allowed(docs, "get", "", "configmaps", home, "kube-root-ca.crt")
    for verb in ("watch", "update"):
        assert not allowed(docs, verb, "", "configmaps", home, STOP_SWITCH), verb
    for verb in ("get", "list", "create", "patch", "delete"):
        assert not allowed(docs, verb, "", "configmaps", "payments", STOP_SWITCH if verb == "get" else None), verb
    assert not allowed(docs, "get", "", "secrets", home, STOP_SWITCH)


def test_without_runbooks_the_stop_switch_is_the_only_config_map_access():
    docs = chart_render.render({"runbooks": {"enabled": False}})
    home = one(docs, "Deployment")["metadata"]["namespace"]
    assert allowed(docs, "get", "", "configmaps", home, STOP_SWITCH)
    # No list/watch (they carry no name), no writes.
    for verb in ("list", "watch", "create", "update", "patch", "delete"):
        assert not allowed(docs, verb, "", "configmaps", home, STOP_SWITCH if verb != "list" else None), verb
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["RF_RUNBOOKS"] == "false"


def test_runbooks_are_written_in_the_release_namespace_only(default_docs):
    home = one(default_docs, "Deployment")["metadata"]["namespace"]
    role = next(r for r in by_kind(default_docs, "Role") if r["metadata"]["name"].endswith("-runbooks"))
    assert role["metadata"]["namespace"] == home
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "patch", "delete", "list"]}
    ]
    # list finds the runbooks of deleted objects; reading any other ConfigMap by name stays denied.
    assert allowed(default_docs, "create", "", "configmaps", home, None)
    assert not allowed(default_docs, "get", "", "configmaps", home, "kube-root-ca.crt")
    assert not allowed(default_docs, "create", "", "configmaps", "team-a", None)
    container = one(default_docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["RF_RUNBOOKS"] == "true"


def test_the_stop_switch_role_names_exactly_one_config_map(default_docs):
    role = next(r for r in by_kind(default_docs, "Role") if r["metadata"]["name"].endswith("-stop-drills"))
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [STOP_SWITCH], "verbs": ["get"]}
    ]


def test_no_stop_switch_access_while_drills_are_disabled():
    docs = chart_render.render({"drills": {"enabled": False}})
    assert not allowed(docs, "get", "", "configmaps", chart_render.DEFAULT_NAMESPACE, STOP_SWITCH)
