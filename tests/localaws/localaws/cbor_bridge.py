"""Smithy RPC v2 CBOR for CloudWatch, which moto routes only as query or JSON ("/").

SDKs generated from current AWS models speak CBOR to CloudWatch (`POST /service/GraniteServiceVersion20100801/
operation/GetMetricData`, `smithy-protocol: rpc-v2-cbor`); the Rust SDK offers nothing else, and moto answered
those requests with a bare 404. A CBOR request is handed to moto as the equivalent JSON-protocol request (same
parameters, timestamps as epoch seconds), and moto's JSON answer goes back as CBOR, shape by shape from botocore's
model so that timestamps stay CBOR timestamps; errors keep their code and message in CBOR's error shape.
"""

import datetime
import io
import json

from . import awsreq

SERVICES = ("monitoring",)


def applies(req) -> bool:
    return req.service in SERVICES and awsreq.protocol(req) == "cbor" and req.operation is not None


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode()
    return value


def to_json(req, environ):
    """Rewrites the WSGI request in place into the JSON protocol."""
    from botocore.parsers import RpcV2CBORParser

    model = awsreq._model(req.service)
    params = RpcV2CBORParser()._initial_body_parse(req.body) if req.body else {}
    body = json.dumps(_jsonable(params if isinstance(params, dict) else {})).encode()
    environ["PATH_INFO"] = "/"
    environ["CONTENT_TYPE"] = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
    environ["HTTP_X_AMZ_TARGET"] = f"{model.metadata['targetPrefix']}.{req.operation}"
    environ.pop("HTTP_SMITHY_PROTOCOL", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def to_cbor(req, response):
    """moto's JSON answer as the CBOR answer the client asked for."""
    status, headers, data = response
    code = int(status.split(" ", 1)[0])
    try:
        doc = json.loads(data or b"{}")
    except ValueError:
        doc = {}
    if code >= 300:
        err = str(doc.get("__type") or doc.get("code") or "InternalFailure").rsplit("#", 1)[-1]
        message = str(doc.get("message") or doc.get("Message") or "")
        e_status, e_headers, e_body = awsreq.error_response(req, code, err, message)
        # CloudWatch is query-compatible: the query protocol's code rides in x-amzn-query-error.
        query_error = [(k, v) for k, v in headers if k.lower() == "x-amzn-query-error"]
        return e_status, [h for h in e_headers if h[0].lower() != "x-amzn-query-error"] + query_error, e_body
    from botocore.parsers import JSONParser
    from botocore.serialize import RpcV2CBORSerializer

    shape = awsreq._model(req.service).operation_model(req.operation).output_shape
    body = b""
    if shape is not None:
        parsed = JSONParser().parse({"body": data or b"{}", "headers": {}, "status_code": code}, shape)
        parsed.pop("ResponseMetadata", None)
        body = RpcV2CBORSerializer()._serialize_body_params(parsed, shape)
    out = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length", "x-amz-target")]
    out += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"), ("Content-Length", str(len(body)))]
    return status, out, body
