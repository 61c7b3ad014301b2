"""Which key signs JWT keys now, which keys the JWKS publishes, and rotation.

The keys form a chain (store.signing_keys). A rotation adds a key that is published at
once but signs only after one JWKS cache lifetime (`KEYWARDEN_JWKS_MAX_AGE`), so every
verifier that caches the JWKS by its max-age already knows it when the first token it
signed arrives. A key stays published while a token it signed can still be valid.

The chain is read at most once per `KEYWARDEN_CACHE_TTL` per process (and again at once
when a token names a kid this process has not seen, at most once a second), so a warm
verification makes no AWS call.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from chalicelib.cache import TtlCache
from chalicelib.config import get_settings
from chalicelib.crypto import jwt_signing
from chalicelib.domain.clock import now
from chalicelib.domain.jwt_keys import ALGORITHM
from chalicelib.resets import on_reset
from chalicelib.store import signing_keys
from chalicelib.store.signing_models import SigningKeyModel

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

_UNKNOWN_KID_REFRESH_SECONDS = 1.0


class SigningKey(Struct, frozen=True):
    kid: str
    kms_key_id: str
    jwk: dict[str, str]
    signs_from: float
    successor: str | None
    valid_until: float | None
    signs_forever: bool


class Rotation(Struct, frozen=True):
    kid: str
    previous_kid: str
    signs_from: float


def _ttl() -> float:
    return get_settings().cache_ttl


# The chain, read at most once per TTL; `_last_read` bounds the re-reads an unknown kid causes.
_chain: TtlCache[str, dict[str, SigningKey]] = TtlCache(max_entries=1, ttl=_ttl)
_last_read = -math.inf
_public_keys: dict[str, EllipticCurvePublicKey] = {}
# The horizon this process knows each key covers already, so issuing does not write every time.
_covered: dict[str, float] = {}


@on_reset
def _forget() -> None:
    global _last_read
    _chain.clear()
    _last_read = -math.inf
    _public_keys.clear()
    _covered.clear()


def _of(item: SigningKeyModel) -> SigningKey:
    return SigningKey(
        kid=item.kid,
        kms_key_id=item.kms_key_id,
        jwk={str(k): str(v) for k, v in dict(item.public_jwk).items()},
        signs_from=float(item.signs_from),
        successor=item.successor,
        valid_until=float(item.valid_until) if item.valid_until is not None else None,
        signs_forever=bool(item.signs_forever),
    )


def _read() -> dict[str, SigningKey]:
    keys = {item.kid: _of(item) for item in signing_keys.all_signing_keys()}
    if not keys:
        # A fresh deployment: its own KMS key (the alias) starts the chain.
        kms_key_id, kid, jwk = jwt_signing.public_jwk(jwt_signing.configured_key())
        signing_keys.add_first(kid, kms_key_id, jwk, now())
        keys = {item.kid: _of(item) for item in signing_keys.all_signing_keys()}
    return keys


def _keys(*, fresh: bool = False, unknown_kid: bool = False) -> dict[str, SigningKey]:
    global _last_read
    if not fresh:
        _, keys = _chain.get("chain")
        if keys is not None and not (unknown_kid and time.monotonic() - _last_read >= _UNKNOWN_KID_REFRESH_SECONDS):
            return keys
    keys = _read()
    _last_read = time.monotonic()
    _chain.put("chain", keys)
    return keys


def _head(keys: dict[str, SigningKey]) -> SigningKey:
    heads = [k for k in keys.values() if k.successor is None]
    # One head in a chain; should a write ever leave two, the latest to sign is the head.
    return max(heads, key=lambda k: k.signs_from)


def _signing(keys: dict[str, SigningKey], at: float) -> SigningKey:
    predecessor = {k.successor: k for k in keys.values() if k.successor is not None}
    key = _head(keys)
    while key.signs_from > at and key.kid in predecessor:
        key = predecessor[key.kid]
    return key


def _is_published(key: SigningKey, signer: SigningKey, at: float) -> bool:
    return (
        key.kid == signer.kid
        or key.signs_from > at  # next to sign: published before it does
        or key.signs_forever
        or (key.valid_until is not None and key.valid_until > at)
    )


def published(at: float | None = None) -> list[dict[str, str]]:
    """The JWKS's keys: every key that signs, will sign, or signed a token still valid."""
    at = now() if at is None else at
    keys = _keys()
    signer = _signing(keys, at)
    return [
        {**key.jwk, "kid": key.kid, "alg": ALGORITHM, "use": "sig"}
        for key in sorted(keys.values(), key=lambda k: k.signs_from)
        if _is_published(key, signer, at)
    ]


def verification_key(kid: str) -> EllipticCurvePublicKey | None:
    """The public key of `kid` when it is one of the service's own signing keys (every one
    of them was published), else None. Never a key the token itself names or links to.

    A key no longer published still checks its old tokens, so an expired one is told
    EXPIRED by its record rather than INVALID_SIGNATURE.
    """
    keys = _keys()
    if kid not in keys:
        keys = _keys(unknown_kid=True)
    key = keys.get(kid)
    if key is None:
        return None
    public = _public_keys.get(kid)
    if public is None:
        public = _public_keys[kid] = jwt_signing.public_key_of(key.jwk)
    return public


class CoveringSigner:
    """The signer of new JWT keys (a `key_kinds.Signer`): before each signature it makes sure
    its key stays published for as long as the token is valid."""

    def __init__(self, key: SigningKey) -> None:
        self.kid = key.kid
        self._kms = jwt_signing.KmsSigner(key.kid, key.kms_key_id)

    def _cover(self, valid_until: float | None) -> None:
        horizon = math.inf if valid_until is None else valid_until
        if _covered.get(self.kid, -math.inf) >= horizon:
            return
        signing_keys.cover(self.kid, valid_until)
        _covered[self.kid] = horizon

    def sign(self, message: bytes, valid_until: float | None) -> bytes:
        # Published for as long as the token is valid, before the token exists.
        self._cover(valid_until)
        return self._kms.sign(message)


def signer() -> CoveringSigner:
    """The signer of tokens issued now."""
    return CoveringSigner(_signing(_keys(), now()))


def rotate(actor: str) -> Rotation:
    """Adds a new KMS key after the chain's head; it signs after one JWKS cache lifetime."""
    keys = _keys(fresh=True)
    head = _head(keys)
    kms_key_id = jwt_signing.create_key()
    try:
        arn, kid, jwk = jwt_signing.public_jwk_of_new_key(kms_key_id)
        settings = get_settings()
        # Published now, signing once every JWKS a verifier may have cached lists it: the JWKS's
        # max-age, plus the time other processes may serve their cached chain without it.
        signs_from = now() + settings.jwks_max_age + settings.cache_ttl
        item = SigningKeyModel.get(head.kid, consistent_read=True)
        signing_keys.add_successor(item, kid, arn, jwk, signs_from, actor)
    except BaseException:
        # Lost a race, or failed: a key that never signed is of no use to anyone.
        jwt_signing.discard_key(kms_key_id)
        raise
    _keys(fresh=True)
    return Rotation(kid=kid, previous_kid=head.kid, signs_from=signs_from)


def jwks() -> dict[str, Any]:
    return {"keys": published()}
