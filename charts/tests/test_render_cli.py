"""charts/render: the command-line face of tools/render.py that other suites use."""

from __future__ import annotations

import subprocess
import sys

import yaml

from conftest import ALL_OPTIONS, CHARTS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHARTS / "tools" / "render.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_values_files_then_set_compose_like_helm():
    proc = run("-f", str(ALL_OPTIONS), "--set", "replicaCount=1,leaderElection.enabled=false",
               "--show-only", "Deployment")
    assert proc.returncode == 0, proc.stderr
    (deploy,) = [d for d in yaml.safe_load_all(proc.stdout) if d]
    assert deploy["metadata"]["name"] == "rf-operator"  # from the file
    assert deploy["spec"]["replicas"] == 1  # --set wins over the file


def test_output_applies_in_order_and_keeps_the_rbac_comments():
    proc = run("--include-crds", "--kube-version", "v1.20.2",
               "-a", "policy/v1beta1/PodDisruptionBudget")
    assert proc.returncode == 0, proc.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(proc.stdout) if d]
    assert kinds.index("ServiceAccount") < kinds.index("ClusterRoleBinding") < kinds.index("Deployment")
    assert kinds.index("CustomResourceDefinition") < kinds.index("Deployment")
    assert "apiVersion: policy/v1beta1" in proc.stdout
    assert "# Reading, renewing and taking over the Lease" in proc.stdout


def test_schema_errors_exit_non_zero_with_the_message():
    proc = run("--set", "replicaCount=two")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "at '/replicaCount': got string, want integer" in proc.stderr
