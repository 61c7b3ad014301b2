"""The local stage's own identity provider, so that `make dev` needs no real one.

It signs ES256 tokens with a key made when the process starts; only the local stage
trusts it (see chalicelib.auth.people). Its public key is published at
`GET /v1/dev/jwks.json` so a resource server can be tried against it too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.errors import UnauthenticatedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt import algorithms as jwt_algorithms
else:  # the local stage's logins only: see chalicelib.lazy
    jwt = lazy_module("jwt")
    jwt_algorithms = lazy_module("jwt.algorithms")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")

LOCAL_ISSUER = "urn:keywarden:local-issuer"
TOKEN_LIFETIME_SECONDS = 3600


class LocalIssuer:
    """An ES256 token issuer whose key lives only in this process."""

    def __init__(self, audience: str) -> None:
        self.audience = audience
        self._private_key = ec.generate_private_key(ec.SECP256R1())

    @cached_property
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt_algorithms.ECAlgorithm.to_jwk(self._private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": "ES256", "use": "sig"})
        return jwk

    @cached_property
    def kid(self) -> str:
        return _thumbprint(jwt_algorithms.ECAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True))

    def issue(self, sub: str, groups: list[str], auth_age_seconds: int = 0) -> str:
        """A token for `sub`, whose login happened `auth_age_seconds` ago."""
        now = int(clock.now())
        claims = {
            "iss": LOCAL_ISSUER,
            "aud": self.audience,
            "sub": sub,
            "groups": groups,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "auth_time": now - auth_age_seconds,
        }
        return jwt.encode(claims, self._private_key, algorithm="ES256", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=self._private_key.public_key(),
                algorithms=["ES256"],
                audience=self.audience,
                issuer=LOCAL_ISSUER,
                leeway=60,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise UnauthenticatedError(f"the token is not valid: {error}", token_given=True) from None
        return claims


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC public key."""
    members = {name: public_jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


_issuer: LocalIssuer | None = None
_issuer_lock = threading.Lock()


def local_issuer(audience: str) -> LocalIssuer:
    """The process's local issuer, made on first use."""
    global _issuer
    with _issuer_lock:
        if _issuer is None or _issuer.audience != audience:
            _issuer = LocalIssuer(audience)
        return _issuer
