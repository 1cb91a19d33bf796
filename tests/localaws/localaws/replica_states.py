"""Replica states that end a global table, and the table's multi-region consistency mode.

A replica put into a non-ACTIVE state (control API) is reported with that ReplicaStatus by DescribeTable
in every member region, and replication to and from it is held. REPLICATION_NOT_AUTHORIZED,
INACCESSIBLE_ENCRYPTION_CREDENTIALS and REGION_DISABLED replicas of an eventually consistent (MREC) table
leave the global table after replicaConversionSeconds (AWS: 20 hours; default 72000 x --time-scale): the
replica disappears from the others' Replicas and its own table becomes a standalone single-region table
with its items; held writes to and from it are dropped. Every change is kept in a history.

MultiRegionConsistency (EVENTUAL | STRONG) and a witness region come from UpdateTable, where botocore's
model has them (CreateTable has not), or from the control API. Callers hold state.LOCK.
"""

from . import dynamo_global
from .state import LOCK, SETTINGS, iso, log, now

STATES = ("ACTIVE", "REPLICATION_NOT_AUTHORIZED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "CREATION_FAILED",
          "ARCHIVING", "ARCHIVED", "REGION_DISABLED")
CONVERTING = ("REPLICATION_NOT_AUTHORIZED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REGION_DISABLED")
INACCESSIBLE = CONVERTING  # states whose first detection AWS reports as ReplicaInaccessibleDateTime
OWN_TABLE_STATUS = ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ARCHIVING", "ARCHIVED", "REPLICATION_NOT_AUTHORIZED")
DESCRIPTIONS = {
    "REPLICATION_NOT_AUTHORIZED": "Replication is not authorized: permissions of the DynamoDB replication "
                                  "service-linked role are denied for this replica.",
    "INACCESSIBLE_ENCRYPTION_CREDENTIALS": "The AWS KMS key used to encrypt this replica is inaccessible.",
    "CREATION_FAILED": "The replica could not be created.",
    "ARCHIVING": "The replica is being archived.",
    "ARCHIVED": "The replica has been archived.",
    "REGION_DISABLED": "The replica is inaccessible because its AWS Region has been disabled.",
}
DEFAULT_CONVERSION_SECONDS = 72000.0  # 20 hours, multiplied by --time-scale
STATE_FIELDS = {"table", "region", "status", "account"}
CONSISTENCY_FIELDS = {"table", "mode", "witnessRegion", "account"}

OVERRIDES: dict[tuple, dict] = {}  # (account, table, region) -> {"status", "since", "converts"}
HISTORY: list[dict] = []


def install():
    SETTINGS.replica_conversion_seconds = DEFAULT_CONVERSION_SECONDS * SETTINGS.time_scale


def reset():
    OVERRIDES.clear()
    HISTORY.clear()


def _event(**fields):
    at = now()
    HISTORY.append({"at": iso(at), "atEpoch": at, **fields})


def _account(spec: dict) -> str:
    from .state import DEFAULT_ACCOUNT

    return spec.get("account") or DEFAULT_ACCOUNT


# ---- control ------------------------------------------------------------------------------------
def set_state(spec: dict) -> tuple[int, dict]:
    unknown = set(spec) - STATE_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(STATE_FIELDS)}")
    table, region, status = spec.get("table"), spec.get("region"), spec.get("status")
    if status not in STATES:
        raise ValueError(f"status must be one of {STATES}")
    account = _account(spec)
    with LOCK:
        grp = dynamo_global.GROUPS.get((account, table))
        if grp is None or region not in grp.regions:
            return 404, {"error": f"table {table} has no replica in {region} (account {account})"}
        key = (account, table, region)
        previous = OVERRIDES.get(key, {}).get("status", "ACTIVE")
        if status == "ACTIVE":
            OVERRIDES.pop(key, None)
        elif previous != status:
            # The clock runs from the first detection; it is read against the current setting, so a
            # test can shorten a running clock.
            OVERRIDES[key] = {"status": status, "since": now(),
                              "converts": status in CONVERTING and consistency(grp) == "EVENTUAL"}
        if previous != status:
            _event(event="status", account=account, table=table, region=region, previous=previous, status=status)
            log(f"dynamodb replica {table} in {region} is now {status}")
        _wake()
        return 200, describe_one(account, table, region)


def _convert_at(o: dict) -> float | None:
    return o["since"] + float(SETTINGS.replica_conversion_seconds) if o.get("converts") else None


def describe_one(account: str, table: str, region: str) -> dict:
    o = OVERRIDES.get((account, table, region))
    convert_at = _convert_at(o) if o else None
    return {"account": account, "table": table, "region": region, "status": o["status"] if o else "ACTIVE",
            "since": iso(o["since"]) if o else None, "sinceEpoch": o["since"] if o else None,
            "conversionAt": iso(convert_at), "conversionAtEpoch": convert_at}


def describe() -> dict:
    with LOCK:
        return {"replicas": [describe_one(*k) for k in sorted(OVERRIDES)], "history": list(HISTORY),
                "replicaConversionSeconds": SETTINGS.replica_conversion_seconds}


def set_consistency(spec: dict) -> tuple[int, dict]:
    unknown = set(spec) - CONSISTENCY_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(CONSISTENCY_FIELDS)}")
    mode, witness = spec.get("mode"), spec.get("witnessRegion")
    if mode not in ("EVENTUAL", "STRONG"):
        raise ValueError('mode must be "EVENTUAL" or "STRONG"')
    if witness is not None and (mode != "STRONG" or not isinstance(witness, str)):
        raise ValueError("witnessRegion is a region name, and only for STRONG tables")
    account = _account(spec)
    with LOCK:
        grp = dynamo_global.GROUPS.get((account, spec.get("table")))
        if grp is None:
            return 404, {"error": f"{spec.get('table')} is not a global table (account {account})"}
        grp.consistency, grp.witness = mode, witness
        _event(event="consistency", account=account, table=grp.name, mode=mode, witnessRegion=witness)
        return 200, {"account": account, "table": grp.name, "mode": mode, "witnessRegion": witness}


def consistency(grp) -> str:
    return getattr(grp, "consistency", "EVENTUAL")


# ---- UpdateTable MultiRegionConsistency / GlobalTableWitnessUpdates --------------------------------
def validate_update(body: dict):
    """Before any replica is created: AWS takes these only while creating a global table."""
    creates = [u["Create"]["RegionName"] for u in body.get("ReplicaUpdates") or [] if "Create" in u]
    mode = body.get("MultiRegionConsistency")
    witnesses = [w["Create"]["RegionName"] for w in body.get("GlobalTableWitnessUpdates") or [] if "Create" in w]
    if mode is not None and mode not in ("EVENTUAL", "STRONG"):
        raise dynamo_global.ApiError("ValidationException", f"Invalid MultiRegionConsistency: {mode}")
    if mode is not None and not creates:
        raise dynamo_global.ApiError("ValidationException", "MultiRegionConsistency can only be specified "
                                     "when creating a global table (with Create actions in ReplicaUpdates).")
    if witnesses and mode != "STRONG":
        raise dynamo_global.ApiError("ValidationException", "A witness Region is only valid for a global table "
                                     "with MultiRegionConsistency STRONG.")
    if len(witnesses) > 1:
        raise dynamo_global.ApiError("ValidationException", "You can create only one witness per UpdateTable.")
    if mode == "STRONG" and len(creates) + 1 + len(witnesses) != 3:
        raise dynamo_global.ApiError("ValidationException", "A MRSC global table needs three replicas, or two "
                                     "replicas and one witness.")
    return mode, (witnesses[0] if witnesses else None)


def apply_update(account: str, region: str, name: str, mode, witness):
    grp = dynamo_global.group_of(account, region, name)
    if grp is not None and mode is not None:
        grp.consistency, grp.witness = mode, witness


# ---- DescribeTable ------------------------------------------------------------------------------
def decorate_replica(grp, region: str, out: dict):
    o = OVERRIDES.get((grp.account, grp.name, region))
    if o is None:
        return
    out["ReplicaStatus"] = o["status"]
    out["ReplicaStatusDescription"] = DESCRIPTIONS[o["status"]]
    if o["status"] in INACCESSIBLE:
        out["ReplicaInaccessibleDateTime"] = o["since"]


def decorate_table(grp, region: str, desc: dict, is_global: bool):
    if is_global:
        desc["MultiRegionConsistency"] = consistency(grp)
        witness = getattr(grp, "witness", None)
        if witness:
            desc["GlobalTableWitnesses"] = [{"RegionName": witness, "WitnessStatus": "ACTIVE"}]
    o = OVERRIDES.get((grp.account, grp.name, region))
    if o is not None and o["status"] in OWN_TABLE_STATUS:
        desc["TableStatus"] = o["status"]
        if o["status"] == "INACCESSIBLE_ENCRYPTION_CREDENTIALS" and "SSEDescription" in desc:
            desc["SSEDescription"]["InaccessibleEncryptionDateTime"] = o["since"]


# ---- replication and the conversion clock ----------------------------------------------------------
def hold(ch) -> str | None:
    for region in (ch.source, ch.target):
        o = OVERRIDES.get((ch.account, ch.table, region))
        if o is not None:
            return f"replica {region} {o['status']}"
    return None


def tick():
    t = now()
    for key, o in list(OVERRIDES.items()):
        account, table, region = key
        grp = dynamo_global.GROUPS.get((account, table))
        if grp is None or region not in grp.regions:
            OVERRIDES.pop(key, None)  # the replica was deleted some other way
        elif o.get("converts") and t >= _convert_at(o):
            _convert(grp, region, o)


def _convert(grp, region: str, o: dict):
    from .replication import REPLICATOR

    del grp.regions[region]
    OVERRIDES.pop((grp.account, grp.name, region), None)
    dropped = 0
    queue = REPLICATOR.queues.get((grp.account, grp.name))
    if queue:
        kept = [c for c in queue if region not in (c.source, c.target)]
        dropped = len(queue) - len(kept)
        queue.clear()
        queue.extend(kept)
    if len(grp.regions) == 0:
        dynamo_global.GROUPS.pop((grp.account, grp.name), None)
    _event(event="converted", account=grp.account, table=grp.name, region=region, previous=o["status"],
           status="STANDALONE", droppedWrites=dropped, remainingRegions=sorted(grp.regions))
    log(f"dynamodb replica {grp.name} in {region} left the global table after {o['status']} "
        f"(now a single-region table; {dropped} pending writes dropped)")


def _wake():
    from .replication import REPLICATOR

    REPLICATOR.cond.notify_all()
