"""Verifying people's OIDC access tokens against an issuer's JWKS.

PyJWT does the cryptography and the claim checks. The JWKS is fetched over HTTPS
and cached: a token with an unknown `kid` may refetch it, but at most once per
`refetch_interval`, so made-up kids cannot turn into a flood of requests to the
identity provider.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.errors import UnauthenticatedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    import jwt
    from jwt import PyJWK
    from jwt import exceptions as jwt_exceptions
else:  # at the first person's token: see chalicelib.lazy
    jwt = lazy_module("jwt")
    jwt_exceptions = lazy_module("jwt.exceptions")

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 60


def fetch_json(url: str, timeout: float = 3.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (URL is operator config)
        return json.loads(response.read(1_000_000))


class JwksCache:
    """The signing keys of one issuer, by `kid`, refreshed every `max_age` seconds."""

    def __init__(
        self,
        url: str,
        *,
        max_age: float = 600.0,
        refetch_interval: float = 30.0,
        fetch: Callable[[str], Any] = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._max_age = max_age
        self._refetch_interval = refetch_interval
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._loaded: dict[tuple[str, str], PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str, alg: str) -> PyJWK:
        """The key with this id, for `alg`; raises UnauthenticatedError when the issuer has none.

        A JWK's `alg` is optional (RFC 7517); without it the key serves whichever allowed
        algorithm the token names, so that e.g. PS256 works with an RSA key as well as RS256.
        """
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age
        may_refetch = self._fetched_at is None or now - self._fetched_at > self._refetch_interval
        if stale or (kid not in self._keys and may_refetch):
            self._refresh(now)
        data = self._keys.get(kid)
        if data is None:
            raise UnauthenticatedError("the token was signed by an unknown key", token_given=True)
        if data.get("alg") not in (None, alg):
            raise UnauthenticatedError("the token's algorithm does not match its key", token_given=True)
        loaded = self._loaded.get((kid, alg))
        if loaded is None:
            try:
                loaded = jwt.PyJWK(data, algorithm=alg)
            except (jwt_exceptions.PyJWKError, jwt_exceptions.InvalidKeyError):
                raise UnauthenticatedError("the token's key cannot verify that algorithm", token_given=True) from None
            self._loaded[(kid, alg)] = loaded
        return loaded

    def _refresh(self, now: float) -> None:
        with self._lock:
            try:
                document = self._fetch(self._url)
                keys = {}
                for data in document.get("keys", []):
                    if not isinstance(data, dict) or not isinstance(data.get("kid"), str):
                        continue
                    try:
                        jwt.PyJWK(data)  # only keys we can load at all are kept
                    except (jwt_exceptions.PyJWKError, jwt_exceptions.InvalidKeyError):
                        continue  # a key of a type we cannot use; others may still serve
                    keys[data["kid"]] = data
            except Exception:
                # Keep serving the keys we had: an identity provider's hiccup must not
                # log everybody out. Without any keys, callers get 401 below.
                log.warning("could not fetch the JWKS from %s", self._url, exc_info=True)
                self._fetched_at = now
                return
            self._keys = keys
            self._loaded = {}
            self._fetched_at = now


class OidcVerifier:
    """Checks a people's token: signature, algorithm allowlist, issuer, audience, times."""

    def __init__(self, issuer: str, audience: str, jwks: JwksCache, algorithms: tuple[str, ...]) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks = jwks
        self._algorithms = list(algorithms)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise UnauthenticatedError("the bearer token is not a JWT", token_given=True) from None
        alg, kid = header.get("alg"), header.get("kid")
        # `none` and anything else outside the allowlist never reach signature checks.
        if alg not in self._algorithms:
            raise UnauthenticatedError("the token's algorithm is not accepted", token_given=True)
        if not isinstance(kid, str):
            raise UnauthenticatedError("the token names no signing key", token_given=True)
        key = self._jwks.key(kid, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise UnauthenticatedError(f"the token is not valid: {error}", token_given=True) from None
        return claims
