"""Verifying an API key, as the hot path does it.

The credential's shape picks its kind (`kind_registry.for_credential`); the kind parses
it without I/O, then refuses what it can before any read (an HMAC token, which is no
bearer credential; a JWT whose signature the service's own published keys do not
confirm: they are cached, so no AWS call when warm). Then
the key's lookup record: cache, or one strongly consistent read; misses are cached too,
so a flood of made-up but well-formed keys costs one read per key per TTL. Last, the
domain's check chain on the record.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib import cache
from chalicelib.config import get_settings
from chalicelib.domain.clock import now
from chalicelib.domain.kind_registry import for_credential
from chalicelib.domain.permission_query import Query
from chalicelib.domain.verification import MALFORMED, KeyRecord, Verdict, check
from chalicelib.lazy import lazy_module
from chalicelib.store import key_lookup

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

    from chalicelib.services import metering, signing_keys
else:
    # Imported at the first JWT key, so that opaque keys' verification never pays for it.
    signing_keys = lazy_module("chalicelib.services.signing_keys")
    # At the first key with limits: a key without them never writes, nor loads the meters.
    metering = lazy_module("chalicelib.services.metering")


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


class _ServiceKeyring:
    """The service's issuer and its own signing keys, as the kinds' checks ask for them."""

    @property
    def issuer(self) -> str:
        return get_settings().issuer

    @property
    def key_prefixes(self) -> tuple[str, ...]:
        # The deployment's, and the default one: keys issued before a change of prefix still work.
        return _prefixes(get_settings().key_prefix)

    def verification_key(self, kid: str) -> EllipticCurvePublicKey | None:
        return signing_keys.verification_key(kid)


@lru_cache(maxsize=4)
def _prefixes(prefix: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((f"{prefix}_", "kw_")))


_KEYRING = _ServiceKeyring()


def verify_key(
    candidate: str, project_id: str, required: Collection[str] | Query = (), client_ip: str | None = None
) -> Verdict:
    """The verdict on a bearer credential (opaque or JWT key) for a caller authenticated as
    `project_id`, used from `client_ip` (None: not said)."""
    kind = for_credential(candidate)
    presented = kind.parse(candidate) if kind is not None else None
    if kind is None or presented is None:
        return Verdict(MALFORMED)
    refused = kind.refusal_before_lookup(presented, project_id, _KEYRING)
    if refused is not None:
        return Verdict(refused)
    return check(record_of(presented.handle), project_id, required, now(), client_ip)


def leaked_handle(candidate: str) -> str | None:
    """The handle of the key `candidate` is, if it is a secret of ours that can leak: an opaque
    key with a checksum that holds and one of this deployment's prefixes, or a JWT key the
    service signed. Nothing is read: a leak report's tokens that fail this are dropped without
    a read. (A key id is no secret: a JWT the service did not sign must not name one. An HMAC
    key's token is no secret either: every signed request carries it, so anyone who saw one
    could revoke the key by reporting it; its secret, which never travels, is what would leak.)"""
    kind = for_credential(candidate)
    presented = kind.parse(candidate) if kind is not None else None
    if kind is None or presented is None or kind.name not in ("opaque", "jwt"):
        return None
    # Any project's key may be reported: what must hold is a JWT key's signature and issuer, an
    # opaque key's prefix.
    audience = str(presented.claims.get("aud")) if kind.name == "jwt" else ""
    if kind.refusal_before_lookup(presented, audience, _KEYRING) is not None:
        return None
    handle: str = presented.handle
    return handle


def charged(verdict: Verdict, requested: Sequence[tuple[str, int]] | None = None, cost: int = 1) -> Verdict:
    """The verdict once the key's limits are charged (the last checks: rate limits, then
    credits); a key without limits, or a refused verdict, as it is: nothing is charged for a
    request refused before the limits."""
    record = verdict.record
    if record is None or not verdict.valid or (not record.metered and not requested):
        # A key without limits charges nothing; one asked for limits by name is told it has none.
        return verdict
    return metering.charge(verdict, requested, cost, now())
