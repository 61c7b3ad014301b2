"""The answer to "may this request go on?", as the SDK gives it, and its errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from keywarden._ip_allowlist import Network, parse_networks

# One permission's rule lives with the queries, which match each of their terms by it.
from keywarden._query import Permissions, holds, requirement_of

VALID = "VALID"
MALFORMED = "MALFORMED"
NOT_FOUND = "NOT_FOUND"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
# A key switched off (it verifies again once enabled), and a key used from outside its IP allowlist.
DISABLED = "DISABLED"
IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
INSUFFICIENT_PERMISSIONS = "INSUFFICIENT_PERMISSIONS"
OWNER_NOT_PERMITTED = "OWNER_NOT_PERMITTED"
INVALID_SIGNATURE = "INVALID_SIGNATURE"
STALE_REQUEST = "STALE_REQUEST"
REPLAYED = "REPLAYED"
RATE_LIMITED = "RATE_LIMITED"
USAGE_EXCEEDED = "USAGE_EXCEEDED"


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """One rate limit after this verification: what its window still accepts, and when it resets."""

    name: str
    limit: int
    remaining: int
    reset_at: datetime


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on a key (or an HMAC-signed request): `valid`, and `code` saying why not.

    The fields are the service's `/v1/keys/verify` answer; `expires_at` is an aware datetime.
    `offline` is True when the answer was reached without a call to the service.
    """

    valid: bool
    code: str
    key_id: str | None = None
    project_id: str | None = None
    owner_id: str | None = None
    role_id: str | None = None
    permissions: tuple[str, ...] = ()
    expires_at: datetime | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    offline: bool = False
    # Of keys with limits: what they have left; `reset_at` when RATE_LIMITED.
    ratelimits: tuple[RateLimitState, ...] = ()
    credits_remaining: int | None = None
    reset_at: datetime | None = None
    # The identity (the platform's customer) the key belongs to: {id, external_id, meta}.
    identity: Mapping[str, Any] | None = None
    # The key's IP allowlist (CIDRs), when it has one: a kept answer is judged again for each
    # request's client address. `ip_networks` is the same list parsed, once per answer (leave
    # it out: it is filled in from `ip_allowlist`, and `replace` carries it over).
    ip_allowlist: tuple[str, ...] = ()
    ip_networks: tuple[Network, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.ip_allowlist and not self.ip_networks:
            object.__setattr__(self, "ip_networks", parse_networks(self.ip_allowlist))

    @property
    def metered(self) -> bool:
        """Whether the service charged this use to limits: such an answer is never kept or
        repeated offline, since each use must be charged."""
        return (
            bool(self.ratelimits) or self.credits_remaining is not None or self.code in (RATE_LIMITED, USAGE_EXCEEDED)
        )

    def holds(self, permission: str) -> bool:
        """Whether the key may do `permission` (a granted `orders:*` covers `orders:read`)."""
        return holds(self.permissions, permission)

    def requiring(self, permissions: Permissions) -> Verification:
        """This verdict for a request that needs `permissions`: a query such as
        `"orders:read AND (orders:write OR admin)"`, or every one of a collection.

        Raises `ValueError` (`keywarden._query.QueryError`) for a malformed query, even on a
        verdict that is already a refusal: that is a bug in the caller, not in the key.
        """
        requirement = requirement_of(permissions)
        if not self.valid or requirement.evaluate(self.permissions):
            return self
        return replace(self, valid=False, code=INSUFFICIENT_PERMISSIONS)

    @classmethod
    def from_service(cls, body: Mapping[str, Any]) -> Verification:
        expires = body.get("expires_at")
        return cls(
            valid=bool(body.get("valid")),
            code=str(body.get("code", MALFORMED)),
            key_id=body.get("key_id"),
            project_id=body.get("project_id"),
            owner_id=body.get("owner_id"),
            role_id=body.get("role_id"),
            permissions=tuple(body.get("permissions") or ()),
            expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
            meta=dict(body.get("meta") or {}),
            ratelimits=tuple(
                RateLimitState(r["name"], r["limit"], r["remaining"], datetime.fromisoformat(r["reset_at"]))
                for r in body.get("ratelimits") or ()
            ),
            credits_remaining=(body.get("credits") or {}).get("remaining"),
            reset_at=datetime.fromisoformat(body["reset_at"]) if isinstance(body.get("reset_at"), str) else None,
            identity=body.get("identity"),
            ip_allowlist=tuple(body.get("ip_allowlist") or ()),
        )


def refused(code: str) -> Verification:
    return Verification(valid=False, code=code)


class KeywardenError(Exception):
    """The SDK could not reach a verdict: the service is unreachable, refused the service key,
    or answered something unexpected. Resource servers should answer 503, not let the request in."""
