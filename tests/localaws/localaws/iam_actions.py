"""Which IAM action, on which resource ARN, with which service condition keys, each AWS request needs.

One request can need several authorisations (a CreateSchedule that passes a role also needs
iam:PassRole; a BatchWriteItem needs one per table). An operation not mapped here raises Unmapped,
and the caller denies it to every non-root principal (fail closed): a permission that local AWS cannot
check must not look granted. Resource types follow AWS's Service Authorization Reference; the actions
it lists with no resource type are authorised against "*".
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from . import awsreq

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


@dataclass
class Authz:
    action: str
    resource: str
    keys: dict = field(default_factory=dict)


class Unmapped(Exception):
    pass


def authorizations(req, account: str) -> list[Authz]:
    handler = MAPPERS.get(req.service or "")
    if handler is None or not req.operation:
        raise Unmapped(f"{req.service or 'unknown service'}:{req.operation or 'unknown operation'}")
    return handler(req, account)


# ---- Route 53 (REST-XML, global: ARNs carry neither region nor account) ----------------------------
R53 = "arn:aws:route53:::"
R53_STAR = {"ListHealthChecks", "CreateHealthCheck", "GetHealthCheckCount", "TestDNSAnswer", "ListHostedZones",
            "ListHostedZonesByName", "CreateHostedZone", "GetHostedZoneCount", "GetCheckerIpRanges",
            "GetAccountLimit", "ListReusableDelegationSets", "GetGeoLocation", "ListGeoLocations"}
R53_PATH = re.compile(r"^/2013-04-01/(healthcheck|hostedzone|change|tags/healthcheck|tags/hostedzone)/([^/?]+)")


def _route53(req, account):
    op = req.operation
    if op in R53_STAR:
        return [Authz(f"route53:{op}", "*")]
    if op == "ListTagsForResources":
        m = re.match(r"^/2013-04-01/tags/(healthcheck|hostedzone)/?$", req.path)
        ids = re.findall(r"<ResourceId>([^<]+)</ResourceId>", req.body.decode("utf-8", "replace"))
        if not m or not ids:
            raise Unmapped(f"route53:{op}")
        return [Authz(f"route53:{op}", f"{R53}{m.group(1)}/{i}") for i in ids]
    m = R53_PATH.match(req.path)
    if not m:
        raise Unmapped(f"route53:{op}")
    kind = m.group(1).split("/")[-1]
    return [Authz(f"route53:{op}", f"{R53}{kind}/{unquote(m.group(2))}")]


def health_check_arn(hc_id: str) -> str:
    return f"{R53}healthcheck/{hc_id}"


# ---- DynamoDB (JSON) -----------------------------------------------------------------------------
DDB_STAR = {"ListTables", "DescribeLimits", "DescribeEndpoints", "ListGlobalTables", "ListBackups",
            "ListStreams", "ListExports", "ListImports"}
TRANSACT = {"Put": ("PutItem", "Item"), "Update": ("UpdateItem", "Key"), "Delete": ("DeleteItem", "Key"),
            "ConditionCheck": ("ConditionCheckItem", "Key"), "Get": ("GetItem", "Key")}


def table_arn(account: str, region: str, table: str) -> str:
    return table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"


def _dynamodb(req, account):
    op, body, region = req.operation, req.json(), req.region
    if op in DDB_STAR:
        return [Authz(f"dynamodb:{op}", "*")]
    if op in ("BatchGetItem", "BatchWriteItem"):
        out = []
        for table, spec in (body.get("RequestItems") or {}).items():
            items = spec.get("Keys", []) if op == "BatchGetItem" else [
                (w.get("PutRequest") or {}).get("Item") or (w.get("DeleteRequest") or {}).get("Key") or {}
                for w in spec]
            out.append(_item_authz(f"dynamodb:{op}", account, region, table, items))
        return out or _unmapped(f"dynamodb:{op}")
    if op in ("TransactWriteItems", "TransactGetItems"):
        out = []
        for entry in body.get("TransactItems") or []:
            for kind, inner in entry.items():
                action, member = TRANSACT.get(kind, (None, None))
                if action is None or not inner.get("TableName"):
                    raise Unmapped(f"dynamodb:{op} with {kind}")
                out.append(_item_authz(f"dynamodb:{action}", account, region, inner["TableName"],
                                       [inner.get(member) or {}]))
        return out or _unmapped(f"dynamodb:{op}")
    if body.get("TableName"):
        table = body["TableName"]
        resource = table_arn(account, region, table)
        if body.get("IndexName") and op in ("Query", "Scan"):
            resource += f"/index/{body['IndexName']}"
        if op in ("PutItem",):
            return [_item_authz(f"dynamodb:{op}", account, region, table, [body.get("Item") or {}], resource)]
        if op in ("GetItem", "DeleteItem", "UpdateItem"):
            return [_item_authz(f"dynamodb:{op}", account, region, table, [body.get("Key") or {}], resource)]
        if op == "Query":
            keys = _query_leading_keys(account, region, table, body)
            return [Authz(f"dynamodb:{op}", resource, {} if keys is None else {"dynamodb:LeadingKeys": keys})]
        return [Authz(f"dynamodb:{op}", resource)]
    for member in ("ResourceArn", "StreamArn", "TableArn", "BackupArn"):
        if body.get(member):
            return [Authz(f"dynamodb:{op}", body[member])]
    raise Unmapped(f"dynamodb:{op}")


def _unmapped(what):
    raise Unmapped(what)


def _hash_key(account: str, region: str, table: str) -> str | None:
    from moto.dynamodb.models import dynamodb_backends

    name = table.split("/")[-1] if table.startswith("arn:") else table
    found = dynamodb_backends[account][region].tables.get(name)
    return found.hash_key_attr if found is not None else None


def _scalar(value: dict) -> str | None:
    """The string form of a key AttributeValue ({"S": "x"}, {"N": "1"}, {"B": "..."})."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value.values())))
    return None


def _item_authz(action, account, region, table, items, resource=None) -> Authz:
    """dynamodb:LeadingKeys = the partition-key values the request touches. When the table is unknown
    the key is left out (the request fails with ResourceNotFound anyway)."""
    hash_key = _hash_key(account, region, table)
    keys = {}
    if hash_key:
        keys["dynamodb:LeadingKeys"] = sorted({v for v in (_scalar(i.get(hash_key)) for i in items) if v is not None})
    return Authz(action, resource or table_arn(account, region, table), keys)


def _query_leading_keys(account, region, table, body) -> list | None:
    hash_key = _hash_key(account, region, table)
    if not hash_key:
        return None
    conditions = body.get("KeyConditions") or {}
    if hash_key in conditions:
        return [v for v in (_scalar(x) for x in conditions[hash_key].get("AttributeValueList", [])) if v]
    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    for left, right in re.findall(r"(#?[\w.]+)\s*=\s*(:\w+)", body.get("KeyConditionExpression") or ""):
        if names.get(left, left) == hash_key and _scalar(values.get(right)) is not None:
            return [_scalar(values[right])]
    # No equality on the partition key that this reader understands: refuse rather than authorise the
    # query with an empty LeadingKeys set (which ForAllValues conditions would accept).
    raise Unmapped("dynamodb:Query with a key condition local AWS cannot read")


# ---- EventBridge Scheduler (REST-JSON) ----------------------------------------------------------------
SCHEDULER_STAR = {"ListSchedules", "ListScheduleGroups"}


def _scheduler(req, account):
    op, region = req.operation, req.region
    prefix = f"arn:aws:scheduler:{region}:{account}:"
    if op in SCHEDULER_STAR:
        return [Authz(f"scheduler:{op}", "*")]
    m = re.match(r"^/schedules/([^/]+)/?$", req.path)
    if m:
        body = req.json()
        group = body.get("GroupName") or req.query.get("groupName") or "default"
        out = [Authz(f"scheduler:{op}", f"{prefix}schedule/{group}/{unquote(m.group(1))}")]
        role = (body.get("Target") or {}).get("RoleArn")
        if op in ("CreateSchedule", "UpdateSchedule") and role:
            out.append(Authz("iam:PassRole", role, {"iam:PassedToService": SCHEDULER_PRINCIPAL}))
        return out
    m = re.match(r"^/schedule-groups/([^/]+)/?$", req.path)
    if m:
        return [Authz(f"scheduler:{op}", f"{prefix}schedule-group/{unquote(m.group(1))}")]
    m = re.match(r"^/tags/(.+)$", req.path)
    if m:
        return [Authz(f"scheduler:{op}", unquote(m.group(1)))]
    raise Unmapped(f"scheduler:{op}")


def schedule_group_arn(account: str, region: str, group: str) -> str:
    return f"arn:aws:scheduler:{region}:{account}:schedule-group/{group}"


# ---- CloudWatch (signing name "monitoring"; query, JSON or CBOR) ---------------------------------------
CLOUDWATCH_STAR = {"GetMetricData", "GetMetricStatistics", "ListMetrics", "PutMetricData", "DescribeAlarmsForMetric",
                   "GetMetricWidgetImage", "ListDashboards"}
CLOUDWATCH_ALARM_OPS = {"DescribeAlarms", "DeleteAlarms", "DescribeAlarmHistory", "EnableAlarmActions",
                        "DisableAlarmActions", "PutMetricAlarm", "SetAlarmState", "PutCompositeAlarm"}


def _cloudwatch(req, account):
    op = req.operation
    if op in CLOUDWATCH_STAR:
        return [Authz(f"cloudwatch:{op}", "*")]
    if op in CLOUDWATCH_ALARM_OPS:
        params = request_params(req)
        names = _members(params, "AlarmNames") or _members(params, "AlarmName")
        prefix = f"arn:aws:cloudwatch:{req.region}:{account}:alarm:"
        return [Authz(f"cloudwatch:{op}", prefix + n) for n in names] or [Authz(f"cloudwatch:{op}", prefix + "*")]
    raise Unmapped(f"cloudwatch:{op}")


def _members(params: dict, name: str) -> list:
    """A list parameter in any protocol: JSON/CBOR lists, or query's Name.member.N."""
    value = params.get(name)
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [value]
    return [v for k, v in sorted(params.items()) if re.fullmatch(rf"{name}\.member\.\d+", k)]


# ---- STS and IAM (query) -------------------------------------------------------------------------------
def _sts(req, account):
    op = req.operation
    if op in ("GetCallerIdentity", "GetSessionToken", "GetAccessKeyInfo"):
        return [Authz(f"sts:{op}", "*")]
    if op in ("AssumeRole", "AssumeRoleWithWebIdentity"):  # trust is checked in iam_sts; this is the identity side
        return [Authz(f"sts:{op}", request_params(req).get("RoleArn", "*"))]
    raise Unmapped(f"sts:{op}")


def _iam(req, account):
    op, params = req.operation, request_params(req)
    if params.get("RoleName"):
        return [Authz(f"iam:{op}", _role_arn(account, params["RoleName"]))]
    if params.get("UserName"):
        return [Authz(f"iam:{op}", f"arn:aws:iam::{account}:user/{params['UserName']}")]
    for member in ("PolicyArn", "OpenIDConnectProviderArn"):
        if params.get(member):
            return [Authz(f"iam:{op}", params[member])]
    if op.startswith("List") or op in ("GetAccountSummary", "GetAccountAuthorizationDetails"):
        return [Authz(f"iam:{op}", "*")]
    raise Unmapped(f"iam:{op}")


def _role_arn(account: str, name: str) -> str:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account]["aws"].get_role(name).arn  # the real ARN carries the role's path
    except Exception:
        return f"arn:aws:iam::{account}:role/{name}"


def request_params(req) -> dict:
    """Parameters of a query-, JSON- or CBOR-protocol request (first value of each query key)."""
    proto = awsreq.protocol(req)
    if proto in ("json", "rest-json"):
        return req.json()
    if proto == "cbor":
        try:
            from botocore.parsers import RpcV2CBORParser

            parsed = RpcV2CBORParser()._initial_body_parse(req.body)
            return parsed if isinstance(parsed, dict) else {}
        except Exception:
            return {}
    params = dict(req.query)
    if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update({k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()})
    return params


MAPPERS = {"route53": _route53, "dynamodb": _dynamodb, "scheduler": _scheduler, "monitoring": _cloudwatch,
           "sts": _sts, "iam": _iam}



UNIVERSAL = "arn:aws:scheduler:::aws-sdk:"


def universal_target(target_arn: str, payload: dict) -> Authz:
    """What an EventBridge Scheduler universal target (arn:aws:scheduler:::aws-sdk:SERVICE:apiAction) does,
    as an IAM action on a resource, for the role the schedule runs as."""
    service, _, api = (target_arn or "")[len(UNIVERSAL):].partition(":")
    if not target_arn.startswith(UNIVERSAL) or not api:
        raise Unmapped(f"scheduler target {target_arn}")
    action = f"{service}:{api[0].upper()}{api[1:]}"
    if action == "route53:UpdateHealthCheck" and payload.get("HealthCheckId"):
        return Authz(action, health_check_arn(str(payload["HealthCheckId"])))
    raise Unmapped(f"scheduler target {action}")
