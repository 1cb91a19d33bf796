"""Control routes of local AWS's IAM (merged into control.ROUTES): the mode, root keys, OIDC issuers'
signing keys and the decision log. See README.md, "Control API"."""

from .iam import IAM
from .iam_sts import OIDC


class _BadRequest(ValueError):
    pass  # control.handle answers ValueError with 400


def _iam(body, args):
    if body:
        unknown = set(body) - {"mode", "rootAccessKeys", "verifySignatures"}
        if unknown:
            raise _BadRequest(f"unknown fields {sorted(unknown)}; settable: mode, rootAccessKeys, verifySignatures")
        return 200, IAM.configure(mode=body.get("mode"), root_keys=body.get("rootAccessKeys"),
                                  verify_signatures=body.get("verifySignatures"))
    return 200, IAM.describe()


def _oidc(body, args):
    if body is not None:
        return 200, {"oidcIssuers": OIDC.register(body)}
    return 200, {"oidcIssuers": OIDC.describe()}


def _oidc_clear(_body, args):
    OIDC.clear()
    return 200, {"oidcIssuers": {}}


def _decisions(_body, args):
    return 200, {"decisions": IAM.list_decisions(args)}


def _decisions_clear(_body, args):
    IAM.reset()
    return 200, {"decisions": []}


ROUTES = {
    ("GET", "/iam"): _iam,
    ("POST", "/iam"): _iam,
    ("GET", "/iam/oidc"): _oidc,
    ("POST", "/iam/oidc"): _oidc,
    ("DELETE", "/iam/oidc"): _oidc_clear,
    ("GET", "/iam/decisions"): _decisions,
    ("DELETE", "/iam/decisions"): _decisions_clear,
}
