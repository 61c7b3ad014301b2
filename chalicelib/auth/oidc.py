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

if TYPE_CHECKING:
    from jwt import PyJWK

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
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> PyJWK:
        """The key with this id; raises UnauthenticatedError when the issuer has none."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age
        may_refetch = self._fetched_at is None or now - self._fetched_at > self._refetch_interval
        if stale or (kid not in self._keys and may_refetch):
            self._refresh(now)
        try:
            return self._keys[kid]
        except KeyError:
            raise UnauthenticatedError("the token was signed by an unknown key", token_given=True) from None

    def _refresh(self, now: float) -> None:
        from jwt import PyJWK
        from jwt.exceptions import PyJWKError

        with self._lock:
            try:
                document = self._fetch(self._url)
                keys = {}
                for data in document.get("keys", []):
                    try:
                        jwk = PyJWK(data)
                    except PyJWKError:
                        continue  # a key of a type we cannot use; others may still serve
                    if jwk.key_id:
                        keys[jwk.key_id] = jwk
            except Exception:
                # Keep serving the keys we had: an identity provider's hiccup must not
                # log everybody out. Without any keys, callers get 401 below.
                log.warning("could not fetch the JWKS from %s", self._url, exc_info=True)
                self._fetched_at = now
                return
            self._keys = keys
            self._fetched_at = now


class OidcVerifier:
    """Checks a people's token: signature, algorithm allowlist, issuer, audience, times."""

    def __init__(self, issuer: str, audience: str, jwks: JwksCache, algorithms: tuple[str, ...]) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks = jwks
        self._algorithms = list(algorithms)

    def verify(self, token: str) -> dict[str, Any]:
        import jwt

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
        key = self._jwks.key(kid)
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
