"""DynamoDB global tables, version 2019.11.21: replicas created and deleted through UpdateTable
ReplicaUpdates (or CreateTable with GlobalTableSourceArn) become real tables in the replica
region, and DescribeTable in every region lists the others as Replicas."""

import copy
import datetime
import json
from dataclasses import dataclass, field

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from . import replica_states
from .state import LOCK, SETTINGS, log, now

VERSION = "2019.11.21"


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Replica:
    state: str  # CREATING | ACTIVE | DELETING
    settle_at: float
    kms_key: str | None = None

    def status(self) -> str:
        if self.state == "CREATING" and now() >= self.settle_at:
            self.state = "ACTIVE"
        return self.state


@dataclass
class Group:
    account: str
    name: str
    regions: dict = field(default_factory=dict)  # region -> Replica


GROUPS: dict[tuple, Group] = {}


def reset():
    with LOCK:
        GROUPS.clear()


def group_of(account: str, region: str, name: str) -> Group | None:
    grp = GROUPS.get((account, name))
    if grp is None or region not in grp.regions:
        return None
    return grp


def peers(account: str, region: str, name: str) -> list[str]:
    """Regions that receive this region's writes (replicas being deleted no longer do)."""
    grp = group_of(account, region, name)
    if grp is None:
        return []
    return [r for r, rep in grp.regions.items() if r != region and rep.state != "DELETING"]


def _backend(account: str, region: str):
    from moto.dynamodb.models import dynamodb_backends as backends

    if region not in backends[account].regions:
        raise ApiError("ValidationException", f"Region {region} is not a valid DynamoDB region.")
    return backends[account][region]


def create_replica(account: str, source_region: str, name: str, target_region: str, kms_key: str | None = None):
    src = _backend(account, source_region).tables.get(name)
    if src is None:
        raise ApiError("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    if target_region == source_region:
        raise ApiError("ValidationException", f"Cannot add replica in the table's own region {source_region}.")
    grp = GROUPS.get((account, name))
    if grp is None or source_region not in grp.regions:
        grp = Group(account, name, {source_region: Replica("ACTIVE", now())})
        GROUPS[(account, name)] = grp
    target_backend = _backend(account, target_region)
    if target_region in grp.regions or name in target_backend.tables:
        raise ApiError("ValidationException",
                       f"Failed to create a the new replica of table with name: '{name}' because one or more "
                       "replicas already existed as tables.")
    sse = copy.deepcopy(src.sse_specification)
    if sse and sse.get("Enabled"):
        sse.pop("KMSMasterKeyId", None)  # the replica uses its own region's key unless one is given
        if kms_key:
            sse["KMSMasterKeyId"] = kms_key
    streams = copy.deepcopy(src.stream_specification) if (src.stream_specification or {}).get("StreamEnabled") else None
    gsi_keys = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    gsis = [{k: v for k, v in gsi.describe().items() if k in gsi_keys} for gsi in src.global_indexes]
    lsis = [{k: v for k, v in lsi.describe().items() if k in ("IndexName", "KeySchema", "Projection")}
            for lsi in src.indexes]
    throughput = None
    if src.billing_mode == "PROVISIONED":
        throughput = {k: v for k, v in src.throughput.items() if k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    target = target_backend.create_table(
        name, schema=copy.deepcopy(src.schema), throughput=throughput, attr=copy.deepcopy(src.attr),
        global_indexes=gsis, indexes=lsis, streams=streams, billing_mode=src.billing_mode,
        sse_specification=sse, tags=[], deletion_protection_enabled=False, warm_throughput=None)
    target.items = copy.deepcopy(src.items)
    target.ttl = copy.deepcopy(src.ttl)
    settle = now() + SETTINGS.replica_transition_seconds
    grp.regions[target_region] = Replica("CREATING", settle, kms_key)
    log(f"dynamodb replica {name} created in {target_region} (from {source_region})")
    return target


def delete_replica(account: str, source_region: str, name: str, target_region: str):
    grp = group_of(account, source_region, name)
    if grp is None or target_region not in grp.regions:
        raise ApiError("ValidationException",
                       f"Cannot delete replica in region {target_region}: table {name} has no replica there.")
    if target_region == source_region:
        raise ApiError("ValidationException", "Cannot delete the replica in the region the request is sent to.")
    grp.regions[target_region] = Replica("DELETING", now() + SETTINGS.replica_transition_seconds)
    tick()


def tick():
    """Finish replica deletions whose transition time has passed."""
    for grp in list(GROUPS.values()):
        _tick_group(grp)


def _tick_group(grp: Group):
    for region, rep in list(grp.regions.items()):
        if rep.state == "DELETING" and now() >= rep.settle_at:
            backend = dynamodb_backends[grp.account][region]
            backend.tables.pop(grp.name, None)
            del grp.regions[region]
            log(f"dynamodb replica {grp.name} deleted in {region}")
    if not grp.regions:
        GROUPS.pop((grp.account, grp.name), None)


def on_table_deleted(account: str, region: str, name: str):
    grp = group_of(account, region, name)
    if grp is not None:
        del grp.regions[region]
        if not grp.regions:
            GROUPS.pop((account, name), None)


def _describe(original):
    def describe(self, base_key: str = "TableDescription"):
        result = original(self, base_key=base_key)
        grp = group_of(self.account_id, self.region_name, self.name)
        if grp is None:
            return result
        _tick_group(grp)  # only this table's group: ticking all of them made every describe O(tables)
        desc = result[base_key]
        others = sorted(r for r in grp.regions if r != self.region_name)
        if others:
            desc["GlobalTableVersion"] = VERSION
            desc["Replicas"] = [_replica_description(grp, r) for r in others]
        mine = grp.regions.get(self.region_name)
        if mine is not None and mine.status() in ("CREATING", "DELETING"):
            desc["TableStatus"] = mine.status()
        elif any(grp.regions[r].status() != "ACTIVE" for r in others):
            desc["TableStatus"] = "UPDATING"
        replica_states.decorate_table(grp, self.region_name, desc, bool(others))
        return result
    return describe


def _replica_description(grp: Group, region: str) -> dict:
    rep = grp.regions[region]
    out = {"RegionName": region, "ReplicaStatus": rep.status(),
           "ReplicaArn": f"arn:aws:dynamodb:{region}:{grp.account}:table/{grp.name}",
           "ReplicaTableClassSummary": {"TableClass": "STANDARD"}}
    if rep.kms_key:
        out["KMSMasterKeyId"] = rep.kms_key
    replica_states.decorate_replica(grp, region, out)
    return out


def install():
    Table.describe = _describe(Table.describe)


# ---- request handlers (called by the middleware under LOCK) --------------------------------
def _json_default(o):
    if isinstance(o, datetime.datetime):
        return o.timestamp()
    raise TypeError(type(o).__name__)


def json_response(payload: dict):
    data = json.dumps(payload, default=_json_default).encode()
    return "200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(data)))], data


def update_table(req, body: dict) -> dict:
    """Applies ReplicaUpdates; returns the body to forward to moto for everything else."""
    name = body.get("TableName", "").split("/")[-1]
    mode, witness = replica_states.validate_update(body)
    for update in body.get("ReplicaUpdates") or []:
        if "Create" in update:
            create_replica(req.account, req.region, name, update["Create"]["RegionName"],
                           update["Create"].get("KMSMasterKeyId"))
        elif "Delete" in update:
            delete_replica(req.account, req.region, name, update["Delete"]["RegionName"])
        # "Update" only changes per-replica throughput/index settings: accepted, nothing to model.
    replica_states.apply_update(req.account, req.region, name, mode, witness)
    rest = {k: v for k, v in body.items()
            if k not in ("ReplicaUpdates", "MultiRegionConsistency", "GlobalTableWitnessUpdates")}
    rest["TableName"] = name
    return rest


def create_table_from_source(req, body: dict):
    arn = body["GlobalTableSourceArn"]
    try:
        _, _, _, src_region, src_account, resource = arn.split(":", 5)
        src_name = resource.split("/", 1)[1]
    except (ValueError, IndexError):
        raise ApiError("ValidationException", f"Invalid GlobalTableSourceArn: {arn}") from None
    if src_account != req.account:
        raise ApiError("ValidationException", "Multi-account global tables are not modelled here.")
    if src_name != body.get("TableName"):
        raise ApiError("ValidationException", "A replica must have the same name as its source table.")
    table = create_replica(req.account, src_region, src_name, req.region)
    return json_response(table.describe(base_key="TableDescription"))


def legacy(req):
    op = req.operation
    if op == "ListGlobalTables":
        return json_response({"GlobalTables": []})
    if op in ("DescribeGlobalTable", "DescribeGlobalTableSettings", "UpdateGlobalTable", "UpdateGlobalTableSettings"):
        name = req.json().get("GlobalTableName", "")
        raise ApiError("GlobalTableNotFoundException",
                       f"Global table not found: {name} is not a global table of version 2017.11.29.")
    raise ApiError("ValidationException",
                   "Global tables version 2017.11.29 (legacy) are not supported here; use UpdateTable "
                   "with ReplicaUpdates (version 2019.11.21).")
