"""Web-identity tokens for tests, the way a Kubernetes API server issues them for IRSA: an RS256 JWT
whose iss is the cluster's issuer, sub "system:serviceaccount:NS:NAME", aud "sts.amazonaws.com".

Library: new_key(), register(endpoint, issuer, key, kid), sign(key, issuer, sub, ...).
CLI (registers a fresh key with a running local AWS and prints a token on stdout):
  python -m localaws.oidc_token --endpoint http://127.0.0.1:PORT --sub system:serviceaccount:NS:NAME \
      [--issuer https://kubernetes.default.svc] [--aud sts.amazonaws.com] [--ttl 3600] [--key-out FILE]
"""

import argparse
import base64
import json
import sys
import time
import urllib.request
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DEFAULT_ISSUER = "https://kubernetes.default.svc"
DEFAULT_AUDIENCE = "sts.amazonaws.com"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def register(endpoint: str, issuer: str, key: rsa.RSAPrivateKey, kid: str | None = None) -> dict:
    """POST /_localaws/iam/oidc: local AWS verifies tokens of this issuer with this key from now on."""
    body = json.dumps({"issuer": issuer, "publicKeyPem": public_pem(key), "kid": kid}).encode()
    req = urllib.request.Request(f"{endpoint.rstrip('/')}/_localaws/iam/oidc", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key: rsa.RSAPrivateKey, issuer: str, sub: str, aud=DEFAULT_AUDIENCE, ttl: float = 3600,
         kid: str | None = None, now: float | None = None, **claims) -> str:
    issued = int(now if now is not None else time.time())
    header = {"alg": "RS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    payload = {"iss": issuer, "sub": sub, "aud": aud, "iat": issued, "nbf": issued, "exp": int(issued + ttl),
               "jti": str(uuid.uuid4()), **claims}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="oidc_token", description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--sub", required=True, help="e.g. system:serviceaccount:regional-failover:regional-failover")
    p.add_argument("--issuer", default=DEFAULT_ISSUER)
    p.add_argument("--aud", default=DEFAULT_AUDIENCE)
    p.add_argument("--ttl", type=float, default=3600)
    p.add_argument("--key-out", help="also write the private key (PEM) here, to sign more tokens later")
    args = p.parse_args(argv)
    key = new_key()
    register(args.endpoint, args.issuer, key)
    if args.key_out:
        with open(args.key_out, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    print(sign(key, args.issuer, args.sub, args.aud, args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
