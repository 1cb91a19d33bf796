"""IAM policy evaluation, pure: policy documents + a request context in, a decision with its reason out.

No moto, no HTTP, no clock: everything the evaluation depends on is in its arguments, so the unit tests
(tests/test_iam_eval.py) exercise exactly what the server runs.

Semantics (AWS's "Policy evaluation logic" and "IAM JSON policy elements" pages):
- an explicit Deny in any statement wins; otherwise at least one Allow is needed (implicit deny);
- Action/NotAction match case-insensitively with `*` and `?`; Resource/NotResource match
  case-sensitively, an ARN segment by segment (the six colon-separated parts), `*` alone matches all;
- condition operators AND together, keys of one operator AND together, values of one key OR
  together (NOR for negated operators); a key missing from the request makes positive operators
  false and negated ones true; `...IfExists` is true when the key is missing; `ForAllValues:` is
  true over a missing/empty key, `ForAnyValue:` false;
- policy variables `${key}` in Resource and condition values are substituted from the context (a
  missing key makes that Resource/value match nothing).

Where this is stricter than AWS (AWS rejects such documents when they are written, so they never reach
its evaluation): an operator this module does not know (Date*, IpAddress, Binary*, ...) makes an
Allow statement not match and a Deny statement match (fail closed both ways); `NotPrincipal` likewise;
an identity policy statement without Resource/NotResource matches nothing for Allow.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass
class Context:
    """What is being asked: action ("route53:GetHealthCheck"), resource ARN or "*", condition keys
    (case-insensitive names; a value is a string or a list of strings), and for resource-based
    policies (trust policies) the caller as principal identifiers by kind: {"AWS": [...], ...}."""
    action: str
    resource: str = "*"
    keys: dict = field(default_factory=dict)
    principal: dict | None = None

    def lookup(self, key: str):
        lowered = key.lower()
        for k, v in self.keys.items():
            if k.lower() == lowered:
                return v
        return None


@dataclass
class Decision:
    effect: str  # ALLOW | EXPLICIT_DENY | IMPLICIT_DENY
    policy: str | None = None  # name of the deciding policy
    statement: str | None = None  # its Sid, or "#index"

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    def describe(self) -> str:
        if self.effect == IMPLICIT_DENY:
            return "no statement allows it"
        verb = "allowed" if self.allowed else "explicitly denied"
        return f"{verb} by statement {self.statement} of policy {self.policy}"


class UnknownOperator(Exception):
    pass


def parse_document(doc) -> dict:
    """A policy document as moto stores it: a dict, a JSON string, or a URL-encoded JSON string."""
    if isinstance(doc, dict):
        return doc
    text = doc or "{}"
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = unquote(text)
    return _parse_cached(text)


@lru_cache(maxsize=512)
def _parse_cached(text: str) -> dict:
    return json.loads(text)


def statements(doc: dict) -> list:
    body = doc.get("Statement", [])
    return body if isinstance(body, list) else [body]


def evaluate(policies: list, ctx: Context, resource_policy: bool = False) -> Decision:
    """policies: [(name, document)]. Explicit deny wins over any allow; no allow is an implicit deny.
    resource_policy: the documents are resource-based (trust policies): Principal must match the
    caller and a statement without Resource applies to the resource the policy is attached to."""
    allow = None
    for name, doc in policies:
        document = parse_document(doc)
        for index, stmt in enumerate(statements(document)):
            effect = stmt.get("Effect")
            if effect not in ("Allow", "Deny"):
                continue
            if _statement_matches(stmt, ctx, effect, resource_policy):
                label = stmt.get("Sid") or f"#{index}"
                if effect == "Deny":
                    return Decision(EXPLICIT_DENY, name, label)
                allow = allow or Decision(ALLOW, name, label)
    return allow or Decision(IMPLICIT_DENY)


def _statement_matches(stmt: dict, ctx: Context, effect: str, resource_policy: bool) -> bool:
    fail_closed = effect == "Deny"  # what an element we cannot evaluate resolves to
    if "Action" in stmt:
        if not any(action_matches(p, ctx.action) for p in _list(stmt["Action"])):
            return False
    elif "NotAction" in stmt:
        if any(action_matches(p, ctx.action) for p in _list(stmt["NotAction"])):
            return False
    else:
        return False
    if "Resource" in stmt:
        if not any(resource_matches(_substitute(p, ctx), ctx.resource) for p in _list(stmt["Resource"])):
            return False
    elif "NotResource" in stmt:
        if any(resource_matches(_substitute(p, ctx), ctx.resource) for p in _list(stmt["NotResource"])):
            return False
    elif not resource_policy:
        return False
    if resource_policy:
        if "NotPrincipal" in stmt:
            return fail_closed
        if not principal_matches(stmt.get("Principal"), ctx.principal or {}):
            return False
    try:
        return conditions_hold(stmt.get("Condition") or {}, ctx)
    except UnknownOperator:
        return fail_closed


# ---- matching --------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    return glob_match(str(pattern), action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """ArnLike semantics: each of the six colon-separated parts matched on its own."""
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        # An ARN pattern short of six parts matches nothing (no "*" spanning segments); other text is a glob.
        return not pattern.startswith("arn:") and glob_match(pattern, arn)
    return all(glob_match(p, a) for p, a in zip(p_parts, a_parts, strict=True))


def resource_matches(pattern: str | None, resource: str) -> bool:
    if pattern is None:
        return False
    if pattern == "*":
        return True
    if resource == "*":  # an action without resource types only matches a "*" Resource
        return False
    return arn_matches(pattern, resource)


def principal_matches(spec, caller: dict) -> bool:
    """Principal element vs the caller's identifiers ({"AWS": [...], "Service": [...], "Federated": [...]}).
    An account id in the policy means that account's root ARN, as AWS rewrites it."""
    if spec is None:
        return False
    if spec == "*":
        return True
    if not isinstance(spec, dict):
        return False
    for kind, values in spec.items():
        mine = caller.get(kind) or []
        for value in _list(values):
            value = str(value)
            if value == "*" and mine:
                return True
            if kind == "AWS" and re.fullmatch(r"\d{12}", value):
                value = f"arn:aws:iam::{value}:root"
            if value in mine:
                return True
    return False


# ---- conditions -------------------------------------------------------------------------------
def _str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _numeric(cmp):
    def op(actual, expected):
        a, e = _num(actual), _num(expected)
        return a is not None and e is not None and cmp(a, e)
    return op


# name -> (match one request value against one policy value, negated)
OPERATORS = {
    "StringEquals": (lambda a, e: a == e, False),
    "StringNotEquals": (lambda a, e: a == e, True),
    "StringEqualsIgnoreCase": (lambda a, e: a.lower() == e.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, e: a.lower() == e.lower(), True),
    "StringLike": (lambda a, e: glob_match(e, a), False),
    "StringNotLike": (lambda a, e: glob_match(e, a), True),
    "ArnEquals": (lambda a, e: arn_matches(e, a), False),
    "ArnLike": (lambda a, e: arn_matches(e, a), False),
    "ArnNotEquals": (lambda a, e: arn_matches(e, a), True),
    "ArnNotLike": (lambda a, e: arn_matches(e, a), True),
    "Bool": (lambda a, e: a.lower() == e.lower(), False),
    "NumericEquals": (_numeric(lambda a, e: a == e), False),
    "NumericNotEquals": (_numeric(lambda a, e: a == e), True),
    "NumericLessThan": (_numeric(lambda a, e: a < e), False),
    "NumericLessThanEquals": (_numeric(lambda a, e: a <= e), False),
    "NumericGreaterThan": (_numeric(lambda a, e: a > e), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, e: a >= e), False),
}


def conditions_hold(condition: dict, ctx: Context) -> bool:
    """True when every operator block holds. Raises UnknownOperator for an operator not modelled."""
    for operator, block in condition.items():
        if not isinstance(block, dict):
            raise UnknownOperator(operator)
        for key, expected in block.items():
            if not _condition_holds(operator, key, [_str(e) for e in _list(expected)], ctx):
                return False
    return True


def _condition_holds(operator: str, key: str, expected: list, ctx: Context) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnknownOperator(operator)
    actual = ctx.lookup(key)
    values = None if actual is None else [_str(v) for v in _list(actual)]
    if base == "Null":
        present = bool(values)
        return all(e.lower() == ("false" if present else "true") for e in expected) and bool(expected)
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in OPERATORS:
        raise UnknownOperator(operator)
    match, negated = OPERATORS[base]
    expected = [_substitute(e, ctx) for e in expected]
    if not values:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated

    def value_ok(a: str) -> bool:
        hit = any(e is not None and match(a, e) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(value_ok(a) for a in values)
    if qualifier == "ForAnyValue":
        return any(value_ok(a) for a in values)
    # A single-valued operator on a multi-valued key: every value for a negated operator, any otherwise.
    return all(value_ok(a) for a in values) if negated else any(value_ok(a) for a in values)


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def _substitute(value, ctx: Context):
    """Policy variables (${aws:username}, ${*}...). A variable whose key is missing makes the value
    match nothing (None), as AWS does."""
    if value is None or "${" not in str(value):
        return value
    missing = False

    def repl(m):
        nonlocal missing
        name = m.group(1)
        if name in _LITERALS:
            return _LITERALS[name]
        found = ctx.lookup(name)
        if found is None or isinstance(found, list):
            missing = True
            return ""
        return _str(found)

    out = _VARIABLE.sub(repl, str(value))
    return None if missing else out


def _list(v) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


# ---- AWS's sentences ----------------------------------------------------------------------------
POLICY_TYPES = {"identity": ("an identity-based policy", "no identity-based policy"),
                "session": ("a session policy", "no session policy"),
                "boundary": ("a permissions boundary", "no permissions boundary"),
                "resource": ("a resource-based policy", "no resource-based policy")}


def denial_message(principal_arn: str, action: str, resource: str, effect: str, policy_type: str = "identity") -> str:
    """AWS's AccessDenied sentence, e.g. "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized
    to perform: route53:ListHealthChecks because no identity-based policy allows the route53:ListHealthChecks
    action" (" on resource: ARN" when the resource is not "*")."""
    on = f" on resource: {resource}" if resource and resource != "*" else ""
    explicit, none = POLICY_TYPES[policy_type]
    if effect == EXPLICIT_DENY:
        why = f"with an explicit deny in {explicit}"
    else:
        why = f"because {none} allows the {action} action"
    return f"User: {principal_arn} is not authorized to perform: {action}{on} {why}"
