"""Authenticating people: a bearer OIDC token in, a Principal out."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chalicelib.auth.local_issuer import LOCAL_ISSUER, local_issuer
from chalicelib.auth.oidc import JwksCache, OidcVerifier
from chalicelib.config import Settings
from chalicelib.domain.principal import Principal
from chalicelib.errors import UnauthenticatedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import jwt
else:  # at the first person's token: see chalicelib.lazy
    jwt = lazy_module("jwt")

_MAX_TOKEN_LENGTH = 16_384
_verifiers: dict[tuple[Any, ...], OidcVerifier] = {}
_verifiers_lock = threading.Lock()


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise UnauthenticatedError("send Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise UnauthenticatedError("use the Bearer scheme", token_given=True)
    if len(token) > _MAX_TOKEN_LENGTH or not token.isascii():
        raise UnauthenticatedError("the bearer token is not valid", token_given=True)
    return token


def _oidc_verifier(settings: Settings) -> OidcVerifier | None:
    if not (settings.oidc_issuer and settings.oidc_jwks_url):
        return None
    cache_key = (settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url, settings.oidc_algorithms)
    with _verifiers_lock:
        verifier = _verifiers.get(cache_key)
        if verifier is None:
            jwks = JwksCache(settings.oidc_jwks_url)
            verifier = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, jwks, settings.oidc_algorithms)
            _verifiers[cache_key] = verifier
        return verifier


def _unverified_issuer(token: str) -> Any:
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None


def authenticate_person(authorization: str | None, settings: Settings) -> Principal:
    """The person a request's bearer token vouches for; raises UnauthenticatedError."""
    token = bearer_token(authorization)
    if token.startswith("kws_"):
        raise UnauthenticatedError("a service key authenticates only the verification endpoints", token_given=True)
    # The local issuer is trusted in the local stage and nowhere else.
    if settings.is_local and _unverified_issuer(token) == LOCAL_ISSUER:
        claims = local_issuer(settings.oidc_audience).verify(token)
    else:
        verifier = _oidc_verifier(settings)
        if verifier is None:
            raise UnauthenticatedError("no identity provider is configured for this stage", token_given=True)
        claims = verifier.verify(token)
    return Principal.from_claims(claims, settings.admin_group)
