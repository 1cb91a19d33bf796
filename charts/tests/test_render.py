"""Lint and render: what the templates produce for the default and every option."""

from __future__ import annotations

import json
import re

import helm_python as helm
import pytest

from conftest import CHART, by_kind, chart_render, one

SEVERITY_WARNING = 2


@pytest.mark.parametrize("kube_version", ["v1.20.2", "v1.25.0", "v1.37.0"])
@pytest.mark.parametrize("values_name", ["default", "all-options"])
def test_lint_strict_has_no_warnings_or_errors(kube_version, values_name, all_options_values):
    values = {} if values_name == "default" else all_options_values
    report = helm.lint(str(CHART), values, strict=True, kube_version=kube_version)
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    serious = [m for m in report["messages"] if m["severity"] >= SEVERITY_WARNING]
    assert serious == []


def test_default_render_has_the_expected_objects(default_docs):
    kinds = sorted(d["kind"] for d in default_docs)
    assert kinds == sorted([
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "Deployment",
        "PodDisruptionBudget", "NetworkPolicy",
        "Role", "RoleBinding",  # the Lease
        "Role", "RoleBinding",  # the drill stop switch
        "Role", "RoleBinding",  # the runbooks
    ])
    namespaced = [d for d in default_docs if not d["kind"].startswith("Cluster")]
    assert {d["metadata"]["namespace"] for d in namespaced} == {chart_render.DEFAULT_NAMESPACE}


@pytest.mark.parametrize("which", ["default", "all-options"])
def test_deployment_is_hardened(renders, which):
    deploy = one(renders[which], "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["privileged"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert sc["runAsUser"] == pod["securityContext"]["runAsUser"] >= 1000
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    port = container["ports"][0]
    assert port["name"] == "metrics"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert container["args"] == ["run"]


def env_of(docs) -> dict[str, object]:
    container = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_default_env_follows_the_cli_contract(default_docs, default_values):
    env = env_of(default_docs)
    budget = default_values["requestBudget"]
    assert env == {
        "POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}},
        "POD_NAMESPACE": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        "RF_METRICS_BIND": f"0.0.0.0:{default_values['metrics']['port']}",
        "RF_LEADER_ELECTION": "true",
        "RF_LEASE_NAME": default_values["leaderElection"]["leaseName"],
        "RF_LEASE_NAMESPACE": chart_render.DEFAULT_NAMESPACE,
        "RF_LOG_FORMAT": default_values["logFormat"],
        "RUST_LOG": default_values["logLevel"],
        "RF_ROUTE53_RPS": str(budget["route53Rps"]),
        "RF_HEALTH_STATUS_RPS": str(budget["healthStatusRps"]),
        "RF_DYNAMODB_RPS": str(budget["dynamodbRps"]),
        "RF_TABLE_REFRESH_SECONDS": str(default_values["tableRefreshSeconds"]),
        "MALLOC_ARENA_MAX": "1",
        "RF_SHARED_READ_MAX_AGE_SECONDS": str(default_values["sharedReadMaxAgeSeconds"]),
        "RF_DNS_WATCH_SECONDS": str(default_values["dnsWatch"]["seconds"]),
        "RF_DNS_WATCH_ALERT_SECONDS": str(default_values["dnsWatch"]["alertSeconds"]),
        "RF_DRILLS_ENABLED": "true",
        "RF_RUNBOOKS": "true",
        "RF_FAILSAFE_SCHEDULE_GROUP": default_values["drillFailsafe"]["scheduleGroup"],
        "AWS_REGION": default_values["aws"]["region"],
    }


def test_all_options_reach_the_pod(all_options_docs, all_options_values):
    v = all_options_values
    env = env_of(all_options_docs)
    assert env["RF_WATCH_NAMESPACE"] == v["watchNamespace"]
    assert env["RF_CLUSTER_REGION"] == v["clusterRegion"]
    assert env["RF_LEASE_NAME"] == v["leaderElection"]["leaseName"]
    assert env["RF_LEASE_NAMESPACE"] == v["leaderElection"]["leaseNamespace"]
    assert env["RF_METRICS_BIND"] == f"0.0.0.0:{v['metrics']['port']}"
    assert env["RF_ROUTE53_RPS"] == "2.5" and env["RF_HEALTH_STATUS_RPS"] == "0.5"
    assert env["RF_SHARED_READ_MAX_AGE_SECONDS"] == str(v["sharedReadMaxAgeSeconds"])
    assert "RF_DEFAULT_VERIFY_INTERVAL_SECONDS" not in env
    assert env["RF_DNS_WATCH_SECONDS"] == str(v["dnsWatch"]["seconds"])
    assert env["RF_DNS_WATCH_ALERT_SECONDS"] == str(v["dnsWatch"]["alertSeconds"])
    assert env["RF_DRILLS_ENABLED"] == "true"
    assert env["RF_RUNBOOKS"] == str(v["runbooks"]["enabled"]).lower()
    assert env["RF_TABLE_REFRESH_SECONDS"] == str(v["tableRefreshSeconds"])
    assert env["AWS_REGION"] == v["aws"]["region"]
    assert env["AWS_ENDPOINT_URL"] == v["aws"]["endpointUrl"]
    assert env["RF_LOG_FORMAT"] == "text" and env["RUST_LOG"] == v["logLevel"]
    assert env["AWS_MAX_ATTEMPTS"] == "5"
    failsafe = v["drillFailsafe"]
    assert env["RF_FAILSAFE_ROLE_ARN"] == failsafe["roleArn"]
    assert env["RF_FAILSAFE_SCHEDULE_GROUP"] == failsafe["scheduleGroup"]
    assert env["RF_FAILSAFE_REGION"] == failsafe["region"]

    deploy = one(all_options_docs, "Deployment")
    assert deploy["metadata"]["name"] == v["fullnameOverride"]
    assert deploy["spec"]["replicas"] == v["replicaCount"]
    pod = deploy["spec"]["template"]
    spec = pod["spec"]
    container = spec["containers"][0]
    assert container["image"] == f"{v['image']['repository']}@{v['image']['digest']}"
    assert container["imagePullPolicy"] == "Always"
    assert container["ports"][0]["containerPort"] == v["metrics"]["port"]
    assert container["livenessProbe"]["periodSeconds"] == v["livenessProbe"]["periodSeconds"]
    assert container["readinessProbe"]["failureThreshold"] == v["readinessProbe"]["failureThreshold"]
    assert container["resources"] == v["resources"]
    assert spec["securityContext"]["runAsUser"] == v["securityContext"]["runAsUser"]
    assert spec["serviceAccountName"] == v["serviceAccount"]["name"]
    for key in ("imagePullSecrets", "priorityClassName", "nodeSelector", "tolerations",
                "affinity", "topologySpreadConstraints", "terminationGracePeriodSeconds"):
        assert spec[key] == v[key], key
    assert pod["metadata"]["annotations"] == v["podAnnotations"]
    assert v["podLabels"].items() <= pod["metadata"]["labels"].items()

    sa = one(all_options_docs, "ServiceAccount")
    assert sa["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": v["serviceAccount"]["iamRoleArn"],
        **v["serviceAccount"]["annotations"],
    }
    service = one(all_options_docs, "Service")
    assert service["spec"]["ports"][0]["port"] == v["metrics"]["service"]["port"]
    assert service["metadata"]["annotations"] == v["metrics"]["service"]["annotations"]
    policy = one(all_options_docs, "NetworkPolicy")
    assert policy["spec"]["ingress"][0]["from"] == v["networkPolicy"]["metricsFrom"]
    assert one(all_options_docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == "50%"


def test_image_tag_defaults_to_app_version(default_docs):
    container = one(default_docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    with helm.Chart.load(CHART) as chart:
        app_version = chart.metadata["appVersion"]
    assert container["image"] == f"regional-failover:{app_version}"


def test_service_and_service_monitor_select_the_controller(all_options_docs, all_options_values):
    deploy = one(all_options_docs, "Deployment")
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    service = one(all_options_docs, "Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    monitor = one(all_options_docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [service["metadata"]["namespace"]]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"]
    assert endpoint["path"] == "/metrics"
    # The objects' own `namespace` label must survive the scrape (alerts and dashboard use it).
    assert endpoint["honorLabels"] is True
    sm = all_options_values["metrics"]["serviceMonitor"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == (sm["interval"], sm["scrapeTimeout"])
    assert sm["labels"].items() <= monitor["metadata"]["labels"].items()


def test_pdb_uses_policy_v1_when_the_cluster_serves_it_or_nothing_is_known():
    # Discovery of a 1.21+ cluster lists both; offline rendering lists neither.
    both = ["policy/v1/PodDisruptionBudget", "policy/v1beta1/PodDisruptionBudget"]
    for api_versions in (both, []):
        pdb = one(chart_render.render({}, api_versions=api_versions), "PodDisruptionBudget")
        assert pdb["apiVersion"] == "policy/v1"


def test_pdb_falls_back_to_v1beta1_on_a_cluster_without_policy_v1():
    docs = chart_render.render({}, kube_version="v1.20.2",
                               api_versions=["policy/v1beta1/PodDisruptionBudget"])
    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1beta1"
    # The rest of the spec is valid for both versions (selector + maxUnavailable).
    assert set(pdb["spec"]) == {"maxUnavailable", "selector"}


@pytest.mark.parametrize(
    ("values", "absent"),
    [
        ({"podDisruptionBudget": {"enabled": False}}, {"PodDisruptionBudget"}),
        ({"networkPolicy": {"enabled": False}}, {"NetworkPolicy"}),
        ({"metrics": {"service": {"enabled": False}}}, {"Service"}),
        ({"rbac": {"create": False}},
         {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}),
        ({"leaderElection": {"enabled": False}, "replicaCount": 1, "drills": {"enabled": False},
          "runbooks": {"enabled": False}},
         {"Role", "RoleBinding"}),
        ({"serviceAccount": {"create": False, "name": "existing-sa"}}, {"ServiceAccount"}),
    ],
)
def test_switches_remove_exactly_their_objects(default_docs, values, absent):
    docs = chart_render.render(values)
    before = {d["kind"] for d in default_docs}
    assert {d["kind"] for d in docs} == before - absent


@pytest.mark.parametrize(
    ("values", "added"),
    [
        ({"prometheusRule": {"enabled": True}}, ["PrometheusRule"]),
        ({"dashboard": {"enabled": True}}, ["ConfigMap"]),
        ({"metrics": {"serviceMonitor": {"enabled": True}}}, ["ServiceMonitor"]),
    ],
)
def test_optional_objects_are_off_by_default_and_on_alone(default_docs, values, added):
    docs = chart_render.render(values)
    assert sorted(d["kind"] for d in docs) == sorted([d["kind"] for d in default_docs] + added)


def test_leader_election_off_reaches_the_pod():
    docs = chart_render.render({"leaderElection": {"enabled": False}, "replicaCount": 1})
    assert env_of(docs)["RF_LEADER_ELECTION"] == "false"
    roles = {d["metadata"]["name"] for d in by_kind(docs, "Role") + by_kind(docs, "RoleBinding")}
    assert roles == {"regional-failover-stop-drills", "regional-failover-runbooks"}


def test_existing_service_account_is_used_by_pod_and_bindings():
    docs = chart_render.render({"serviceAccount": {"create": False, "name": "existing-sa"}})
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "existing-sa"
    for binding in by_kind(docs, "ClusterRoleBinding") + by_kind(docs, "RoleBinding"):
        assert [s["name"] for s in binding["subjects"]] == ["existing-sa"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"replicaCount": 2, "leaderElection": {"enabled": False}},
         "replicaCount > 1 needs leaderElection.enabled=true"),
        ({"serviceAccount": {"create": False}},
         "serviceAccount.name is required when serviceAccount.create=false"),
        ({"metrics": {"service": {"enabled": False}, "serviceMonitor": {"enabled": True}}},
         "metrics.serviceMonitor.enabled=true needs metrics.service.enabled=true"),
        ({"dnsWatch": {"seconds": 5, "alertSeconds": 10}},
         "dnsWatch.alertSeconds must not exceed dnsWatch.seconds"),
        ({"prometheusRule": {"enabled": True, "alertLabels": {"severity": "page"}}},
         "prometheusRule.alertLabels must not set severity or alertname"),
    ],
)
def test_unsafe_combinations_fail_with_a_reason(values, message):
    with pytest.raises(helm.HelmRenderError, match=re.escape(message)):
        chart_render.render(values)


def test_notes_tell_the_next_command():
    notes = chart_render.render_files({})["regional-failover/templates/NOTES.txt"]
    assert "kubectl get rf --all-namespaces" in notes
    assert "EKS Pod Identity" in notes  # no role configured: say how to give it one
    scoped = chart_render.render_files(
        {"watchNamespace": "payments",
         "serviceAccount": {"iamRoleArn": "arn:aws:iam::123456789012:role/rf"}}
    )["regional-failover/templates/NOTES.txt"]
    assert "kubectl get rf -n payments" in scoped
    assert "EKS Pod Identity" not in scoped


def test_pod_namespace_comes_from_the_downward_api(renders):
    # The operator reads the drill stop switch in its own namespace, which only the pod knows.
    for docs in renders.values():
        assert env_of(docs)["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


@pytest.mark.parametrize("which", ["default", "all-options"])
def test_grace_period_leaves_room_to_restore_drills(renders, which):
    # The operator spends up to 15 s restoring running drills after SIGTERM, then releases the Lease.
    pod = one(renders[which], "Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 30


def test_deprecated_verify_interval_is_passed_as_before_with_a_notice():
    values = {"defaultVerifyIntervalSeconds": 90, "sharedReadMaxAgeSeconds": 12}
    env = env_of(chart_render.render(values))
    # The binary halves the old value and would ignore the new one: only the old one is set.
    assert env["RF_DEFAULT_VERIFY_INTERVAL_SECONDS"] == "90"
    assert "RF_SHARED_READ_MAX_AGE_SECONDS" not in env
    notes = chart_render.render_files(values)["regional-failover/templates/NOTES.txt"]
    assert "DEPRECATED: defaultVerifyIntervalSeconds (90)" in notes
    assert "Set sharedReadMaxAgeSeconds: 45 instead" in notes
    default_notes = chart_render.render_files({})["regional-failover/templates/NOTES.txt"]
    assert "DEPRECATED" not in default_notes


def test_drills_disabled_reaches_the_pod_and_drops_the_stop_switch_access():
    values = {"drills": {"enabled": False}}
    docs = chart_render.render(values)
    assert env_of(docs)["RF_DRILLS_ENABLED"] == "false"
    names = {d["metadata"]["name"] for d in by_kind(docs, "Role") + by_kind(docs, "RoleBinding")}
    assert names == {"regional-failover-leader-election", "regional-failover-runbooks"}
    notes = chart_render.render_files(values)["regional-failover/templates/NOTES.txt"]
    assert "Drills are disabled" in notes and "stop-drills" not in notes


def test_notes_show_the_stop_switch_of_the_release_namespace():
    notes = chart_render.render_files({}, namespace="dr-ops")["regional-failover/templates/NOTES.txt"]
    assert ('kubectl -n dr-ops create configmap regional-failover-stop-drills --from-literal=reason="WHY"'
            in notes)
    # No fail-safe role: drills are refused, and the notes say so.
    assert "drillFailsafe.roleArn is empty" in notes
    configured = chart_render.render_files(
        {"drillFailsafe": {"roleArn": "arn:aws:iam::123456789012:role/failsafe"}}
    )["regional-failover/templates/NOTES.txt"]
    assert "drillFailsafe.roleArn is empty" not in configured


def test_dashboard_config_map_carries_the_dashboard_for_the_sidecar(all_options_docs, all_options_values):
    v = all_options_values["dashboard"]
    (cm,) = [d for d in by_kind(all_options_docs, "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")]
    assert cm["metadata"]["namespace"] == v["namespace"]
    assert cm["metadata"]["labels"][v["sidecarLabel"]] == v["sidecarLabelValue"]
    assert "grafana_dashboard" not in cm["metadata"]["labels"]
    assert v["labels"].items() <= cm["metadata"]["labels"].items()
    assert cm["metadata"]["annotations"] == v["annotations"]
    (key,) = cm["data"]
    dashboard = json.loads(cm["data"][key])
    assert dashboard["uid"] == "regional-failover" and dashboard["panels"]
    default = one(chart_render.render({"dashboard": {"enabled": True}}), "ConfigMap")
    assert default["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert default["metadata"]["namespace"] == chart_render.DEFAULT_NAMESPACE


def test_prometheus_rule_carries_its_labels(all_options_docs, all_options_values):
    v = all_options_values["prometheusRule"]
    rule = one(all_options_docs, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert v["labels"].items() <= rule["metadata"]["labels"].items()
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"]]
    assert alerts and all(v["alertLabels"].items() <= r["labels"].items() for r in alerts)
