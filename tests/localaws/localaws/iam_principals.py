"""Who signed a request: access key -> principal (IAM user or assumed-role session, from moto's IAM and
STS backends), the SigV4 signature checked with that principal's secret, and the identity policies that
apply to it. Root keys are recognised by the caller (iam.py) before anything here runs."""

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                 "Secret Access Key and signing method. Consult the service documentation for details.")


class AuthError(Exception):
    """kind: invalid | expired | signature | missing (the caller picks the protocol's code)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass
class Principal:
    kind: str  # root | user | assumed-role | service-role (a role a service assumed inside local AWS)
    arn: str  # the ARN AWS names in error messages (session ARN for assumed roles)
    account: str
    principal_arn: str  # aws:PrincipalArn: the role's ARN for a session, as AWS supplies it
    name: str = ""  # user or role name
    secret: str | None = None
    session_policy: str | None = None
    user_id: str = ""
    extra_keys: dict = field(default_factory=dict)

    def context_keys(self) -> dict:
        keys = {"aws:PrincipalArn": self.principal_arn, "aws:PrincipalAccount": self.account,
                "aws:PrincipalType": {"root": "Account", "user": "User"}.get(self.kind, "AssumedRole")}
        if self.kind == "user":
            keys["aws:username"] = self.name
        if self.user_id:
            keys["aws:userid"] = self.user_id
        keys.update(self.extra_keys)
        return keys


def _iam(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def identify(access_key: str, headers: dict) -> Principal:
    """An access key created by iam:CreateAccessKey or returned by sts:AssumeRole*. Raises AuthError."""
    from moto.core.utils import utcnow
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account, per_partition in list(iam_backends.items()):
        key = per_partition["aws"].access_keys.get(access_key)
        if key is None:
            continue
        backend = per_partition["aws"]
        if key.user_name:
            if key.status != "Active" or "x-amz-security-token" in headers:
                raise AuthError("invalid", INVALID_TOKEN)
            user = backend.get_user(key.user_name)
            return Principal("user", user.arn, account, user.arn, name=user.name, secret=key.secret_access_key,
                             user_id=user.id)
        session = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key)
        if session is None or headers.get("x-amz-security-token") != session.session_token:
            raise AuthError("invalid", INVALID_TOKEN)
        expiration = session.expiration
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=datetime.timezone.utc)
        current = utcnow()
        if current.tzinfo is None:
            current = current.replace(tzinfo=datetime.timezone.utc)
        if expiration <= current:
            raise AuthError("expired", EXPIRED_TOKEN)
        role_name = session.role_arn.split("/")[-1]
        return Principal("assumed-role", session.arn, account, session.role_arn, name=role_name,
                         secret=session.secret_access_key, session_policy=session.policy,
                         user_id=f"{_role_id(account, session.role_arn)}:{session.session_name}")
    raise AuthError("invalid", INVALID_TOKEN)


def _role_id(account: str, role_arn: str) -> str:
    try:
        return _iam(account).get_role_by_arn(role_arn).id
    except Exception:
        return "AROAUNKNOWN"


def role(account: str, role_arn: str):
    """moto's Role for this ARN, or None."""
    try:
        return _iam(account).get_role_by_arn(role_arn)
    except Exception:
        return None


def _managed_document(policy) -> str:
    return next(v.document for v in policy.versions if v.is_default)


def policies(principal: Principal) -> list:
    """[(name, document)]: inline and attached managed (default version) policies of the user (and its
    groups) or of the session's role. A deleted role or user has none, so everything is denied."""
    backend = _iam(principal.account)
    out = []
    if principal.kind == "user":
        try:
            user = backend.get_user(principal.name)
        except Exception:
            return []
        out += [(f"user/{user.name} inline {n}", d) for n, d in user.policies.items()]
        out += [(arn, _managed_document(p)) for arn, p in user.managed_policies.items()]
        for group in backend.get_groups_for_user(user.name):
            out += [(f"group/{group.name} inline {n}", d) for n, d in group.policies.items()]
            out += [(arn, _managed_document(p)) for arn, p in group.managed_policies.items()]
        return out
    found = role(principal.account, principal.principal_arn)
    if found is None:
        return []
    out += [(f"role/{found.name} inline {n}", d) for n, d in found.policies.items()]
    out += [(arn, _managed_document(p)) for arn, p in found.managed_policies.items()]
    return out


def permissions_boundary(principal: Principal):
    """(name, document) of the role's permissions boundary, or None."""
    if principal.kind not in ("assumed-role", "service-role"):
        return None
    found = role(principal.account, principal.principal_arn)
    arn = getattr(found, "permissions_boundary_arn", None) if found is not None else None
    if not arn:
        return None
    try:
        return arn, _managed_document(_iam(principal.account).get_policy(arn))
    except Exception:
        return arn, '{"Statement": []}'  # a boundary that cannot be read allows nothing


# ---- SigV4 ----------------------------------------------------------------------------------------
AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)")


def _encode(s: str) -> str:
    return quote(s, safe="-_.~")


def canonical_request(method: str, raw_uri: str, headers: dict, signed: list, body: bytes, double: bool) -> str:
    """SigV4's canonical request from what arrived. Path segments are decoded and re-encoded (twice for
    every service but S3), so clients that encode labels more or less eagerly on the wire still match."""
    raw_uri = re.sub(r"^[a-zA-Z]+://[^/]*", "", raw_uri)
    path, _, query = raw_uri.partition("?")
    segments = [_encode(unquote(s)) for s in (path or "/").split("/")]
    if double:
        segments = [_encode(s) for s in segments]
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        pairs.append((_encode(unquote(k)), _encode(unquote(v))))
    canonical_headers = "".join(f"{h}:{' '.join(str(headers.get(h, '')).split())}\n" for h in signed)
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    return "\n".join([method, "/".join(segments) or "/", "&".join(f"{k}={v}" for k, v in sorted(pairs)),
                      canonical_headers, ";".join(signed), payload])


def check_signature(req, environ: dict, secret: str) -> None:
    """Raises AuthError("signature") unless the Authorization header's signature is the one this secret
    gives for the request as received."""
    m = AUTH.search(req.headers.get("authorization", ""))
    amz_date = req.headers.get("x-amz-date", "")
    if not m or not amz_date:
        raise AuthError("signature", BAD_SIGNATURE)
    scope = m.group(1).split("/", 1)[1] if "/" in m.group(1) else ""
    date, region, service = (scope.split("/") + ["", "", ""])[:3]
    signed = m.group(2).lower().split(";")
    headers = dict(req.headers)
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or (
        req.path + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""))
    canonical = canonical_request(req.method, raw_uri, headers, signed, req.body, double=service != "s3")
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, m.group(3).lower()):
        err = AuthError("signature", BAD_SIGNATURE)
        err.canonical = canonical
        raise err
