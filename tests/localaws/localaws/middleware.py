"""WSGI middleware in front of moto: control API, fault injection, and the operations moto gets
wrong or lacks. Everything else passes through to moto unchanged."""

import io
import json
import re
import time

from moto.core.exceptions import ServiceException
from werkzeug.wsgi import get_input_stream

from . import awsreq, control, cw_cbor, dynamo_global, route53_fidelity
from .dnsserver import DnsTracker
from .faults import FAULTS
from .health import ENGINE
from .iam import IAM
from .regions import REGIONS, Dropped
from .state import LOCK, debug

R53_STATUS = {"NoSuchHostedZone": 404, "NoSuchHealthCheck": 404, "HealthCheckVersionMismatch": 409}
R53_CHANGES = {"CreateHealthCheck", "UpdateHealthCheck", "DeleteHealthCheck", "ChangeResourceRecordSets",
               "CreateHostedZone", "DeleteHostedZone"}
LEGACY_GLOBAL = {"CreateGlobalTable", "UpdateGlobalTable", "DescribeGlobalTable", "ListGlobalTables",
                 "DescribeGlobalTableSettings", "UpdateGlobalTableSettings"}
LAST_FAILURE = re.compile(r"^/2013-04-01/healthcheck/([^/]+)/lastfailurereason/?$")


class FidelityApp:
    def __init__(self, moto_app, tracker: DnsTracker, reset_all):
        self.moto = moto_app
        self.tracker = tracker
        self.reset_all = reset_all

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_localaws"):
            return control.handle(environ, start_response)
        if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            self.reset_all()
            return _respond(start_response, ("200 OK", [("Content-Type", "application/json")], b'{"status": "ok"}'))
        body = get_input_stream(environ).read()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        req = awsreq.parse(environ, body)
        debug(f"{req.method} {req.path} service={req.service} region={req.region} op={req.operation}")
        if REGIONS.intercept(req, environ):  # signed for a region made unreachable: no answer at all
            raise Dropped(f"region {req.region} is unreachable")
        denied = IAM.check(req, environ)  # --iam enforce: SigV4 key -> principal -> identity policies
        if denied is not None:
            return _respond(start_response, denied)

        latency_ms, rule = FAULTS.match(req.service, req.operation, req.region)
        if latency_ms:
            time.sleep(latency_ms / 1000.0)  # outside the lock: other requests keep flowing
        if rule is not None:
            return _respond(start_response, awsreq.error_response(req, rule.status, rule.code, rule.message))
        try:
            with LOCK:
                response = self._handle(req, environ)
        except dynamo_global.ApiError as e:
            response = awsreq.error_response(req, e.status, e.code, e.message)
        except ServiceException as e:
            status = R53_STATUS.get(e.code, 400) if req.service == "route53" else 400
            response = awsreq.error_response(req, status, e.code, e.message)
        return _respond(start_response, response)

    def _handle(self, req, environ):
        if cw_cbor.is_cbor(req):  # moto speaks no CBOR; the Rust SDK speaks nothing else for CloudWatch
            response = cw_cbor.call(req, environ, self._call_moto)
            if response[0].startswith("2"):
                self._after(req)
            return response
        if req.service == "route53":
            if req.method == "GET" and req.path.rstrip("/").endswith("/testdnsanswer"):
                return route53_fidelity.test_dns_answer(req, self.tracker.resolver)
            m = LAST_FAILURE.match(req.path)
            if req.method == "GET" and m:
                return route53_fidelity.last_failure_reason(req, m.group(1))
        if req.service == "dynamodb":
            if req.operation in LEGACY_GLOBAL:
                return dynamo_global.legacy(req)
            body = req.json()
            if req.operation == "CreateTable" and body.get("GlobalTableSourceArn"):
                return dynamo_global.create_table_from_source(req, body)
            if req.operation == "UpdateTable" and (body.get("ReplicaUpdates") or body.get("MultiRegionConsistency")
                                                   or body.get("GlobalTableWitnessUpdates")):
                forwarded = json.dumps(dynamo_global.update_table(req, body)).encode()
                environ["wsgi.input"] = io.BytesIO(forwarded)
                environ["CONTENT_LENGTH"] = str(len(forwarded))
        response = self._call_moto(environ)
        if response[0].startswith("2"):
            self._after(req)
        return response

    def _after(self, req):
        if req.service == "route53" and req.operation in R53_CHANGES:
            ENGINE.sync()
            self.tracker.refresh()
        elif req.service == "dynamodb" and req.operation == "DeleteTable":
            name = req.json().get("TableName", "").split("/")[-1]
            dynamo_global.on_table_deleted(req.account, req.region, name)

    def _call_moto(self, environ):
        captured, chunks = {}, []

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        result = self.moto(environ, start)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            if hasattr(result, "close"):
                result.close()
        data = b"".join(chunks)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(data))))
        return captured["status"], headers, data


def _respond(start_response, response):
    status, headers, data = response
    start_response(status, headers)
    return [data]
