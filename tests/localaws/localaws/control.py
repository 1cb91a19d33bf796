"""Control API for tests: HTTP + JSON under /_localaws on the AWS port (see README.md)."""

import json

from werkzeug.wrappers import Request, Response

from . import control_fidelity
from .faults import FAULTS
from .health import ENGINE
from .iam_control import ROUTES as IAM_ROUTES
from .replication import REPLICATOR
from .scheduler_fire import FIRER
from .state import LOCK, SETTINGS

CTX = {"tracker": None, "reset_all": None, "endpoint": None, "dns": None}

SETTABLE = {"replicaTransitionSeconds": "replica_transition_seconds",
            "route53ConfigPropagationSeconds": "route53_config_propagation_seconds",
            "replicationDelaySeconds": "replication_delay"}


class BadRequest(Exception):
    pass


def _settings() -> dict:
    out = {"timeScale": SETTINGS.time_scale, "endpoint": CTX["endpoint"], "dns": CTX["dns"]}
    for key, attr in SETTABLE.items():
        out[key] = getattr(SETTINGS, attr)
    return out


def _health_checks(_body, args, hc_id=None):
    if hc_id is not None and hc_id.endswith("/changes"):
        return control_fidelity.health_check_changes(hc_id[: -len("/changes")], args)
    with LOCK:
        items = [control_fidelity.add_truth(ENGINE.describe(rt), hc_id is not None) for rt in ENGINE.runtimes.values()
                 if hc_id is None or rt.hc_id == hc_id]
    if hc_id is not None:
        if not items:
            return 404, {"error": f"no health check {hc_id}"}
        return 200, items[0]
    return 200, {"healthChecks": items}


def _dns_history(_body, args):
    with LOCK:
        items = list(CTX["tracker"].history)
    if args.get("name"):
        name = args["name"].lower().rstrip(".") + "."
        items = [i for i in items if i["name"] == name]
    if args.get("type"):
        items = [i for i in items if i["type"] == args["type"].upper()]
    if args.get("since"):
        items = [i for i in items if i["atEpoch"] >= float(args["since"])]
    return 200, {"history": items}


def _dns_queries(_body, args):
    with LOCK:
        return 200, {"queries": list(CTX["tracker"].queries)}


def _settings_route(body, args):
    if body:
        unknown = set(body) - set(SETTABLE)
        if unknown:
            raise BadRequest(f"unknown settings {sorted(unknown)}; settable: {sorted(SETTABLE)}")
        with LOCK:
            for key, value in body.items():
                setattr(SETTINGS, SETTABLE[key], float(value))
    return 200, _settings()


def _force(body, args):
    if body is None:
        with LOCK:
            return 200, {"forced": list(ENGINE.forced)}
    if not (body.get("healthCheckId") or body.get("endpoint")):
        raise BadRequest("give healthCheckId or endpoint (host or host:port as configured in the check)")
    return 200, ENGINE.force(body)


def _force_clear(_body, args):
    with LOCK:
        ENGINE.forced.clear()
    return 200, {"forced": []}


def _endpoints(body, args):
    with LOCK:
        if body is not None:
            host, target = body.get("host"), body.get("target")
            if not host or not target or ":" not in str(target):
                raise BadRequest('give {"host": "name", "port": 443 (optional), "target": "127.0.0.1:PORT"}')
            key = f"{host}:{body['port']}" if body.get("port") else host
            ENGINE.endpoints[key] = str(target)
        return 200, {"endpoints": dict(ENGINE.endpoints)}


def _endpoints_clear(_body, args):
    with LOCK:
        ENGINE.endpoints.clear()
    return 200, {"endpoints": {}}


def _replication(body, args):
    if body is not None:
        return 200, REPLICATOR.configure(body)
    return 200, REPLICATOR.describe()


def _faults(body, args):
    if body is not None:
        try:
            return 200, FAULTS.add(body).to_json()
        except (ValueError, TypeError) as e:
            raise BadRequest(str(e)) from e
    return 200, {"faults": FAULTS.list()}


def _faults_clear(_body, args):
    FAULTS.clear()
    return 200, {"faults": []}


def _fault_delete(_body, args, fault_id):
    return (200, {"deleted": fault_id}) if FAULTS.delete(fault_id) else (404, {"error": f"no fault {fault_id}"})


def _fired(_body, args):
    with LOCK:
        return 200, {"fired": list(FIRER.fired)}


def _reset(_body, args):
    CTX["reset_all"]()
    return 200, {"status": "ok"}


ROUTES = {
    ("GET", "/"): lambda b, a: (
        200, {"settings": _settings(), "routes": sorted(f"{m} /_localaws{p}" for m, p in ROUTES)}
    ),
    ("GET", "/health"): lambda b, a: (200, {"ok": True}),
    ("GET", "/settings"): _settings_route,
    ("POST", "/settings"): _settings_route,
    ("POST", "/reset"): _reset,
    ("GET", "/healthchecks"): _health_checks,
    ("GET", "/checkers/force"): _force,
    ("POST", "/checkers/force"): _force,
    ("DELETE", "/checkers/force"): _force_clear,
    ("GET", "/endpoints"): _endpoints,
    ("POST", "/endpoints"): _endpoints,
    ("DELETE", "/endpoints"): _endpoints_clear,
    ("GET", "/dns/history"): _dns_history,
    ("GET", "/dns/queries"): _dns_queries,
    ("GET", "/replication"): _replication,
    ("POST", "/replication"): _replication,
    ("GET", "/faults"): _faults,
    ("POST", "/faults"): _faults,
    ("DELETE", "/faults"): _faults_clear,
    ("GET", "/scheduler/fired"): _fired,
}
ROUTES.update(IAM_ROUTES)
ROUTES.update(control_fidelity.ROUTES)
PREFIX_ROUTES = {("GET", "/healthchecks/"): _health_checks, ("DELETE", "/faults/"): _fault_delete}
PREFIX_ROUTES.update(control_fidelity.PREFIX_ROUTES)
SETTABLE.update(control_fidelity.SETTABLE)


def handle(environ, start_response):
    request = Request(environ)
    path = request.path[len("/_localaws"):].rstrip("/") or "/"
    try:
        body = None
        if request.method in ("POST", "PUT"):
            raw = request.get_data()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
        args = request.args.to_dict()
        handler = ROUTES.get((request.method, path))
        if handler is not None:
            status, payload = handler(body, args)
        else:
            for (method, prefix), prefixed in PREFIX_ROUTES.items():
                if request.method == method and path.startswith(prefix):
                    status, payload = prefixed(body, args, path[len(prefix):])
                    break
            else:
                status, payload = 404, {"error": f"no route {request.method} /_localaws{path}",
                                        "routes": sorted(f"{m} /_localaws{p}" for m, p in ROUTES)}
    except (BadRequest, ValueError) as e:
        status, payload = 400, {"error": str(e)}
    response = Response(json.dumps(payload, indent=1, default=str), status=status, mimetype="application/json")
    return response(environ, start_response)
