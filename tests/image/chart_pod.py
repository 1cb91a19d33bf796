"""Render the chart and translate its Deployment's pod into a `podman run` command line.

    python chart_pod.py [-f VALUES]... [--set K=V]... --api-host H --api-port P --token-dir DIR
                        [--pod-name NAME] [--args-only]

Prints JSON: the podman arguments (everything between `podman run` and the end), and the facts a
test checks the running container against (identity, capabilities, grace period, probe URLs).
With --args-only: just the podman arguments, one a line (tests/image/podman-args).

The translation is strict: a field of the pod or container it cannot express with podman (a
secret-backed env var, a hostPath volume, a sysctl, ...) is an error, not silently dropped, so a
chart change that the image test can no longer reproduce fails the test instead of being skipped.
Runs in the chart's venv (charts/tools/venv.sh), which has Helm's library and PyYAML.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "charts" / "tools"))
import render  # noqa: E402  (charts/tools is not a package)

# Where the kubelet mounts a ServiceAccount's token when automountServiceAccountToken is true.
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"

POD_SECURITY = {"runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "supplementalGroups",
                "fsGroup", "fsGroupChangePolicy"}
CONTAINER_SECURITY = {"allowPrivilegeEscalation", "privileged", "readOnlyRootFilesystem", "runAsNonRoot",
                      "runAsUser", "runAsGroup", "capabilities", "seccompProfile"}
CONTAINER_KEYS = {"name", "image", "imagePullPolicy", "args", "command", "env", "ports", "livenessProbe",
                  "readinessProbe", "resources", "securityContext", "volumeMounts"}
# Pod fields that only matter to the scheduler or the API server, not to how the container runs.
POD_KEYS_SCHEDULING = {"affinity", "nodeSelector", "tolerations", "topologySpreadConstraints",
                       "priorityClassName", "imagePullSecrets"}
POD_KEYS = {"serviceAccountName", "automountServiceAccountToken", "enableServiceLinks", "securityContext",
            "containers", "volumes", "terminationGracePeriodSeconds"} | POD_KEYS_SCHEDULING


class Untranslatable(Exception):
    pass


def quantity_bytes(q: str | int) -> int:
    """A Kubernetes memory quantity (16Mi, 256M, 1Gi, 1000) in bytes."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    if not m:
        raise Untranslatable(f"memory quantity {q!r}")
    mult = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m[2]]
    return int(m[1]) * mult


def quantity_cpus(q: str | int | float) -> str:
    s = str(q)
    return f"{int(s[:-1]) / 1000:g}" if s.endswith("m") else f"{float(s):g}"


def unknown(what: str, keys: set[str], known: set[str]) -> None:
    extra = sorted(keys - known)
    if extra:
        raise Untranslatable(f"{what}: no podman translation for {extra}")


def translate(docs: list[dict[str, Any]], namespace: str, api_host: str, api_port: int,
              token_dir: str, pod_name: str | None = None) -> dict[str, Any]:
    (deploy,) = [d for d in docs if d["kind"] == "Deployment"]
    pod = deploy["spec"]["template"]["spec"]
    unknown("pod spec", set(pod), POD_KEYS)
    (ctr,) = pod["containers"]
    unknown("container", set(ctr), CONTAINER_KEYS)
    # A Deployment's pods are named after it; the container gets the pod's name and hostname.
    pod_name = pod_name or f"{deploy['metadata']['name']}-podman"
    sa = pod.get("serviceAccountName", "default")
    args: list[str] = ["--name", pod_name, "--hostname", pod_name,
                       # The kubelet's view of a pod that shares the node's network: the API server
                       # and local AWS listen on this machine's loopback.
                       "--network", "host",
                       # Nothing may come from a registry; the image must already be here.
                       "--pull", "never",
                       # podman would otherwise add a passwd entry for an unknown --user, hiding
                       # a uid the image does not know; the kubelet adds none.
                       "--passwd=false"]
    facts: dict[str, Any] = {"podName": pod_name, "namespace": namespace, "serviceAccount": sa,
                             "image": ctr["image"], "container": ctr["name"]}

    # --- securityContext: the container's fields win over the pod's ---------------------------
    psc, csc = pod.get("securityContext", {}), ctr.get("securityContext", {})
    unknown("pod securityContext", set(psc), POD_SECURITY)
    unknown("container securityContext", set(csc), CONTAINER_SECURITY)
    eff = {**psc, **csc}
    uid, gid = eff.get("runAsUser"), eff.get("runAsGroup")
    if uid is None:
        raise Untranslatable("no runAsUser: the kubelet would take the image's USER; set it in the chart")
    if eff.get("runAsNonRoot") and uid == 0:
        raise Untranslatable("runAsNonRoot with runAsUser 0: the kubelet refuses to start the container")
    args += ["--user", f"{uid}:{gid}" if gid is not None else str(uid)]
    groups = list(psc.get("supplementalGroups", []))
    if "fsGroup" in psc:
        groups.append(psc["fsGroup"])  # the kubelet adds fsGroup to the supplementary groups
    for g in groups:
        args += ["--group-add", str(g)]
    if eff.get("privileged"):
        args.append("--privileged")
    if eff.get("readOnlyRootFilesystem"):
        # No tmpfs of podman's own on /run, /tmp, /var/tmp: only what the pod mounts is writable.
        args += ["--read-only", "--read-only-tmpfs=false"]
    if eff.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    caps = eff.get("capabilities", {})
    unknown("capabilities", set(caps), {"add", "drop"})
    for c in caps.get("drop", []):
        args += ["--cap-drop", c]
    for c in caps.get("add", []):
        args += ["--cap-add", c]
    seccomp = eff.get("seccompProfile", {}).get("type", "Unconfined")
    if seccomp == "Unconfined":
        args += ["--security-opt", "seccomp=unconfined"]
    elif seccomp != "RuntimeDefault":  # RuntimeDefault: podman's default profile, no flag needed
        raise Untranslatable(f"seccompProfile {seccomp}")
    facts.update(uid=uid, gid=gid, groups=groups, runAsNonRoot=bool(eff.get("runAsNonRoot")),
                 readOnlyRootFilesystem=bool(eff.get("readOnlyRootFilesystem")),
                 noNewPrivileges=eff.get("allowPrivilegeEscalation") is False,
                 capDrop=caps.get("drop", []), capAdd=caps.get("add", []), seccomp=seccomp)

    # --- env: literal values, the downward API, and the kubelet's API server address ----------
    field_values = {"metadata.name": pod_name, "metadata.namespace": namespace,
                    "spec.serviceAccountName": sa, "status.podIP": api_host, "status.hostIP": api_host}
    env: dict[str, str] = {}
    for e in ctr.get("env", []):
        if "value" in e:
            env[e["name"]] = str(e["value"])
        elif "fieldRef" in e.get("valueFrom", {}) and e["valueFrom"]["fieldRef"]["fieldPath"] in field_values:
            env[e["name"]] = field_values[e["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            raise Untranslatable(f"env {e['name']}: {e.get('valueFrom')}")
    # Always set by the kubelet (service links or not): how in-cluster clients find the API server.
    env = {"KUBERNETES_SERVICE_HOST": api_host, "KUBERNETES_SERVICE_PORT": str(api_port), **env}
    for k, v in env.items():
        args += ["--env", f"{k}={v}"]
    facts["env"] = env

    # --- volumes -----------------------------------------------------------------------------
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounted = set()
    for m in ctr.get("volumeMounts", []):
        vol = volumes.get(m["name"])
        if vol is None:
            raise Untranslatable(f"volumeMount {m['name']} has no volume")
        mounted.add(m["mountPath"])
        if set(vol) == {"name", "emptyDir"}:
            opts = [f"type=tmpfs,destination={m['mountPath']}", "tmpfs-mode=1777"]
            if "sizeLimit" in (vol["emptyDir"] or {}):
                opts.append(f"tmpfs-size={quantity_bytes(vol['emptyDir']['sizeLimit'])}")
            args += ["--mount", ",".join(opts)]
        else:
            raise Untranslatable(f"volume {vol['name']}: only emptyDir is translated")
    facts["writable"] = sorted(mounted)
    if pod.get("automountServiceAccountToken", True) and SA_MOUNT not in mounted:
        # token, ca.crt and namespace, as the kubelet projects them (read-only).
        args += ["--volume", f"{token_dir}:{SA_MOUNT}:ro"]
        facts["tokenMount"] = SA_MOUNT
    else:
        facts["tokenMount"] = None

    # --- resources, grace period, ports and probes ----------------------------------------------
    limits = ctr.get("resources", {}).get("limits", {})
    # ephemeral-storage is enforced by the kubelet's eviction, not by the runtime: nothing to pass.
    unknown("resources.limits", set(limits), {"cpu", "memory", "ephemeral-storage"})
    if "cpu" in limits:
        args += ["--cpus", quantity_cpus(limits["cpu"])]
    if "memory" in limits:
        args += ["--memory", str(quantity_bytes(limits["memory"]))]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    args += ["--stop-timeout", str(grace)]
    facts["terminationGracePeriodSeconds"] = grace
    ports = {p["name"]: p["containerPort"] for p in ctr.get("ports", []) if "name" in p}
    probes = {}
    for kind in ("livenessProbe", "readinessProbe"):
        get = ctr.get(kind, {}).get("httpGet")
        if get is None:
            raise Untranslatable(f"{kind}: only httpGet probes are checked")
        port = ports.get(get["port"], get["port"])
        probes[kind] = f"http://{api_host}:{port}{get['path']}"
    facts["probes"] = probes
    facts["ports"] = sorted(set(ports.values()))

    # --- image, entrypoint and arguments --------------------------------------------------------
    if "command" in ctr:
        args += ["--entrypoint", json.dumps(ctr["command"])]
    args.append(ctr["image"])
    args += [str(a) for a in ctr.get("args", [])]
    facts["podmanArgs"] = args
    return facts


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="chart_pod.py")
    p.add_argument("-f", "--values", action="append", default=[])
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--name", default=render.DEFAULT_NAME)
    p.add_argument("-n", "--namespace", default=render.DEFAULT_NAMESPACE)
    p.add_argument("--api-host", required=True)
    p.add_argument("--api-port", required=True, type=int)
    p.add_argument("--token-dir", required=True)
    p.add_argument("--pod-name", help="the pod's (and the container's) name; default DEPLOYMENT-podman")
    p.add_argument("--args-only", action="store_true")
    a = p.parse_args(argv)
    values = render.values_from(a.values, a.set)
    docs = render.render(values, name=a.name, namespace=a.namespace)
    try:
        facts = translate(docs, a.namespace, a.api_host, a.api_port, a.token_dir, a.pod_name)
    except Untranslatable as err:
        print(f"chart_pod.py: the rendered Deployment cannot be run as podman would: {err}", file=sys.stderr)
        return 1
    if a.args_only:
        print(*facts["podmanArgs"], sep="\n")
    else:
        json.dump(facts, sys.stdout, indent=1)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
