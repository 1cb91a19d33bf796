"""Trust policies: sts:AssumeRole (IAM callers and service principals) and sts:AssumeRoleWithWebIdentity
(JWTs from an OIDC issuer whose signing keys tests register through the control API, as EKS/IRSA does).

Moto mints the credentials once these checks pass; this module only decides whether it may."""

import base64
import json
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .iam_eval import ALLOW, EXPLICIT_DENY, Context, denial_message, evaluate
from .iam_principals import Principal, role


class StsDenied(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# ---- OIDC issuers' signing keys -------------------------------------------------------------------
class OidcKeys:
    """issuer URL (exactly as in the token's iss) -> [(kid or None, RSA public key)]. Survives resets."""

    def __init__(self):
        self._lock = threading.Lock()
        self.issuers: dict[str, list] = {}

    def register(self, body: dict) -> dict:
        issuer = body.get("issuer")
        if not issuer or not str(issuer).startswith("https://"):
            raise ValueError('give "issuer": "https://..." (the token\'s iss claim)')
        keys = []
        if body.get("publicKeyPem"):
            key = serialization.load_pem_public_key(str(body["publicKeyPem"]).encode())
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError("publicKeyPem must be an RSA public key (tokens are RS256)")
            keys.append((body.get("kid"), key))
        for jwk in (body.get("jwks") or {}).get("keys", []):
            if jwk.get("kty") != "RSA":
                raise ValueError("jwks: only RSA keys (RS256) are supported")
            numbers = rsa.RSAPublicNumbers(_b64int(jwk["e"]), _b64int(jwk["n"]))
            keys.append((jwk.get("kid"), numbers.public_key()))
        if not keys:
            raise ValueError('give "publicKeyPem" or "jwks": {"keys": [...]}')
        with self._lock:
            self.issuers.setdefault(issuer, []).extend(keys)
        return self.describe()

    def describe(self) -> dict:
        with self._lock:
            return {i: {"keys": len(k), "kids": [kid for kid, _ in k if kid]} for i, k in self.issuers.items()}

    def clear(self) -> None:
        with self._lock:
            self.issuers.clear()

    def keys_for(self, issuer: str, kid) -> list:
        with self._lock:
            keys = list(self.issuers.get(issuer, []))
        return [k for i, k in keys if kid is None or i is None or i == kid]


OIDC = OidcKeys()


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _b64int(data: str) -> int:
    return int.from_bytes(_b64(data), "big")


def _invalid(message: str) -> StsDenied:
    return StsDenied(400, "InvalidIdentityToken", message)


NOT_AUTHORIZED_WEB = "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def assume_role_with_web_identity(params: dict, now: float) -> tuple[str, str]:
    """Validates the token and the role's trust. Returns (who, why) for the decision log; raises StsDenied."""
    token, role_arn = str(params.get("WebIdentityToken") or ""), str(params.get("RoleArn") or "")
    parts = token.split(".")
    try:
        header, claims = json.loads(_b64(parts[0])), json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, IndexError):
        raise _invalid(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
        ) from None
    if len(parts) != 3 or not isinstance(claims, dict) or not isinstance(header, dict):
        raise _invalid("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    if header.get("alg") != "RS256":
        raise _invalid(f"Unsupported token signing algorithm {header.get('alg')!r}; local AWS accepts RS256")
    issuer = str(claims.get("iss") or "")
    keys = OIDC.keys_for(issuer, header.get("kid"))
    if not keys:
        raise _invalid("Couldn't retrieve verification key from your identity provider,  please reference "
                       "AssumeRoleWithWebIdentity documentation for requirements")
    signed = f"{parts[0]}.{parts[1]}".encode()
    if not any(_verifies(k, signature, signed) for k in keys):
        raise _invalid("The token's signature does not verify with any key registered for its issuer")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, (int, float)):
        raise _invalid("The token has no exp claim")
    if exp <= now:
        raise StsDenied(400, "ExpiredTokenException", f"Token expired: current date/time {int(now)} must be before "
                                                      f"the expiration date/time {int(exp)}")
    if isinstance(nbf, (int, float)) and nbf > now + 60:
        raise _invalid("The token is not valid yet (nbf is in the future)")
    host = issuer[len("https://"):].rstrip("/")
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    provider = _provider(account, host)
    if provider is None:
        raise _invalid(f"No OpenIDConnect provider found in your account for {issuer}")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    audiences = [str(a) for a in audiences if a is not None]
    if not set(audiences) & set(provider.client_id_list or []):
        raise _invalid("Incorrect token audience")
    found = role(account, role_arn) if account else None
    if found is None:
        raise StsDenied(403, "AccessDenied", NOT_AUTHORIZED_WEB)
    keys_ctx = {f"{host}:sub": str(claims.get("sub", "")), f"{host}:aud": audiences,
                "aws:FederatedProvider": provider.arn}
    ctx = Context("sts:AssumeRoleWithWebIdentity", role_arn, keys_ctx, {"Federated": [provider.arn]})
    decision = evaluate(_trust(found), ctx, resource_policy=True)
    who = f"web identity {claims.get('sub')} ({issuer})"
    if not decision.allowed:
        raise StsDenied(403, "AccessDenied", NOT_AUTHORIZED_WEB)
    return who, f"trust: {decision.describe()}"


def _trust(found) -> list:
    return [(f"trust policy of {found.name}", found.assume_role_policy_document)]


def _verifies(key, signature: bytes, signed: bytes) -> bool:
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def _provider(account: str, host: str):
    from moto.iam.models import iam_backends

    if not account:
        return None
    for provider in iam_backends[account]["aws"].open_id_providers.values():
        if provider.url.rstrip("/") == host:
            return provider
    return None


# ---- sts:AssumeRole --------------------------------------------------------------------------------
def assume_role(caller: Principal, role_arn: str, keys: dict, identity) -> str:
    """AWS's rule for a role's trust: a trust statement naming the caller (user ARN, role ARN or session
    ARN) is enough within one account; one naming only the account (id or :root) also needs the caller's
    identity policies to allow sts:AssumeRole on the role (and cross-account callers always do).
    identity: callable(action, resource) -> (effect, message) for the caller's own policies.
    Returns the reason for the log; raises StsDenied with AWS's sentence."""
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    found = role(account, role_arn) if account else None
    refused = f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    if found is None:
        raise StsDenied(403, "AccessDenied", refused)
    root = f"arn:aws:iam::{caller.account}:root"
    direct = [] if caller.kind == "root" else [caller.arn, caller.principal_arn]
    trust = _trust(found)
    by_name = evaluate(trust, Context("sts:AssumeRole", role_arn, keys, {"AWS": direct}), resource_policy=True)
    by_any = evaluate(trust, Context("sts:AssumeRole", role_arn, keys, {"AWS": direct + [root]}), resource_policy=True)
    if by_any.effect == EXPLICIT_DENY:
        message = denial_message(caller.arn, "sts:AssumeRole", role_arn, EXPLICIT_DENY, "resource")
        raise StsDenied(403, "AccessDenied", message)
    if not by_any.allowed:
        raise StsDenied(403, "AccessDenied", refused)
    if caller.kind == "root":
        return f"account root; trust: {by_any.describe()}"
    effect, message = identity("sts:AssumeRole", role_arn)
    if effect == EXPLICIT_DENY:
        raise StsDenied(403, "AccessDenied", message)
    if by_name.allowed and caller.account == account:
        return f"trust names the caller: {by_name.describe()}"
    if effect == ALLOW:
        return f"trust names the account ({by_any.describe()}) and an identity policy allows it"
    raise StsDenied(403, "AccessDenied", message)


def assume_role_as_service(service: str, account: str, role_arn: str, keys: dict, session: str) -> Principal:
    """A service principal (scheduler.amazonaws.com) assuming a customer role, with the confused-deputy keys
    (aws:SourceAccount, aws:SourceArn) in the context. Returns the session's principal; raises StsDenied."""
    refused = f"{service} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    found = role(account, role_arn) if role_arn else None
    if found is None:
        raise StsDenied(403, "AccessDenied", refused + " (the role does not exist)")
    ctx = Context("sts:AssumeRole", role_arn, keys, {"Service": [service]})
    decision = evaluate(_trust(found), ctx, resource_policy=True)
    if not decision.allowed:
        why = "explicitly denies" if decision.effect == EXPLICIT_DENY else "does not allow"
        raise StsDenied(403, "AccessDenied", f"{refused} because the role's trust policy {why} it")
    session = session[:64]
    arn = f"arn:aws:sts::{account}:assumed-role/{found.name}/{session}"
    return Principal("service-role", arn, account, found.arn, name=found.name, user_id=f"{found.id}:{session}")
