"""Control routes of the drill, region, replica-state and alarm fidelity (merged into control.ROUTES);
see README.md, "Control API". Handlers raise ValueError for bad input (control.handle answers 400)."""

from . import dynamo_global, hc_history, replica_states
from .alarms import ALARMS
from .dns_faults import DNS_FAULTS
from .regions import REGIONS
from .state import LOCK

SETTABLE = {"replicaConversionSeconds": "replica_conversion_seconds"}


def _dns_faults(body, args):
    if body is not None:
        return 200, DNS_FAULTS.add(body)
    return 200, {"faults": DNS_FAULTS.list()}


def _dns_faults_clear(_body, args):
    DNS_FAULTS.clear()
    return 200, {"faults": []}


def _dns_fault_delete(_body, args, rule_id):
    return (200, {"deleted": rule_id}) if DNS_FAULTS.delete(rule_id) else (404, {"error": f"no DNS fault {rule_id}"})


def health_check_changes(hc_id: str, args) -> tuple[int, dict]:
    with LOCK:
        found = hc_history.changes(args.get("account"), hc_id)
    if found is None:
        return 404, {"error": f"no history for health check {hc_id}"}
    if args.get("since"):
        since = float(args["since"])
        found["changes"] = [c for c in found["changes"] if c["atEpoch"] >= since]
        found["effective"] = [e for e in found["effective"] if e["atEpoch"] >= since]
    return 200, found


def add_truth(item: dict, with_checkers: bool) -> dict:
    """Adds rawHealthy/rawTransitions (and each checker's rawHistory) to a GET /healthchecks item."""
    truth = hc_history.truth(item["account"], item["healthCheckId"], with_checkers)
    history = truth.pop("rawHistory", None)
    item.update(truth)
    if history is not None:
        for checker in item.get("checkers", []):
            checker["rawHistory"] = history.get(checker["region"], [])
    return item


def _regions(body, args):
    if body is not None:
        return 200, REGIONS.set(body)
    return 200, REGIONS.describe()


def _regions_clear(_body, args):
    return 200, REGIONS.restore_all()


def _replica_state(body, args):
    if body is not None:
        return replica_states.set_state(body)
    return 200, replica_states.describe()


def _consistency(body, args):
    if body is not None:
        return replica_states.set_consistency(body)
    with LOCK:
        tables = [{"account": g.account, "table": g.name, "regions": sorted(g.regions),
                   "mode": replica_states.consistency(g), "witnessRegion": getattr(g, "witness", None)}
                  for g in dynamo_global.GROUPS.values()]
    return 200, {"tables": tables}


def _alarms(_body, args):
    with LOCK:
        items = []
        for account, region, backend in ALARMS.backends():
            for alarm in backend.alarms.values():
                items.append({"account": account, "region": region, "name": alarm.name,
                              "stateValue": alarm.state_value,
                              "dataStreamState": ALARMS.stream_state(account, region, alarm.name)})
    return 200, {"alarms": items}


ROUTES = {
    ("GET", "/dns/faults"): _dns_faults,
    ("POST", "/dns/faults"): _dns_faults,
    ("DELETE", "/dns/faults"): _dns_faults_clear,
    ("GET", "/regions"): _regions,
    ("POST", "/regions"): _regions,
    ("DELETE", "/regions"): _regions_clear,
    ("GET", "/dynamodb/replica-state"): _replica_state,
    ("POST", "/dynamodb/replica-state"): _replica_state,
    ("GET", "/dynamodb/consistency"): _consistency,
    ("POST", "/dynamodb/consistency"): _consistency,
    ("GET", "/alarms"): _alarms,
}
PREFIX_ROUTES = {("DELETE", "/dns/faults/"): _dns_fault_delete}
