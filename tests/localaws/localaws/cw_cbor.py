"""CloudWatch over smithy RPC v2 CBOR, the only protocol the Rust SDK speaks for CloudWatch.

moto answers CloudWatch in the query and JSON protocols only; a CBOR request
(`POST /service/GraniteServiceVersion20100801/operation/{Operation}`, `smithy-protocol: rpc-v2-cbor`)
is translated to the JSON protocol (`X-Amz-Target`, `x-amzn-query-mode`), handed to moto, and its
answer translated back with botocore's own CBOR codec, typed by the service model (timestamps as
tag 1 epoch seconds). Errors keep their code and message in the CBOR error shape.
"""

import datetime
import io
import json

from botocore.parsers import JSONParser, RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer

from . import awsreq

TARGET_PREFIX = "GraniteServiceVersion20100801"


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

        return base64.b64encode(bytes(value)).decode()
    return value


def is_cbor(req) -> bool:
    return req.service == "monitoring" and awsreq.protocol(req) == "cbor" and bool(req.operation)


def call(req, environ, call_moto):
    """(status line, headers, body) of a CBOR CloudWatch request, answered by moto in JSON."""
    model = awsreq._model("monitoring")
    try:
        operation = model.operation_model(req.operation)
    except Exception:  # unknown operation: the SDK gets the service's own error shape
        return awsreq.error_response(req, 400, "InvalidAction", f"Unknown operation {req.operation}")
    params = RpcV2CBORParser()._initial_body_parse(req.body) if req.body else {}
    body = json.dumps(_jsonable(params or {})).encode()
    environ["PATH_INFO"] = "/"
    environ["CONTENT_TYPE"] = "application/x-amz-json-1.0"
    environ["HTTP_X_AMZ_TARGET"] = f"{TARGET_PREFIX}.{req.operation}"
    environ["HTTP_X_AMZN_QUERY_MODE"] = "true"
    environ.pop("HTTP_SMITHY_PROTOCOL", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    status, headers, data = call_moto(environ)
    code = int(status.split(" ", 1)[0])
    if code >= 300:
        try:
            err = json.loads(data or b"{}")
        except ValueError:
            err = {}
        kind = str(err.get("__type") or err.get("code") or "InternalFailure").split("#")[-1]
        message = str(err.get("message") or err.get("Message") or "")
        status, out_headers, out = awsreq.error_response(req, code, kind, message)
        # CloudWatch is query-compatible: the SDKs take the error code from x-amzn-query-error (the
        # query protocol's code, "InvalidParameterCombination;Sender"), not from the shape in __type.
        query = next((v for k, v in headers if k.lower() == "x-amzn-query-error"), None)
        if query is None:
            query = _query_code(model, kind, code)
        return status, out_headers + ([("x-amzn-query-error", query)] if query else []), out
    out = bytearray()
    shape = operation.output_shape
    if shape is not None:
        parsed = JSONParser().parse({"body": data, "headers": {}, "status_code": code}, shape)
        parsed.pop("ResponseMetadata", None)
        RpcV2CBORSerializer()._serialize_data_item(out, parsed, shape)
    else:
        out.extend(b"\xa0")  # an empty map
    keep = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
    keep += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
             ("Content-Length", str(len(out)))]
    return status, keep, bytes(out)


def _query_code(model, shape_name: str, status: int):
    """The query protocol's `code;Sender|Receiver` for an error shape of the CloudWatch model."""
    try:
        error = model.shape_for(shape_name).metadata.get("error") or {}
    except Exception:  # not a shape of the model (moto's own code): nothing to translate
        return None
    code = error.get("code")
    return f"{code};{'Sender' if error.get('senderFault', status < 500) else 'Receiver'}" if code else None
