"""Verifying an API key, as the hot path does it.

format (no I/O) → cache → one strongly consistent read of the lookup item → the
domain's check chain. Misses are cached too, so a flood of made-up but well-formed
keys costs one read per key per TTL, not one per request.
"""

from __future__ import annotations

from collections.abc import Collection

from chalicelib import cache
from chalicelib.domain import opaque_keys
from chalicelib.domain.clock import now
from chalicelib.domain.verification import MALFORMED, Verdict, check
from chalicelib.store import keys
from chalicelib.store.pepper import digest


def verify_key(candidate: str, project_id: str, required: Collection[str] = ()) -> Verdict:
    """The verdict on `candidate` for a caller authenticated as `project_id`."""
    key = opaque_keys.parse(candidate)
    if key is None:
        return Verdict(MALFORMED)
    key_digest = digest(key)
    found, record = cache.key_records.get(key_digest)
    if not found:
        record = keys.lookup(key_digest)
        cache.key_records.put(key_digest, record)
    return check(record, project_id, required, now())
