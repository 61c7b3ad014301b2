"""Verifying an API key, as the hot path does it.

The credential's shape picks its kind (`key_kinds.for_credential`); the kind parses it
without I/O; a JWT's signature is checked against the service's own published keys
(cached: no AWS call when warm). Then the key's lookup record: cache, or one strongly
consistent read; misses are cached too, so a flood of made-up but well-formed keys
costs one read per key per TTL. Last, the domain's check chain on the record.
"""

from __future__ import annotations

from collections.abc import Collection

from chalicelib import cache
from chalicelib.config import get_settings
from chalicelib.domain import jwt_keys
from chalicelib.domain.clock import now
from chalicelib.domain.key_kinds import for_credential
from chalicelib.domain.verification import (
    EXPIRED,
    INVALID_SIGNATURE,
    MALFORMED,
    NOT_FOUND,
    KeyRecord,
    Verdict,
    check,
)
from chalicelib.store import key_lookup

# Kinds a bearer credential may be: an HMAC key's token proves nothing without a signature.
_BEARER_KINDS = frozenset({"opaque", "jwt"})


def record_of(handle: str) -> KeyRecord | None:
    """The lookup record of the key whose handle is `handle`: cached, or one read."""
    lookup = key_lookup.lookup_id(handle)
    found, record = cache.key_records.get(lookup)
    if not found:
        record = key_lookup.lookup(lookup)
        cache.key_records.put(lookup, record)
    return record


def verify_key(candidate: str, project_id: str, required: Collection[str] = ()) -> Verdict:
    """The verdict on a bearer credential (opaque or JWT key) for a caller authenticated as `project_id`."""
    kind = for_credential(candidate)
    if kind is None or kind.name not in _BEARER_KINDS:
        return Verdict(MALFORMED)
    presented = kind.parse(candidate)
    if presented is None:
        return Verdict(MALFORMED)
    at = now()
    if isinstance(presented, jwt_keys.ParsedJwt):
        refused = _refuse_token(presented, project_id)
        if refused is not None:
            return Verdict(refused)
    verdict = check(record_of(presented.handle), project_id, required, at)
    if verdict.valid and isinstance(presented, jwt_keys.ParsedJwt):
        exp = presented.claims.get("exp")
        if exp is not None and exp <= at:
            # The record says when the key expires, and never later than the token does.
            return Verdict(EXPIRED, verdict.record)
    return verdict


def _refuse_token(token: jwt_keys.ParsedJwt, project_id: str) -> str | None:
    """Why a JWT key is refused before its record is read, or None: a signature the service's
    own published keys do not confirm, another issuer, or another project."""
    from chalicelib.services.signing_keys import verification_key

    public_key = verification_key(token.kid)
    if public_key is None or not jwt_keys.signature_valid(token, public_key):
        return INVALID_SIGNATURE
    if token.claims.get("iss") != get_settings().issuer:
        return INVALID_SIGNATURE
    if token.claims.get("aud") != project_id:
        return NOT_FOUND
    return None
