"""Shapes of API keys and the keys that sign JWT keys (verification's are `verify_schemas`).

Split from `schemas` by feature; the shared field types (names, permissions, times)
live there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.limit_schemas import (
    CreditsSpec,
    CreditsUpdate,
    CreditsView,
    RateLimits,
    RateLimitSpec,
)
from chalicelib.api.schemas import (
    Body,
    Description,
    FutureTime,
    GraceSeconds,
    Name,
    Timestamp,
    UserId,
)

KeyTypeName = Literal["opaque", "jwt", "hmac"]
KeyStatus = Literal["active", "disabled", "expired", "revoked"]
IpAllowlist = Annotated[
    list[Annotated[str, Meta(max_length=64, examples=["203.0.113.0/24"])]],
    Meta(
        max_length=100,
        description="IPv4 and IPv6 addresses or CIDRs the key may be used from (verification's `client_ip`); "
        "[]: anywhere. Written in canonical form; a CIDR with host bits set is refused",
    ),
]
KeyMeta = Annotated[dict[str, Any], Meta(max_length=50, description="free-form JSON object, at most 4 KiB encoded")]


class KeyCreate(Body):
    name: Name
    type: KeyTypeName
    role_id: Annotated[str, Meta(min_length=1, max_length=64)]
    owner_id: Annotated[UserId, Meta(description="default: the caller; not with identity_id")] | UnsetType = UNSET
    identity_id: (
        Annotated[str, Meta(min_length=1, max_length=64, description="an identity's key instead of a member's")]
        | UnsetType
    ) = UNSET
    description: Description = ""
    expires_at: Annotated[FutureTime, Meta(description="RFC 3339, in the future; not with ttl_seconds")] | UnsetType = (
        UNSET
    )
    ttl_seconds: Annotated[int, Meta(ge=1, le=315_360_000)] | UnsetType = UNSET
    meta: KeyMeta = {}
    ratelimits: RateLimits = []
    credits: Annotated[CreditsSpec | None, Meta(description="null: unlimited")] = None
    ip_allowlist: IpAllowlist = []


class KeyUpdate(Body):
    """`expires_at: null` removes the expiry. `ratelimits` replaces the key's own rate limits
    (`[]`: none); `credits` replaces its credits and sets the balance to `remaining` (`null`:
    unlimited). `enabled: false` disables the key (DISABLED, until enabled again); `ip_allowlist`
    replaces its allowlist (`[]` or null: anywhere). Every other field of a key is immutable."""

    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    expires_at: FutureTime | None | UnsetType = UNSET
    ratelimits: RateLimits | UnsetType = UNSET
    credits: CreditsUpdate | None | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    ip_allowlist: IpAllowlist | None | UnsetType = UNSET
    # Named so that changing them is `immutable_field` (422), not an unknown field; any value is refused.
    id: Any | UnsetType = UNSET
    project_id: Any | UnsetType = UNSET
    type: Any | UnsetType = UNSET
    owner_id: Any | UnsetType = UNSET
    identity_id: Any | UnsetType = UNSET
    role_id: Any | UnsetType = UNSET
    permissions: Any | UnsetType = UNSET
    status: Any | UnsetType = UNSET
    hint: Any | UnsetType = UNSET
    created_at: Any | UnsetType = UNSET
    created_by: Any | UnsetType = UNSET
    revoked_at: Any | UnsetType = UNSET
    last_used_at: Any | UnsetType = UNSET
    template_id: Any | UnsetType = UNSET
    request_id: Any | UnsetType = UNSET
    meta: Any | UnsetType = UNSET


class KeyListQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(min_length=1, max_length=2048)] | None = None
    owner_id: Annotated[str, Meta(min_length=1, max_length=256)] | None = None
    identity_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    status: KeyStatus | None = None
    type: Literal["opaque", "jwt", "hmac"] | None = None
    unused_days: (
        Annotated[
            int,
            Meta(
                ge=1,
                le=36500,
                description="Only keys with no valid verification in the last N days, never-used keys "
                "included (`last_used_at` is set by the usage rollup).",
            ),
        ]
        | None
    ) = None


class RevokedQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(min_length=1, max_length=2048)] | None = None
    # A string, parsed by the handler: msgspec's lax query conversion would take `0` as a date.
    since: (
        Annotated[
            str,
            Meta(
                max_length=64,
                pattern=r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
                extra_json_schema={"format": "date-time"},
                description="RFC 3339 with a time zone",
            ),
        ]
        | None
    ) = None


class BatchDelete(Body):
    key_ids: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=100)]
    confirm: bool = False


class Reroll(Body):
    grace_seconds: GraceSeconds = 0


class Key(Struct):
    id: str
    project_id: str
    type: str
    name: str
    description: str
    owner_id: Annotated[str | None, Meta(description="null: an identity's key")]
    identity_id: Annotated[str | None, Meta(description="the identity (the platform's customer) it belongs to")]
    role_id: str
    permissions: list[str]
    status: KeyStatus
    hint: str
    created_at: Timestamp
    created_by: str
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None
    template_id: str | None
    request_id: str | None
    meta: dict[str, Any]
    ratelimits: Annotated[list[RateLimitSpec], Meta(description="the key's own rate limits")]
    credits: Annotated[CreditsView | None, Meta(description="the key's own credits; null: unlimited")]
    enabled: Annotated[bool, Meta(description="false: disabled (DISABLED) until enabled again")]
    ip_allowlist: Annotated[list[str], Meta(description="the networks it may be used from; []: anywhere")]
    exposed_at: Annotated[
        Timestamp | None,
        Meta(description="when a leak report first named it (its project's leak_action was taken then); null: never"),
    ]
    exposed_action: Annotated[
        Literal["revoke", "disable", "notify"] | None,
        Meta(description="the leak action taken then (the project's leak_action at the time); null: never exposed"),
    ]


def _secret_shape(required: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {name: {"type": "string", "description": text} for name, text in required.items()},
        "additionalProperties": False,
    }


# The secret part of a new key, shown once: `{key}` for opaque and JWT keys, `{token, secret}` for HMAC keys.
KeySecret = Annotated[
    dict[str, str],
    Meta(
        description="shown once, never again",
        extra_json_schema={
            "oneOf": [
                _secret_shape(
                    {"key": "an opaque key (kw_..., the service keeps only a keyed hash) or a JWT key (no copy kept)"}
                ),
                _secret_shape(
                    {
                        "token": "an HMAC key's token (kwh_...), sent with each request as its Credential",
                        "secret": "base64 of 32 random bytes that sign requests and never travel; kept only encrypted",
                    }
                ),
            ]
        },
    ),
]


class KeyIssued(Struct):
    key: Key
    secret: KeySecret


class BatchDeleted(Struct):
    deleted: list[str]
    not_found: list[str]


class RevokedKey(Struct):
    key_id: str
    revoked_at: Timestamp


class KeyChange(Struct, omit_defaults=True):
    """One event of the key-changes feed. `revoked`: the keys never verify again.
    `expiry_changed`: the key's expiry was brought forward (a reroll's grace, a PATCH), so a
    JWT's signed `exp` no longer tells it. `owner_changed`: the owner's membership changed, so
    their keys may have lost (or regained) the "API calls" right. `limits_changed`: the key's
    rate limits or credits changed, so its uses must be charged by the service (never answered
    offline or from a kept answer). `disabled` / `enabled`: the key stopped (or resumed)
    verifying, reversibly. `restrictions_changed`: its IP allowlist changed. For these three
    a verifier asks the service again about the key (they are not final, as `revoked` is)."""

    id: Annotated[str, Meta(description="The audit event's id: the feed's order and a cursor position")]
    at: Timestamp
    change: Literal[
        "revoked", "expiry_changed", "owner_changed", "limits_changed", "disabled", "enabled", "restrictions_changed"
    ]
    key_ids: Annotated[list[str], Meta(description="The keys concerned (empty for `owner_changed`)")]
    owner_id: str | UnsetType = UNSET


class Jwk(Struct):
    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: Annotated[str, Meta(description="RFC 7638 thumbprint")]
    alg: Literal["ES256"]
    use: Literal["sig"]


class Jwks(Struct):
    keys: list[Jwk]


class SigningKeyRotated(Struct):
    kid: str
    previous_kid: str
    signs_from: Annotated[Timestamp, Meta(description="published now; signs new JWT keys from then on")]
