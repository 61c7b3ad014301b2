"""Verifying an API key, as the hot path does it.

The credential's shape picks its kind (`kind_registry.for_credential`); the kind parses it
without I/O; a JWT's signature is checked against the service's own published keys
(cached: no AWS call when warm). Then the key's lookup record: cache, or one strongly
consistent read; misses are cached too, so a flood of made-up but well-formed keys
costs one read per key per TTL. Last, the domain's check chain on the record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from chalicelib import cache
from chalicelib.config import get_settings
from chalicelib.domain import jwt_keys
from chalicelib.domain.clock import now
from chalicelib.domain.kind_registry import for_credential
from chalicelib.domain.verification import (
    INVALID_SIGNATURE,
    MALFORMED,
    NOT_FOUND,
    KeyRecord,
    Verdict,
    check,
)
from chalicelib.store import key_lookup


def read_record(lookup: str) -> KeyRecord | None:
    """One strongly consistent read of a lookup record, cached (a miss too) for the TTL."""
    record = key_lookup.lookup(lookup)
    cache.key_records.put(lookup, record)
    return record


def record_of(handle: str) -> KeyRecord | None:
    """The lookup record of the key whose handle is `handle`: cached, or one read."""
    lookup = key_lookup.lookup_id(handle)
    found, record = cache.key_records.get(lookup)
    return record if found else read_record(lookup)


def verify_key(candidate: str, project_id: str, required: Collection[str] = ()) -> Verdict:
    """The verdict on a bearer credential (opaque or JWT key) for a caller authenticated as `project_id`."""
    kind = for_credential(candidate)
    if kind is None or not kind.bearer:
        return Verdict(MALFORMED)
    presented = kind.parse(candidate)
    if presented is None:
        return Verdict(MALFORMED)
    before_lookup = _BEFORE_LOOKUP.get(kind.name)
    if before_lookup is not None:
        refused = before_lookup(presented, project_id)
        if refused is not None:
            return Verdict(refused)
    return check(record_of(presented.handle), project_id, required, now())


def _refuse_token(token: Any, project_id: str) -> str | None:
    """Why a JWT key is refused before its record is read, or None: a signature the service's
    own keys do not confirm, another issuer, or another project.

    Its `exp` is left to the record, whose expiry is never later (a PATCH only brings it
    forward, a reroll's grace never extends it), so that a revoked and expired key is
    REVOKED, as with every kind.
    """
    from chalicelib.services.signing_keys import verification_key

    assert isinstance(token, jwt_keys.ParsedJwt)
    public_key = verification_key(token.kid)
    if public_key is None or not jwt_keys.signature_valid(token, public_key):
        return INVALID_SIGNATURE
    if token.claims.get("iss") != get_settings().issuer:
        return INVALID_SIGNATURE
    if token.claims.get("aud") != project_id:
        return NOT_FOUND
    return None


# What a kind's credentials must pass before their record is read: a signature, for the self-contained.
_BEFORE_LOOKUP: dict[str, Callable[[Any, str], str | None]] = {"jwt": _refuse_token}
