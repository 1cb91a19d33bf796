"""Ground truth about health checks, for invariant checks that must not trust the operator's own status:

- every change of a check's configuration (CreateHealthCheck, UpdateHealthCheck from the API or from a
  firing schedule, DeleteHealthCheck) and every update rejected for a stale HealthCheckVersion: when, who,
  versions before/after, whether the request carried a version, and the before/after of each field;
- the moment the evaluation actually saw Inverted/Disabled change (after route53ConfigPropagationSeconds);
- what the endpoint really was: the uninverted aggregate of the checkers' raw probe results (no
  FailureThreshold, no Inverted, no Disabled) and, per checker, a run-length history of raw results.

Callers hold state.LOCK (the Route 53 handlers, the health engine and the scheduler all do).
"""

import collections
import itertools
import re
import threading
from contextlib import contextmanager

from .state import iso, now

# API member -> moto HealthCheck attribute; the fields whose changes are recorded.
FIELDS = {"Type": "type_", "IPAddress": "ip_address", "Port": "port", "ResourcePath": "resource_path",
          "FullyQualifiedDomainName": "fqdn", "SearchString": "search_string",
          "RequestInterval": "request_interval", "FailureThreshold": "failure_threshold",
          "HealthThreshold": "health_threshold", "MeasureLatency": "measure_latency", "Inverted": "inverted",
          "Disabled": "disabled", "EnableSNI": "enable_sni", "Regions": "regions", "ChildHealthChecks": "children",
          "AlarmIdentifier": "alarm_identifier", "InsufficientDataHealthStatus": "insufficient_data_health_status"}
HEALTHY_FRACTION = 0.18  # the same 18 % rule as the evaluation, applied to raw results
MAX_RUNS_PER_CHECKER = 64
MAX_RECORDS_PER_CHECK = 2000

_ctx = threading.local()
_seq = itertools.count(1)
CHANGES: dict[tuple, list] = {}  # (account, id) -> change records
EFFECTIVE: dict[tuple, list] = {}  # (account, id) -> [{at, atEpoch, inverted, disabled, initial}]
RAW: dict[tuple, dict] = {}  # (account, id) -> {"healthy", "transitions", "runs": {region: deque}}


def reset():
    CHANGES.clear()
    EFFECTIVE.clear()
    RAW.clear()


# ---- who is changing the check ------------------------------------------------------------------
@contextmanager
def caller(**info):
    """Tags configuration changes made inside the block with their source (api / scheduler)."""
    previous = getattr(_ctx, "info", None)
    _ctx.info = info
    try:
        yield
    finally:
        _ctx.info = previous


def api_caller(headers, operation: str) -> dict:
    m = re.search(r"Credential=([^/,\s]+)/", headers.get("Authorization", "") or "")
    key = m.group(1) if m else None
    return {"source": "api", "operation": operation, "accessKeyId": key, "principal": _principal(key, headers)}


def _principal(access_key, headers):
    """The caller's ARN when local AWS's IAM knows the key; None otherwise (never fails a request)."""
    if not access_key:
        return None
    try:
        from .awsreq import account_for
        from .iam import IAM
        from .iam_principals import identify

        if access_key in IAM.root_keys:
            return f"arn:aws:iam::{account_for({}, access_key)}:root"
        return identify(access_key, headers).arn
    except Exception:  # unknown key, IAM off or changed: the access key alone is still recorded
        return None


def _current() -> dict:
    return dict(getattr(_ctx, "info", None) or {"source": "unknown"})


# ---- configuration changes ----------------------------------------------------------------------
def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def snapshot(hc) -> dict:
    out = {member: _plain(getattr(hc, attr, None)) for member, attr in FIELDS.items()}
    out["HealthCheckVersion"] = int(hc.health_check_version)
    return out


def _diff(before: dict, after: dict) -> dict:
    return {k: {"before": before.get(k), "after": after.get(k)} for k in FIELDS
            if k in after and before.get(k) != after.get(k)}


def _append(account: str, hc_id: str, record: dict):
    at = now()
    record = {"seq": next(_seq), "at": iso(at), "atEpoch": at, "healthCheckId": hc_id, "account": account,
              **_current(), **record}
    items = CHANGES.setdefault((account, hc_id), [])
    items.append(record)
    del items[:-MAX_RECORDS_PER_CHECK]


def record_create(account: str, hc):
    after = snapshot(hc)
    _append(account, hc.id, {"kind": "create", "versionBefore": None, "versionAfter": after["HealthCheckVersion"],
                             "requestVersion": None, "carriedVersion": False,
                             "changes": {k: {"before": None, "after": v} for k, v in after.items()
                                         if k in FIELDS and v not in (None, False, [])}})


def record_update(account: str, hc_id: str, before: dict, after: dict, request_version):
    _append(account, hc_id, {"kind": "update", "versionBefore": before["HealthCheckVersion"],
                             "versionAfter": after["HealthCheckVersion"],
                             "requestVersion": None if request_version is None else int(request_version),
                             "carriedVersion": request_version is not None, "changes": _diff(before, after)})


def record_rejected(account: str, hc_id: str, before: dict, requested: dict, request_version, error: str):
    """An update that did not happen; `changes` holds what it asked for."""
    _append(account, hc_id, {"kind": "rejected", "error": error, "versionBefore": before["HealthCheckVersion"],
                             "versionAfter": before["HealthCheckVersion"],
                             "requestVersion": None if request_version is None else int(request_version),
                             "carriedVersion": request_version is not None,
                             "changes": _diff(before, {k: _plain(v) for k, v in requested.items()})})


def record_delete(account: str, hc):
    before = snapshot(hc)
    _append(account, hc.id, {"kind": "delete", "versionBefore": before["HealthCheckVersion"], "versionAfter": None,
                             "requestVersion": None, "carriedVersion": False, "changes": {}})


# ---- what the evaluation saw ----------------------------------------------------------------------
def effective(rt, initial: bool = False):
    at = now()
    items = EFFECTIVE.setdefault((rt.account, rt.hc_id), [])
    if items and not initial and (items[-1]["inverted"], items[-1]["disabled"]) == (rt.inverted, rt.disabled):
        return
    items.append({"at": iso(at), "atEpoch": at, "inverted": rt.inverted, "disabled": rt.disabled,
                  "initial": initial})
    del items[:-MAX_RECORDS_PER_CHECK]


# ---- what the endpoint really was -----------------------------------------------------------------
def _raw(rt) -> dict:
    return RAW.setdefault((rt.account, rt.hc_id), {"healthy": None, "transitions": [], "runs": {}})


def _flip(truth: dict, healthy: bool, reason: str):
    if truth["healthy"] == healthy:
        return
    at = now()
    truth["transitions"].append({"at": iso(at), "atEpoch": at, "healthy": healthy, "reason": reason,
                                 "initial": truth["healthy"] is None})
    del truth["transitions"][:-MAX_RECORDS_PER_CHECK]
    truth["healthy"] = healthy


def on_probe(rt, checker, result, forced: bool, reachable=lambda region: True):
    """One raw probe result; checkers of unreachable regions are left out of the aggregate, as they are
    out of the evaluation."""
    truth = _raw(rt)
    runs = truth["runs"].setdefault(checker.region, collections.deque(maxlen=MAX_RUNS_PER_CHECKER))
    at = now()
    if runs and runs[-1][2] == result.ok and runs[-1][3] == result.status and runs[-1][4] == forced:
        runs[-1][1] = at
        runs[-1][5] += 1
    else:
        runs.append([at, at, result.ok, result.status, forced, 1])
    reporting = [truth["runs"][c.region][-1][2] for c in rt.checkers
                 if truth["runs"].get(c.region) and reachable(c.region)]
    if reporting:
        _flip(truth, sum(reporting) > HEALTHY_FRACTION * len(reporting), f"checker {checker.region}: {result.status}")


def on_base(rt, healthy: bool, reason: str):
    """CALCULATED and CLOUDWATCH_METRIC checks have no probes: their raw truth is the uninverted base
    health (children against HealthThreshold; the alarm's data stream)."""
    _flip(_raw(rt), healthy, reason)


# ---- views for the control API -------------------------------------------------------------------
def _run_json(run) -> dict:
    first, last, ok, status, forced, count = run
    return {"at": iso(first), "atEpoch": first, "lastAt": iso(last), "lastAtEpoch": last, "ok": ok,
            "status": status, "forced": forced, "count": count}


def truth(account: str, hc_id: str, with_checkers: bool) -> dict:
    t = RAW.get((account, hc_id)) or {"healthy": None, "transitions": [], "runs": {}}
    out = {"rawHealthy": t["healthy"], "rawTransitions": list(t["transitions"])}
    if with_checkers:
        out["rawHistory"] = {region: [_run_json(r) for r in runs] for region, runs in t["runs"].items()}
    return out


def changes(account: str | None, hc_id: str) -> dict | None:
    keys = [k for k in set(CHANGES) | set(EFFECTIVE) if k[1] == hc_id and (account is None or k[0] == account)]
    if not keys:
        return None
    key = keys[0]
    return {"healthCheckId": hc_id, "account": key[0], "changes": list(CHANGES.get(key, [])),
            "effective": list(EFFECTIVE.get(key, []))}
