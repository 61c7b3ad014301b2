"""Verifying an API key against what the service knows of it: a chain of small checks.

Each check looks at one thing and says the failure code, or None to let the next one
look (format → exists → revoked → expired → enabled → IP → owner right → permissions,
then the limits, charged by the service); the first
failure is the answer, and later checks do not run. The format check happens before
any read (see `key_kinds`); the rest work on a `KeyRecord`, which is what one
read of the key's lookup item gives.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from chalicelib.domain.limits import NO_LIMITS, Limits, Metered

# Of a key with limits, after every other check passed (see `domain.limits`):
from chalicelib.domain.limits import RATE_LIMITED as RATE_LIMITED
from chalicelib.domain.limits import USAGE_EXCEEDED as USAGE_EXCEEDED

# One permission's rule, in its own module so that permission queries can use it too.
from chalicelib.domain.permissions import holds as holds
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import ip_allowlist
    from chalicelib.domain.permission_query import Query
else:
    # At the first key with an allowlist: keys without one never load it.
    ip_allowlist = lazy_module("chalicelib.domain.ip_allowlist")

VALID = "VALID"
MALFORMED = "MALFORMED"
NOT_FOUND = "NOT_FOUND"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
DISABLED = "DISABLED"
IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
INSUFFICIENT_PERMISSIONS = "INSUFFICIENT_PERMISSIONS"
OWNER_NOT_PERMITTED = "OWNER_NOT_PERMITTED"
# Of a signed credential (a JWT key, an HMAC-signed request):
INVALID_SIGNATURE = "INVALID_SIGNATURE"
STALE_REQUEST = "STALE_REQUEST"
REPLAYED = "REPLAYED"


class IdentityRef(Struct, frozen=True):
    """The identity a key belongs to, as verification answers name it, with its shared limits."""

    id: str
    external_id: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = NO_LIMITS


class KeyRecord(Struct, frozen=True):
    """What verification needs to know of one key."""

    key_id: str
    project_id: str
    owner_id: str | None  # None: an identity's key
    role_id: str
    permissions: tuple[str, ...]
    expires_at: float | None
    revoked_at: float | None
    owner_permitted: bool
    meta: Mapping[str, Any] = field(default_factory=dict)
    # An HMAC key's secret, still sealed: opened only to check a signature.
    sealed_secret: str | None = None
    # When the key was issued (seconds); None for keys issued before the record had it.
    issued_at: float | None = None
    # The key's own rate limits and credit policy, and its identity's (None: a member's key).
    limits: Limits = NO_LIMITS
    identity: IdentityRef | None = None
    # Disabled by its project (reversible, unlike a revocation).
    disabled: bool = False
    # The networks it may be used from (normalized CIDRs, `domain.ip_allowlist`); empty: anywhere.
    ip_allowlist: tuple[str, ...] = ()

    @property
    def metered(self) -> bool:
        """Whether verifying the key charges something (and so can never be answered from a cache)."""
        return not self.limits.empty or (self.identity is not None and not self.identity.limits.empty)


class Verdict(Struct, frozen=True):
    code: str
    record: KeyRecord | None = None
    # What the key's limits say after this verification (keys with limits only).
    metered: Metered | None = None

    @property
    def valid(self) -> bool:
        return self.code == VALID


class _Request(Struct, frozen=True):
    record: KeyRecord | None
    project_id: str
    # Every one of a list, or a query (`domain.permission_query`, parsed by the caller).
    required: tuple[str, ...] | Query
    now: float
    client_ip: str | None


def _exists(r: _Request) -> str | None:
    # A key of another project is NOT_FOUND, exactly like a missing one.
    return NOT_FOUND if r.record is None or r.record.project_id != r.project_id else None


def _not_revoked(r: _Request) -> str | None:
    assert r.record is not None
    return REVOKED if r.record.revoked_at is not None and r.record.revoked_at <= r.now else None


def _not_expired(r: _Request) -> str | None:
    assert r.record is not None
    return EXPIRED if r.record.expires_at is not None and r.record.expires_at <= r.now else None


def _enabled(r: _Request) -> str | None:
    assert r.record is not None
    return DISABLED if r.record.disabled else None


def _ip_allowed(r: _Request) -> str | None:
    assert r.record is not None
    allowlist = r.record.ip_allowlist
    return None if not allowlist or ip_allowlist.allows(allowlist, r.client_ip) else IP_NOT_ALLOWED


def _owner_permitted(r: _Request) -> str | None:
    assert r.record is not None
    return None if r.record.owner_permitted else OWNER_NOT_PERMITTED


def _has_permissions(r: _Request) -> str | None:
    assert r.record is not None
    granted = r.record.permissions
    required = r.required
    if isinstance(required, tuple):
        # The common case, a short list, without a query's tree.
        return None if all(holds(granted, wanted) for wanted in required) else INSUFFICIENT_PERMISSIONS
    return None if required.evaluate(granted) else INSUFFICIENT_PERMISSIONS


CHAIN: tuple[Callable[[_Request], str | None], ...] = (
    _exists,
    _not_revoked,
    _not_expired,
    _enabled,
    _ip_allowed,
    _owner_permitted,
    _has_permissions,
)


def check(
    record: KeyRecord | None,
    project_id: str,
    required: Collection[str] | Query,
    now: float,
    client_ip: str | None = None,
) -> Verdict:
    """The verdict on a well-formed key whose lookup gave `record` (None: no such key), used
    from `client_ip` (None: not said), for a request that needs every one of `required` or
    satisfies its query."""
    wanted = tuple(required) if isinstance(required, Collection) else required
    request = _Request(record, project_id, wanted, now, client_ip)
    for step in CHAIN:
        code = step(request)
        if code is not None:
            return Verdict(code, record if code != NOT_FOUND else None)
    return Verdict(VALID, record)
