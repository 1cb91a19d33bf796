"""Times WRITES whole-status writes of one RegionalFailover over one kept-alive connection, as the
operator writes them, and the CPU each API server process of the control plane in DIR spent per
write (from /proc). Prints one line: `MODE via TARGET: p50 .. p90 .. p99 .. ms; CPU per write ..`.

    status_write.py --dir DIR --kubeconfig FILE --mode apply|merge --writes N --label TEXT [--without-cel]

apply: server-side apply, field manager regional-failover, forced (the operator's write);
merge: a JSON merge patch of the same status, for comparison. --without-cel first replaces the
CRD on the server KUBECONFIG names (the CRD server) with the same CRD without its CEL rules.
"""

import argparse
import http.client
import json
import os
import re
import ssl
import sys
import time

PATH = "/apis/regionalfailover.io/v1alpha1/namespaces/{ns}/regionalfailovers/{name}/status"
SERVERS = ("apiextensions-apiserver", "kube-apiserver", "etcd")
STAMP = "2026-12-03T08:00:00Z"


def kubeconfig(path):
    """Server URL and bearer token of the control plane's generated kubeconfig."""
    text = open(path, encoding="utf-8").read()
    server = re.search(r"server:\s*(\S+)", text)
    token = re.search(r"token:\s*(\S+)", text)
    if not server or not token:
        sys.exit(f"{path}: no server or token")
    return server.group(1), token.group(1)


def condition(kind, reason):
    message = (
        "Route 53 answers api.example.com with the primary us-east-1 (primary.api.example.com); "
        "the health check passes in 16 of 16 checker regions."
    )
    return {
        "type": kind,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastTransitionTime": STAMP,
        "observedGeneration": 1,
    }


def status():
    """A verified object's status, the size and shape the operator writes at every verification."""
    kinds = [
        ("Ready", "FailoverReady"),
        ("InSync", "NoDrift"),
        ("PrimaryHealthy", "HealthCheckPassing"),
        ("ReplicationHealthy", "ReplicasActive"),
        ("DrillReady", "LastDrillPassed"),
        ("ObjectiveMet", "PredictedRtoWithinObjective"),
    ]
    return {
        "activeRegion": "us-east-1",
        "conditions": [condition(k, r) for k, r in kinds],
        "observedGeneration": 1,
        "lastVerifiedAt": STAMP,
        "observedFrom": "us-east-1",
        "predictedRtoSeconds": 95,
        "predictedFailbackSeconds": 95,
        "health": {
            "checkersHealthy": 16,
            "checkersReporting": 16,
            "checkersObservedAt": STAMP,
            "observedAt": STAMP,
            "source": "DNS",
            "status": "Healthy",
        },
        "replication": {
            "lagSeconds": 0.8,
            "probedAt": STAMP,
            "multiRegionConsistency": "EVENTUAL",
            "replicas": [{"region": "us-west-2", "status": "ACTIVE"}],
        },
    }


def server_pids(directory):
    """PID of each API server process whose command line names the control plane's directory."""
    pids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        program = os.path.basename(argv[0].decode(errors="replace"))
        if program in SERVERS and directory.encode() in b" ".join(argv):
            pids[program] = int(entry)
    return pids


def strip_rules(node):
    if isinstance(node, dict):
        node.pop("x-kubernetes-validations", None)
        for value in node.values():
            strip_rules(value)
    elif isinstance(node, list):
        for value in node:
            strip_rules(value)


def call(conn, method, path, token, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {token}"}
    conn.request(method, path, None if body is None else json.dumps(body), headers)
    answer = conn.getresponse()
    return answer.status, answer.read()


def replace_crd_without_cel(conn, token):
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/regionalfailovers.regionalfailover.io"
    code, text = call(conn, "GET", path, token)
    if code != 200:
        sys.exit(f"reading the CRD: HTTP {code}: {text[:400]!r}")
    crd = json.loads(text)
    strip_rules(crd["spec"])
    code, text = call(conn, "PUT", path, token, crd)
    if code != 200:
        sys.exit(f"replacing the CRD: HTTP {code}: {text[:400]!r}")
    if b"x-kubernetes-validations" in text:
        sys.exit("the replaced CRD still has CEL rules")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--mode", choices=("apply", "merge"), required=True)
    p.add_argument("--writes", type=int, default=300)
    p.add_argument("--label", required=True)
    p.add_argument("--namespace", default="bench")
    p.add_argument("--name", default="profile-api")
    p.add_argument("--without-cel", action="store_true")
    a = p.parse_args()
    url, token = kubeconfig(a.kubeconfig)
    host, port = url.removeprefix("https://").rsplit(":", 1)
    # The control plane's serving certificates are its own, made for this run on 127.0.0.1.
    conn = http.client.HTTPSConnection(host, int(port), context=ssl._create_unverified_context())
    path = PATH.format(ns=a.namespace, name=a.name)
    if a.mode == "apply":
        path += "?fieldManager=regional-failover&force=true"
        content_type = "application/apply-patch+yaml"
    else:
        content_type = "application/merge-patch+json"
    body = {"apiVersion": "regionalfailover.io/v1alpha1", "kind": "RegionalFailover", "status": status()}
    if a.without_cel:
        replace_crd_without_cel(conn, token)
        # The server serves the new schema once it has rebuilt its handler: one untimed write waits for it.
        for _ in range(100):
            if call(conn, "PATCH", path, token, body, content_type)[0] == 200:
                break
            time.sleep(0.1)
    pids = server_pids(a.dir)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    took = []
    for i in range(a.writes):
        # A new verification time each write, as every verification writes: never a no-op.
        body["status"]["lastVerifiedAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_800_000_000 + i))
        t = time.perf_counter()
        code, text = call(conn, "PATCH", path, token, body, content_type)
        took.append((time.perf_counter() - t) * 1e3)
        if code != 200:
            sys.exit(f"{a.label}: HTTP {code}: {text[:400]!r}")
    cpu = {name: (cpu_seconds(pid) - before[name]) * 1e3 / a.writes for name, pid in pids.items()}
    took.sort()
    q = lambda f: took[min(len(took) - 1, int(f * len(took)))]  # noqa: E731
    per = ", ".join(f"{name} {cpu.get(name, float('nan')):.1f}" for name in SERVERS)
    print(
        f"{a.label:<44} p50 {q(0.5):5.1f}  p90 {q(0.9):5.1f}  p99 {q(0.99):5.1f} ms;"
        f" CPU ms per write: {per}  (n={a.writes}, answer {len(text)} bytes)"
    )


if __name__ == "__main__":
    main()
