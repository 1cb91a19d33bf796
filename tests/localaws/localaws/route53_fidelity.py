"""Route 53 behaviour moto lacks: UpdateHealthCheck that keeps omitted fields, per-checker
GetHealthCheckStatus, paged ListHealthChecks, GetHealthCheckLastFailureReason, TestDNSAnswer, and deleting one record of
a SetIdentifier without taking same-named identifiers of other records with it."""

import threading

from moto.core.responses import ActionResult
from moto.route53 import exceptions as r53_exceptions
from moto.route53 import models as r53_models
from moto.route53 import responses as r53_responses
from moto.route53.exceptions import InvalidInput, Route53ClientError

from . import hc_history, r53_kinds
from .awsreq import xml
from .health import ENGINE
from .resolver import values
from .state import LOCK, iso

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
RESETTABLE = {"FullyQualifiedDomainName": "fqdn", "Regions": "regions", "ResourcePath": "resource_path",
              "ChildHealthChecks": "children"}


class HealthCheckVersionMismatch(Route53ClientError):
    def __init__(self):
        super().__init__("HealthCheckVersionMismatch",
                         "The value of HealthCheckVersion in the request doesn't match the value of "
                         "HealthCheckVersion in the health check.")


def _bool(v):
    return v if isinstance(v, bool) else str(v).lower() == "true"


def _list(v):
    if v is None:
        return None
    if isinstance(v, dict):  # XML lists sometimes arrive as {"Region": [...]} or {"member": [...]}
        v = next(iter(v.values()), [])
    return list(v) if isinstance(v, (list, tuple)) else [v]


def apply_update(backend, hc_id: str, params: dict):
    """UpdateHealthCheck as Route 53 does it: only the fields present change. Shared by the REST
    API and the EventBridge Scheduler universal target (whose Input uses the same member names)."""
    hc = backend.get_health_check(hc_id)
    version = params.get("HealthCheckVersion")
    before = hc_history.snapshot(hc)
    if version is not None and int(version) != int(hc.health_check_version):
        requested = {m: params[m] for m in hc_history.FIELDS if params.get(m) is not None}
        hc_history.record_rejected(backend.account_id, hc_id, before, requested, version, "HealthCheckVersionMismatch")
        raise HealthCheckVersionMismatch()
    regions = _list(params.get("Regions"))
    if regions is not None and len(regions) < 3:
        raise InvalidInput("Invalid parameter: at least 3 health checker regions are required.")
    r53_kinds.apply_alarm_fields(backend.account_id, hc, params)
    simple = {"IPAddress": ("ip_address", str), "Port": ("port", int), "ResourcePath": ("resource_path", str),
              "FullyQualifiedDomainName": ("fqdn", str), "SearchString": ("search_string", str),
              "FailureThreshold": ("failure_threshold", int), "HealthThreshold": ("health_threshold", int),
              "Inverted": ("inverted", _bool), "Disabled": ("disabled", _bool), "EnableSNI": ("enable_sni", _bool)}
    for member, (attr, conv) in simple.items():
        if params.get(member) is not None:
            setattr(hc, attr, conv(params[member]))
    if regions is not None:
        hc.regions = regions
    children = _list(params.get("ChildHealthChecks"))
    if children is not None:
        hc.children = children or None
    for element in _list(params.get("ResetElements")) or []:
        if element in RESETTABLE:
            setattr(hc, RESETTABLE[element], None)
    hc.health_check_version = int(hc.health_check_version) + 1
    hc_history.record_update(backend.account_id, hc_id, before, hc_history.snapshot(hc), version)
    ENGINE.sync()
    return hc


UPDATE_MEMBERS = ("HealthCheckVersion", "IPAddress", "Port", "ResourcePath", "FullyQualifiedDomainName",
                  "SearchString", "FailureThreshold", "HealthThreshold", "Inverted", "Disabled", "EnableSNI",
                  "Regions", "ChildHealthChecks", "ResetElements", "AlarmIdentifier", "InsufficientDataHealthStatus")


def _update_health_check(self):
    hc_id = self._get_param("HealthCheckId")
    params = {m: self._get_param(m) for m in UPDATE_MEMBERS}
    with hc_history.caller(**hc_history.api_caller(self.headers, "UpdateHealthCheck")):
        hc = apply_update(self.backend, hc_id, params)
    return ActionResult({"HealthCheck": hc})


def _get_health_check_status(self):
    hc_id = self._get_param("HealthCheckId")
    self.backend.get_health_check(hc_id)
    return ActionResult({"HealthCheckObservations": ENGINE.observations(self.current_account, hc_id)})


# Route 53 pages ListHealthChecks (MaxItems default 100, at most 1000; Marker is the ID of the
# first check of the page); moto returns every check at once without the paging fields.
LIST_HEALTH_CHECKS_DEFAULT, LIST_HEALTH_CHECKS_MAX = 100, 1000


def _list_health_checks(self):
    checks = self.backend.list_health_checks()
    max_items = min(max(self._get_int_param("MaxItems", LIST_HEALTH_CHECKS_DEFAULT), 1), LIST_HEALTH_CHECKS_MAX)
    marker = self._get_param("Marker")
    start = 0
    if marker:
        ids = [hc.id for hc in checks]
        if marker not in ids:
            raise InvalidInput(f"Invalid marker: {marker}")
        start = ids.index(marker)
    page = checks[start:start + max_items]
    result = {"HealthChecks": page, "Marker": marker or "", "MaxItems": str(max_items),
              "IsTruncated": start + max_items < len(checks)}
    if result["IsTruncated"]:
        result["NextMarker"] = checks[start + max_items].id
    return ActionResult(result)


def _create_health_check(original):
    def wrapper(self):
        regions = _list((self._get_param("HealthCheckConfig") or {}).get("Regions"))
        if regions is not None and len(regions) < 3:
            raise InvalidInput("Invalid parameter: at least 3 health checker regions are required.")
        result = original(self)
        ENGINE.sync()  # start probing now, not at the next sync tick
        return result
    return wrapper


# moto's DELETE of a record with a SetIdentifier removes every record using that identifier in the
# zone (e.g. "primary" of two different names). Remember which name/type is being deleted.
_deleting = threading.local()


def _creates_by_set_identifier(backend, zoneid, change_list):
    """moto judges a CREATE conflict by name and type alone, so re-creating one record of a
    failover pair fails while its partner exists. Route 53 keys such records by SetIdentifier too:
    check that here and let moto apply the change as an UPSERT."""
    zone = backend.get_hosted_zone(zoneid)
    out = []
    for c in change_list:
        rrs = c.get("ResourceRecordSet", {})
        if c.get("Action") == "CREATE" and "SetIdentifier" in rrs:
            name = rrs["Name"].lower().rstrip(".")
            if any(r.name.lower().rstrip(".") == name and r.type == rrs.get("Type")
                   and r.set_identifier == rrs["SetIdentifier"] for r in zone.rrsets):
                raise r53_exceptions.ResourceRecordAlreadyExists(
                    name=rrs["Name"].rstrip(".") + ".", _type=rrs.get("Type"))
            c = dict(c, Action="UPSERT")
        out.append(c)
    return out


def _change_rrsets(original):
    def wrapper(self, zoneid, change_list):
        change_list = _creates_by_set_identifier(self, zoneid, change_list)
        _deleting.queue = [
            (c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"].get("Type"))
            for c in change_list
            if c.get("Action") == "DELETE" and "SetIdentifier" in c.get("ResourceRecordSet", {})
        ]
        try:
            return original(self, zoneid, change_list)
        finally:
            _deleting.queue = []
    return wrapper


def _delete_rrset_by_id(self, set_identifier):
    queue = getattr(_deleting, "queue", None)
    if not queue:
        self.rrsets = [r for r in self.rrsets if r.set_identifier != set_identifier]
        return
    name, rtype = queue.pop(0)
    name = name.lower().rstrip(".")
    self.rrsets = [r for r in self.rrsets
                   if not (r.set_identifier == set_identifier and r.name.lower().rstrip(".") == name
                           and (rtype is None or r.type == rtype))]


def install():
    r53_responses.Route53.update_health_check = _update_health_check
    r53_responses.Route53.get_health_check_status = _get_health_check_status
    r53_responses.Route53.list_health_checks = _list_health_checks
    r53_responses.Route53.create_health_check = _create_health_check(r53_responses.Route53.create_health_check)
    backend_cls = r53_models.Route53Backend
    backend_cls.change_resource_record_sets = _change_rrsets(backend_cls.change_resource_record_sets)
    r53_models.FakeZone.delete_rrset_by_id = _delete_rrset_by_id


# ---- operations moto does not route at all (answered by the middleware) ---------------------
def _xml_response(status: int, body: str):
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()
    return f"{status} OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))], data


def test_dns_answer(req, resolver):
    """GET /2013-04-01/testdnsanswer: what the authoritative servers answer right now."""
    q = {k.lower(): v for k, v in req.query.items()}
    zone_id, name, rtype = q.get("hostedzoneid", ""), q.get("recordname", ""), q.get("recordtype", "A")
    if not zone_id or not name:
        raise InvalidInput("hostedzoneid and recordname are required")
    with LOCK:
        account, zone = resolver.zone_by_id(zone_id)
        if zone is None:
            from moto.route53.exceptions import NoSuchHostedZone

            raise NoSuchHostedZone(zone_id)
        ans = resolver.resolve(name, rtype)
        ns = next((values(r)[0] for r in zone.rrsets if r.type == "NS" and r.records), "ns-0.awsdns-00.com.")
    data = "".join(f"<RecordDataEntry>{xml(r.value)}</RecordDataEntry>" for r in ans.answer if r.rtype == rtype.upper())
    body = (f'<TestDNSAnswerResponse xmlns="{NS}"><Nameserver>{xml(ns)}</Nameserver>'
            f"<RecordName>{xml(name)}</RecordName><RecordType>{xml(rtype.upper())}</RecordType>"
            f"<RecordData>{data}</RecordData><ResponseCode>{ans.rcode}</ResponseCode>"
            f"<Protocol>UDP</Protocol></TestDNSAnswerResponse>")
    return _xml_response(200, body)


def last_failure_reason(req, hc_id: str):
    from moto.route53.models import route53_backends

    with LOCK:
        route53_backends[req.account]["aws"].get_health_check(hc_id)
        failures = ENGINE.last_failures(req.account, hc_id)
    items = "".join(
        f"<HealthCheckObservation><Region>{region}</Region><IPAddress>{ip}</IPAddress><StatusReport>"
        f"<Status>{xml(status)}</Status><CheckedTime>{iso(at)}</CheckedTime></StatusReport></HealthCheckObservation>"
        for region, ip, status, at in failures)
    body = (f'<GetHealthCheckLastFailureReasonResponse xmlns="{NS}"><HealthCheckObservations>{items}'
            f"</HealthCheckObservations></GetHealthCheckLastFailureReasonResponse>")
    return _xml_response(200, body)
