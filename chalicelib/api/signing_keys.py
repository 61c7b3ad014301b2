"""The keys that sign JWT API keys: the public JWKS, and rotation by system administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.http import AUTH_NONE, Call, Reply, Router
from chalicelib.api.key_schemas import Jwks, SigningKeyRotated
from chalicelib.config import get_settings
from chalicelib.domain.clock import rfc3339
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import signing_keys
else:  # at first use: see chalicelib.lazy
    signing_keys = lazy_module("chalicelib.services.signing_keys")

router = Router("signing_keys", "signing keys")


@router.route("GET", "/.well-known/jwks.json", response=Jwks, auth=AUTH_NONE)
def jwks(call: Call[None, None]) -> Reply:
    """Every key that signs JWT keys, will sign them, or signed one still valid; public parts only.

    Cache it for `max-age`: a new key is published that long before it signs.
    """
    return Reply(signing_keys.jwks(), headers={"Cache-Control": f"public, max-age={get_settings().jwks_max_age}"})


@router.route("POST", "/v1/admin/signing-keys/rotate", response=SigningKeyRotated, system_admin=True)
def rotate(call: Call[None, None]) -> SigningKeyRotated:
    """Makes a new signing key in KMS (system administrators). It is published at once and
    signs after one JWKS cache lifetime; the old key stays published while its tokens are valid.
    Two rotations at once: one succeeds, the other is 409. A retry with the same
    Idempotency-Key replays the first rotation instead of rotating again."""
    rotation = signing_keys.rotate(call.person.sub)
    return SigningKeyRotated(
        kid=rotation.kid, previous_kid=rotation.previous_kid, signs_from=rfc3339(rotation.signs_from)
    )
