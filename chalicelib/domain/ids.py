"""Identifiers chosen by the service: a type prefix and a time-ordered random part.

The random part follows ULID's layout (48 bits of milliseconds, 80 random bits,
Crockford base32), so ids of one kind sort by creation time; audit events rely on
that to list newest first straight from DynamoDB.

>>> new_id("prj").startswith("prj_")
True
"""

from __future__ import annotations

import os
import re
import threading

from chalicelib.domain.clock import now

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
ID_PATTERN = re.compile(r"^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$")


_last = 0
_lock = threading.Lock()


def new_id(prefix: str, now_ms: int | None = None) -> str:
    """A new id such as `prj_01jd3v8m4q7e2x...`; later calls sort after earlier ones.

    Within one millisecond a process counts up from its last id (ULID's monotonic
    mode), so two audit events of one request keep their order.
    """
    global _last
    ms = int(now() * 1000) if now_ms is None else now_ms
    with _lock:
        value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
        if value >> 80 == _last >> 80 and value <= _last:
            value = _last + 1
        _last = value
    return _encode(prefix, value)


def _encode(prefix: str, value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def derived_id(prefix: str, ms: int, of: str) -> str:
    """The one id of this kind for `of` at millisecond `ms`: the same arguments give the same
    id, so a write conditioned on its absence happens once (a notice sent once per window).

    >>> derived_id("obx", 0, "a") == derived_id("obx", 0, "a") != derived_id("obx", 0, "b")
    True
    """
    import hashlib  # noqa: PLC0415 (rare: notices only)

    random_part = int.from_bytes(hashlib.sha256(of.encode()).digest()[:10], "big")
    return _encode(prefix, (max(ms, 0) << 80) | random_part)


def first_id_at(prefix: str, ms: int) -> str:
    """The smallest id of this kind made at millisecond `ms` (a lower bound for "since" queries)."""
    return _encode(prefix, max(ms, 0) << 80)


def is_id(value: str, prefix: str) -> bool:
    """True when `value` has the shape of an id of this kind (it may still not exist)."""
    return value.startswith(prefix + "_") and ID_PATTERN.fullmatch(value) is not None
