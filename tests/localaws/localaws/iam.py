"""IAM in local AWS: authenticates each request by its SigV4 access key and authorises it against the
principal's identity policies before moto sees it (mode "enforce"); mode "off" authorises everything, as
moto does, so suites that test other things are unaffected.

Root access keys (--root-access-key, default "testing" and "local") act as the account root: no identity
policy applies to them, as in AWS. Every other key must belong to an IAM user (iam:CreateAccessKey) or an
assumed-role session (sts:AssumeRole / AssumeRoleWithWebIdentity); its signature is checked with that
principal's secret. Denials carry AWS's error shape for the protocol and AWS's sentence, and every
decision is kept for tests (GET /_localaws/iam/decisions).
"""

import json
import threading
from collections import deque

from . import awsreq, iam_actions, iam_sts
from .iam_eval import ALLOW, EXPLICIT_DENY, Context, denial_message, evaluate
from .iam_principals import AuthError, Principal, check_signature, identify, permissions_boundary, policies
from .state import LOCK, iso, log, now

MODES = ("off", "enforce")
DEFAULT_ROOT_KEYS = ("testing", "local")
MAX_DECISIONS = 5000
SCHEDULER = iam_actions.SCHEDULER_PRINCIPAL

# Error codes by failure and protocol family; CloudWatch is "query-compatible": its JSON and CBOR
# errors carry the query protocol's codes, so they use the query column.
AUTH_CODES = {  # kind: (JSON status, JSON code, REST-JSON code (403), query code (403))
    "invalid": (400, "UnrecognizedClientException", "UnrecognizedClientException", "InvalidClientTokenId"),
    "expired": (400, "ExpiredTokenException", "ExpiredTokenException", "ExpiredToken"),
    "signature": (400, "InvalidSignatureException", "InvalidSignatureException", "SignatureDoesNotMatch"),
    "missing": (400, "MissingAuthenticationTokenException", "MissingAuthenticationTokenException",
                "MissingAuthenticationToken"),
}


class AccessDenied(Exception):
    """Raised to the scheduler firer; its class name prefixes the recorded error."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Iam:
    def __init__(self):
        self.mode = "off"
        self.root_keys = set(DEFAULT_ROOT_KEYS)
        self.verify_signatures = True
        self.decisions: deque = deque(maxlen=MAX_DECISIONS)
        self._lock = threading.Lock()

    # ---- settings (kept across POST /_localaws/reset, like --map-endpoint) ----------------------------
    def configure(self, mode=None, root_keys=None, verify_signatures=None) -> dict:
        if mode is not None:
            if mode not in MODES:
                raise ValueError(f"mode must be one of {MODES}")
            self.mode = mode
        if root_keys is not None:
            if not isinstance(root_keys, list) or not all(isinstance(k, str) and k for k in root_keys):
                raise ValueError("rootAccessKeys must be a list of access key ids")
            self.root_keys = set(root_keys)
        if verify_signatures is not None:
            self.verify_signatures = bool(verify_signatures)
        log(f"iam mode={self.mode} root-keys={sorted(self.root_keys)} verify-signatures={self.verify_signatures}")
        return self.describe()

    def describe(self) -> dict:
        return {"mode": self.mode, "rootAccessKeys": sorted(self.root_keys), "verifySignatures": self.verify_signatures,
                "oidcIssuers": iam_sts.OIDC.describe(), "decisions": len(self.decisions)}

    def reset(self) -> None:
        with self._lock:
            self.decisions.clear()

    def list_decisions(self, args: dict) -> list:
        with self._lock:
            items = list(self.decisions)
        if args.get("denied") is not None:
            want_denied = str(args["denied"]).lower() in ("true", "1", "yes")
            items = [d for d in items if d["allowed"] != want_denied]
        for key in ("principal", "action", "resource"):
            if args.get(key):
                items = [d for d in items if args[key] in (d.get(key) or "")]
        if args.get("since"):
            items = [d for d in items if d["timeEpoch"] >= float(args["since"])]
        if args.get("limit"):
            items = items[-int(args["limit"]):]
        return items

    def _record(self, req, principal, action, resource, allowed, reason) -> None:
        entry = {"time": iso(now()), "timeEpoch": now(), "principal": principal, "action": action,
                 "resource": resource, "allowed": allowed, "reason": reason}
        if req is not None:
            entry.update(service=req.service, operation=req.operation, region=req.region)
        with self._lock:
            self.decisions.append(entry)
        if not allowed:
            log(f"iam denied {principal} {action} {resource}: {reason}")

    # ---- the request path -----------------------------------------------------------------------
    def check(self, req, environ):
        """None when the request may go on to moto, else the error response to send."""
        if self.mode != "enforce" or req.path.startswith("/moto-api"):
            return None
        try:
            with LOCK:  # moto's IAM/STS state is read here; writers hold the same lock
                return self._check(req, environ)
        except Exception as e:  # an evaluator bug must not turn into an allow
            log(f"iam evaluation failed: {e!r}")
            self._record(req, req.access_key, req.operation, "*", False, f"evaluation error {e!r}")
            return awsreq.error_response(req, 500, "InternalFailure", f"local AWS could not evaluate IAM: {e!r}")

    def _check(self, req, environ):
        if not req.access_key:
            if req.operation == "AssumeRoleWithWebIdentity" and "authorization" not in req.headers:
                return self._web_identity(req)
            return self._auth_error(req, AuthError("missing", "Request is missing Authentication Token"))
        if req.access_key in self.root_keys:
            root_arn = f"arn:aws:iam::{req.account}:root"
            root = Principal("root", root_arn, req.account, root_arn)
            if req.service == "sts" and req.operation == "AssumeRole":
                return self._assume_role(req, root)
            self._record(req, root.arn, _action(req), "*", True, "account root: identity policies do not apply")
            return None
        try:
            principal = identify(req.access_key, req.headers)
            if self.verify_signatures:
                check_signature(req, environ, principal.secret)
        except AuthError as e:
            if getattr(e, "canonical", None):
                log(f"iam: signature mismatch for {req.access_key}; canonical request was:\n{e.canonical}")
            return self._auth_error(req, e)
        if req.service == "sts" and req.operation == "GetCallerIdentity":
            self._record(req, principal.arn, "sts:GetCallerIdentity", "*", True, "always allowed (as in AWS)")
            return None
        if req.service == "sts" and req.operation == "AssumeRole":
            return self._assume_role(req, principal)
        try:
            needed = iam_actions.authorizations(req, principal.account)
        except iam_actions.Unmapped as e:
            message = (f"User: {principal.arn} is not authorized to perform: {e} because local AWS has no IAM action "
                       f"and resource mapping for this operation and denies what it cannot check")
            self._record(req, principal.arn, str(e), "*", False, "unmapped operation (fail closed)")
            return self._denied(req, message)
        for authz in needed:
            effect, message, why = self.identity_decision(principal, authz.action, authz.resource, authz.keys,
                                                          req.region)
            self._record(req, principal.arn, authz.action, authz.resource, effect == ALLOW, why)
            if effect != ALLOW:
                return self._denied(req, message)
        return None

    def identity_decision(self, principal: Principal, action: str, resource: str, extra: dict, region: str):
        """(effect, AWS's sentence when denied, reason for the log) from the principal's identity policies,
        its role's permissions boundary and its session policy; an explicit deny in any of them wins."""
        keys = {**principal.context_keys(), "aws:RequestedRegion": region, **extra}
        ctx = Context(action, resource, keys)
        checks = [("identity", evaluate(policies(principal), ctx))]
        boundary = permissions_boundary(principal)
        if boundary is not None:
            checks.append(("boundary", evaluate([boundary], ctx)))
        if principal.session_policy:
            checks.append(("session", evaluate([("session policy", principal.session_policy)], ctx)))
        for kind, decision in sorted(checks, key=lambda c: c[1].effect != EXPLICIT_DENY):
            if not decision.allowed:
                why = f"{kind}: {decision.describe()}"
                return decision.effect, denial_message(principal.arn, action, resource, decision.effect, kind), why
        return ALLOW, None, checks[0][1].describe()

    def _assume_role(self, req, principal: Principal):
        params = iam_actions.request_params(req)
        role_arn = str(params.get("RoleArn") or "")
        keys = {**principal.context_keys(), "aws:RequestedRegion": req.region,
                "sts:RoleSessionName": params.get("RoleSessionName")}
        if params.get("ExternalId"):
            keys["sts:ExternalId"] = params["ExternalId"]

        def identity(action, resource):
            effect, message, _ = self.identity_decision(principal, action, resource, {}, req.region)
            return effect, message

        try:
            why = iam_sts.assume_role(principal, role_arn, keys, identity)
        except iam_sts.StsDenied as e:
            self._record(req, principal.arn, "sts:AssumeRole", role_arn, False, e.message)
            return awsreq.error_response(req, e.status, e.code, e.message)
        self._record(req, principal.arn, "sts:AssumeRole", role_arn, True, why)
        return None

    def _web_identity(self, req):
        params = iam_actions.request_params(req)
        role_arn = str(params.get("RoleArn") or "")
        try:
            who, why = iam_sts.assume_role_with_web_identity(params, now())
        except iam_sts.StsDenied as e:
            self._record(req, "web identity", "sts:AssumeRoleWithWebIdentity", role_arn, False, e.message)
            return awsreq.error_response(req, e.status, e.code, e.message)
        self._record(req, who, "sts:AssumeRoleWithWebIdentity", role_arn, True, why)
        return None

    # ---- EventBridge Scheduler executing a target as its role -------------------------------------------
    def authorize_scheduled_target(self, account: str, region: str, group: str, name: str, target: dict) -> None:
        """Enforce mode: the schedule's Target.RoleArn is assumed by scheduler.amazonaws.com (with
        aws:SourceAccount and aws:SourceArn = the schedule group, Scheduler's confused-deputy keys) and must
        allow the target's action. Raises AccessDenied with the sentence the firing records."""
        if self.mode != "enforce":
            return
        role_arn = target.get("RoleArn") or ""
        keys = {"aws:SourceAccount": account, "aws:SourceArn": iam_actions.schedule_group_arn(account, region, group)}
        try:
            principal = iam_sts.assume_role_as_service(SCHEDULER, account, role_arn, keys, name)
        except iam_sts.StsDenied as e:
            self._record(None, SCHEDULER, "sts:AssumeRole", role_arn or "(no RoleArn)", False, e.message)
            raise AccessDenied(e.message) from e
        self._record(None, SCHEDULER, "sts:AssumeRole", role_arn, True, f"schedule {group}/{name}: trust allows it")
        try:
            payload = json.loads(target.get("Input") or "{}")
            authz = iam_actions.universal_target(target.get("Arn") or "", payload if isinstance(payload, dict) else {})
        except (ValueError, iam_actions.Unmapped) as e:
            message = f"User: {principal.arn} is not authorized to perform: {e} because local AWS cannot map it"
            self._record(None, principal.arn, str(e), "*", False, "unmapped target (fail closed)")
            raise AccessDenied(message) from e
        effect, message, why = self.identity_decision(principal, authz.action, authz.resource, {}, region)
        self._record(None, principal.arn, authz.action, authz.resource, effect == ALLOW, why)
        if effect != ALLOW:
            raise AccessDenied(message)

    # ---- AWS-shaped errors ------------------------------------------------------------------------
    @staticmethod
    def _family(req) -> str:
        proto = awsreq.protocol(req)
        if req.service == "monitoring" or proto not in ("json", "rest-json"):
            return "query"
        return proto

    def _denied(self, req, message: str):
        family = self._family(req)
        status, code = {"json": (400, "AccessDeniedException"), "rest-json": (403, "AccessDeniedException")}.get(
            family, (403, "AccessDenied"))
        return _query_compatible(req, awsreq.error_response(req, status, code, message), code)

    def _auth_error(self, req, err: AuthError):
        json_status, json_code, rest_json_code, query_code = AUTH_CODES[err.kind]
        family = self._family(req)
        status, code = {"json": (json_status, json_code), "rest-json": (403, rest_json_code)}.get(
            family, (403, query_code))
        self._record(req, req.access_key or "anonymous", _action(req), "*", False, f"{code}: {err.message}")
        return _query_compatible(req, awsreq.error_response(req, status, code, err.message), code)


def _action(req) -> str:
    prefix = {"monitoring": "cloudwatch"}.get(req.service or "", req.service or "unknown")
    return f"{prefix}:{req.operation or 'unknown'}"


def _query_compatible(req, response, code):
    """CloudWatch over JSON/CBOR names the query protocol's code in x-amzn-query-error, which both boto3
    and the Rust SDK read for awsQueryCompatible services."""
    if req.service != "monitoring":
        return response
    status, headers, body = response
    return status, headers + [("x-amzn-query-error", f"{code};Sender")], body


IAM = Iam()
