"""Offline rendering of charts/regional-failover with helm-python-sdk (Helm v4's library).

Used by the chart tests and, through charts/render, by anyone who needs the
manifests without a helm binary (e.g. the RBAC end-to-end test).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml
from helm_python import _native

CHART_DIR = Path(__file__).resolve().parent.parent / "regional-failover"
DEFAULT_NAME = "regional-failover"
DEFAULT_NAMESPACE = "regional-failover"

# Helm's install order (pkg/release/util/kind_sorter.go), so the output applies
# cleanly with `kubectl apply -f -`: identities and RBAC before the workload.
_INSTALL_ORDER = [
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
    "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
    "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
    "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
    "APIService",
]


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of user values: maps merge, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def values_from(files: list[str] = (), sets: list[str] = (), set_strings: list[str] = ()) -> dict:
    """Values as `helm -f FILE --set K=V --set-string K=V` would compose them."""
    values: dict[str, Any] = {}
    for path in files:
        values = merge(values, helm.values_from_yaml(Path(path).read_text()) or {})
    for expr in sets:
        values = merge(values, helm.parse_set_string(expr))
    for expr in set_strings:
        values = merge(values, helm.parse_set_string_values(expr))
    return values


def render_files(
    values: dict[str, Any] | None = None,
    *,
    name: str = DEFAULT_NAME,
    namespace: str = DEFAULT_NAMESPACE,
    kube_version: str | None = None,
    api_versions: list[str] = (),
) -> dict[str, str]:
    """Template path -> rendered text (NOTES.txt included), as `helm template` sees it.

    Raises helm.HelmValuesError (schema) or helm.HelmRenderError (template `fail`).
    """
    opts: dict[str, Any] = {"name": name, "namespace": namespace, "is_install": True}
    if kube_version:
        opts["kube_version"] = kube_version
    if api_versions:
        opts["api_versions"] = list(api_versions)
    with helm.Chart.load(CHART_DIR) as chart:
        # Chart.render() in helm-python-sdk 0.2.2 exposes no capability options, but its
        # native render call accepts them; they are what makes the PDB fallback testable.
        rendered = _native.call_string(
            "helm_render", chart._raw(), json.dumps(values or {}), json.dumps(opts)
        )
    files: dict[str, str] = json.loads(rendered)
    return files


def crd_files() -> dict[str, str]:
    """crds/ file name -> text, as Helm loaded it (so a symlinked CRD is followed or not).

    Helm's loader notes the symlink on stderr ("INFO found symbolic link in path"); that
    line is expected: crds/regionalfailover.yaml links to the repository's root CRD."""
    with helm.Chart.load(CHART_DIR) as chart:
        return {crd["filename"]: crd["data"] for crd in chart.crds}


def documents(files: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(template path, source text, object) per manifest, in Helm's install order.

    The source text is kept so printed manifests keep the templates' comments
    (the RBAC rules say why each exists)."""
    docs = []
    for path, text in files.items():
        if path.endswith("NOTES.txt"):
            continue
        for chunk in re.split(r"^---[ \t]*$", text, flags=re.MULTILINE):
            doc = yaml.safe_load(chunk)
            if doc:
                docs.append((path, chunk.strip("\n") + "\n", doc))

    def order(item: tuple[str, str, dict[str, Any]]) -> tuple[int, str, str]:
        kind = item[2].get("kind", "")
        rank = _INSTALL_ORDER.index(kind) if kind in _INSTALL_ORDER else len(_INSTALL_ORDER)
        return rank, kind, item[2].get("metadata", {}).get("name", "")

    return sorted(docs, key=order)


def render(values: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    return [doc for _, _, doc in documents(render_files(values, **kwargs))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="charts/render",
        description="Print the chart's rendered manifests as YAML (like `helm template`).",
    )
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE")
    parser.add_argument("--set", action="append", default=[], metavar="K=V")
    parser.add_argument("--set-string", action="append", default=[], metavar="K=V")
    parser.add_argument("--name", default=DEFAULT_NAME, help="release name")
    parser.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE)
    parser.add_argument("--kube-version", help="e.g. v1.20.2 (.Capabilities.KubeVersion)")
    parser.add_argument(
        "-a", "--api-versions", action="append", default=[], metavar="GROUP/VERSION/KIND",
        help="add to .Capabilities.APIVersions, e.g. policy/v1beta1/PodDisruptionBudget",
    )
    parser.add_argument("--include-crds", action="store_true")
    parser.add_argument("--show-only", action="append", default=[], metavar="KIND",
                        help="print only objects of these kinds (repeatable)")
    args = parser.parse_args(argv)

    try:
        values = values_from(args.values, args.set, args.set_string)
        files = render_files(values, name=args.name, namespace=args.namespace,
                             kube_version=args.kube_version, api_versions=args.api_versions)
    except helm.HelmError as err:
        print(f"charts/render: {err}", file=sys.stderr)
        return 1
    if args.include_crds:
        files = {**crd_files(), **files}
    out = []
    for path, text, doc in documents(files):
        if args.show_only and doc.get("kind") not in args.show_only:
            continue
        out.append(f"---\n# Source: {path}\n{text}")
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
