"""Who is calling what: service, region, account and operation of an AWS request, and AWS-shaped
error responses for the protocol that service speaks."""

import json
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs

from .state import DEFAULT_ACCOUNT

# SigV4 signing names whose botocore model has another name.
SIGNING_TO_MODEL = {"monitoring": "cloudwatch", "events": "events", "email": "ses"}


@dataclass
class AwsRequest:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: bytes
    service: str | None
    region: str
    access_key: str | None
    operation: str | None = None

    @property
    def account(self) -> str:
        return account_for(self.headers, self.access_key)

    def json(self) -> dict:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


def account_for(headers: dict, access_key: str | None) -> str:
    if "x-moto-account-id" in headers:
        return headers["x-moto-account-id"]
    if access_key:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(access_key)
    return DEFAULT_ACCOUNT


def parse(environ: dict, body: bytes) -> AwsRequest:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    service, region, access_key = None, "us-east-1", None
    auth = headers.get("authorization", "")
    m = re.search(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    if m:
        access_key, region, service = m.group(1), m.group(2), m.group(3).lower()
    req = AwsRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", "/"),
        query={k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()},
        headers=headers,
        body=body,
        service=service,
        region=region,
        access_key=access_key,
    )
    req.operation = _operation(req)
    return req


def _operation(req: AwsRequest) -> str | None:
    target = req.headers.get("x-amz-target")
    if target and "." in target:
        return target.rsplit(".", 1)[1]
    # smithy RPC v2 (CBOR): /service/{Service}/operation/{Operation}
    m = re.match(r"^/service/[^/]+/operation/([^/]+)$", req.path)
    if m:
        return m.group(1)
    if "Action" in req.query:
        return req.query["Action"]
    if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(req.body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    if req.service:
        for method, pattern, name in _rest_routes(req.service):
            if method == req.method and pattern.match(req.path):
                return name
    return None


@lru_cache(maxsize=None)
def _model(service: str):
    import botocore.session

    name = SIGNING_TO_MODEL.get(service, service)
    try:
        return botocore.session.get_session().get_service_model(name)
    except Exception:
        return None


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> list:
    """(method, path regex, operation) from the botocore model, most specific path first."""
    model = _model(service)
    if model is None or model.protocol not in ("rest-xml", "rest-json"):
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        regex = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(uri))
        regex = re.sub(r"\\\{[^}]+?\\\}", "[^/]+", regex)
        routes.append((literal, http.get("method", "GET"), re.compile("^" + regex + "/?$"), name))
    routes.sort(key=lambda r: -r[0])
    return [(m, p, n) for _, m, p, n in routes]


def protocol(req: AwsRequest) -> str:
    if req.headers.get("smithy-protocol") == "rpc-v2-cbor":
        return "cbor"
    ctype = req.headers.get("content-type", "")
    if ctype.startswith("application/x-amz-json"):
        return "json"
    model = _model(req.service) if req.service else None
    if model is not None:
        return {"rest-xml": "rest-xml", "rest-json": "rest-json", "json": "json", "query": "query",
                "ec2": "query"}.get(model.protocol, "query")
    return "query"


def _cbor_text(s: str) -> bytes:
    raw = s.encode()
    n = len(raw)
    if n < 24:
        head = bytes([0x60 | n])
    elif n < 256:
        head = bytes([0x78, n])
    else:
        head = bytes([0x79]) + n.to_bytes(2, "big")
    return head + raw


def error_response(req: AwsRequest, status: int, code: str, message: str):
    """(status line, headers, body) shaped the way the service's SDK parses errors."""
    request_id = str(uuid.uuid4())
    proto = protocol(req)
    headers = [("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
    if proto == "json":
        prefix = ""
        if req.service == "dynamodb":
            prefix = ("com.amazon.coral.availability#" if code == "ThrottlingException"
                      else "com.amazonaws.dynamodb.v20120810#")
        body = json.dumps({"__type": prefix + code, "message": message}).encode()
        headers.append(("Content-Type", req.headers.get("content-type", "application/x-amz-json-1.0")))
    elif proto == "rest-json":
        body = json.dumps({"message": message, "Message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif proto == "cbor":
        body = bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    else:
        ns = ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"' if req.service == "route53" else ""
        kind = "Receiver" if status >= 500 else "Sender"
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse{ns}><Error><Type>{kind}</Type>'
                f"<Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {_reason(status)}", headers, body


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _xml(s: str) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml(s) -> str:
    return _xml(s)
