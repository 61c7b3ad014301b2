"""Shapes of API keys, their verification and the keys that sign JWT keys.

Split from `schemas` by feature; the shared field types (names, permissions, times)
live there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.limit_schemas import (
    Cost,
    CreditsSpec,
    CreditsState,
    CreditsUpdate,
    CreditsView,
    LimitRequests,
    RateLimits,
    RateLimitSpec,
    RateLimitState,
)
from chalicelib.api.schemas import (
    Body,
    Description,
    FutureTime,
    GraceSeconds,
    Name,
    Permission,
    Timestamp,
    UserId,
)

KeyTypeName = Literal["opaque", "jwt", "hmac"]
KeyStatus = Literal["active", "expired", "revoked"]
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


class KeyUpdate(Body):
    """`expires_at: null` removes the expiry. `ratelimits` replaces the key's own rate limits
    (`[]`: none); `credits` replaces its credits and sets the balance to `remaining` (`null`:
    unlimited). Every other field of a key is immutable."""

    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    expires_at: FutureTime | None | UnsetType = UNSET
    ratelimits: RateLimits | UnsetType = UNSET
    credits: CreditsUpdate | None | UnsetType = UNSET
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


class VerifyKey(Body):
    key: Annotated[
        str, Meta(description="an opaque or JWT key; any string: garbage is answered MALFORMED, never an error")
    ]
    permissions: Annotated[list[Permission], Meta(max_length=100)] = []
    cost: Cost = 1
    ratelimits: Annotated[
        LimitRequests | None,
        Meta(description="the rate limits to apply, each at its cost (default 1); absent: every auto_apply limit"),
    ] = None


class VerifyHmac(Body):
    """A request as the resource server received it. Anything wrong inside it (headers,
    date, signature) is answered 200 with `valid: false` and a code, never an error."""

    method: Annotated[str, Meta(min_length=1, max_length=32, examples=["GET"])]
    url: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=8192,
            description="the request target as received: `/orders?limit=5`, or an absolute URL",
            examples=["/orders?limit=5"],
        ),
    ]
    headers: Annotated[
        dict[Annotated[str, Meta(max_length=256)], Annotated[str, Meta(max_length=8192)]],
        Meta(
            max_length=100,
            description="at least host, x-ms-date, x-ms-content-sha256 and authorization; names are case-insensitive",
        ),
    ]
    body: (
        Annotated[str, Meta(description="base64 of the request body; checked against x-ms-content-sha256 when given")]
        | None
    ) = None
    permissions: Annotated[
        list[Permission], Meta(max_length=100, description="the key must hold all of them (as /v1/keys/verify)")
    ] = []
    cost: Cost = 1
    ratelimits: Annotated[LimitRequests | None, Meta(description="as /v1/keys/verify")] = None


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
    offline or from a kept answer)."""

    id: Annotated[str, Meta(description="The audit event's id: the feed's order and a cursor position")]
    at: Timestamp
    change: Literal["revoked", "expiry_changed", "owner_changed", "limits_changed"]
    key_ids: Annotated[list[str], Meta(description="The keys concerned (empty for `owner_changed`)")]
    owner_id: str | UnsetType = UNSET


class VerifierConfig(Struct):
    """What a resource server's verifier needs to check JWT keys offline for this service key's project."""

    project_id: Annotated[str, Meta(description="The project whose keys verify: JWT keys' `aud`")]
    issuer: Annotated[str, Meta(description="JWT keys' `iss`")]
    jwks_uri: Annotated[str, Meta(description="Where the signing keys are published (a path on this service)")]
    key_changes_uri: Annotated[str, Meta(description="The feed to poll (a path on this service)")]
    cache_ttl_seconds: Annotated[
        float, Meta(description="How long the service may answer from its cache after a change")
    ]


class IdentityRefView(Struct):
    id: str
    external_id: str
    meta: dict[str, Any]


class VerifyResult(Struct, omit_defaults=True):
    valid: bool
    code: Annotated[
        Literal[
            "VALID",
            "MALFORMED",
            "NOT_FOUND",
            "EXPIRED",
            "REVOKED",
            "INSUFFICIENT_PERMISSIONS",
            "OWNER_NOT_PERMITTED",
            "INVALID_SIGNATURE",
            "STALE_REQUEST",
            "REPLAYED",
            "RATE_LIMITED",
            "USAGE_EXCEEDED",
        ],
        Meta(
            description=(
                "INVALID_SIGNATURE: a JWT key the service's published keys did not sign, or an HMAC signature "
                "that does not match; STALE_REQUEST and REPLAYED: HMAC only; RATE_LIMITED: a rate limit "
                "would be passed (none was charged); USAGE_EXCEEDED: fewer credits than the cost (none spent)"
            )
        ),
    ]
    key_id: str | UnsetType = UNSET
    project_id: str | UnsetType = UNSET
    owner_id: Annotated[str | None, Meta(description="null: an identity's key (see `identity`)")] | UnsetType = UNSET
    role_id: str | UnsetType = UNSET
    permissions: list[str] | UnsetType = UNSET
    expires_at: Timestamp | None | UnsetType = UNSET
    meta: dict[str, Any] | UnsetType = UNSET
    identity: Annotated[IdentityRefView | None, Meta(description="the identity the key belongs to")] | UnsetType = UNSET
    ratelimits: (
        Annotated[
            list[RateLimitState],
            Meta(description="the rate limits applied (keys with limits): what each window still accepts"),
        ]
        | UnsetType
    ) = UNSET
    credits: Annotated[CreditsState, Meta(description="what the key's credits have left")] | UnsetType = UNSET
    reset_at: (
        Annotated[Timestamp, Meta(description="RATE_LIMITED: when the limits that refused accept again")] | UnsetType
    ) = UNSET


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


class IntrospectRequest(Struct):
    """RFC 7662 section 2.1, form-encoded. Other parameters are ignored, as the RFC allows."""

    token: Annotated[str, Meta(description="an opaque or JWT key (any length the body allows); else inactive")]
    token_type_hint: Annotated[str, Meta(max_length=64, description="ignored: the key's own form tells its kind")] = ""


class Introspection(Struct, omit_defaults=True):
    """RFC 7662 section 2.2: exactly `{"active": false}` unless the key is valid for the calling project."""

    active: bool
    scope: Annotated[str, Meta(description="the key's permissions, space-separated")] | UnsetType = UNSET
    sub: Annotated[str, Meta(description="the key's owner (an identity's key: the identity's id)")] | UnsetType = UNSET
    aud: Annotated[str, Meta(description="the project")] | UnsetType = UNSET
    exp: Annotated[int, Meta(description="when the key expires (epoch seconds); absent if never")] | UnsetType = UNSET
    iat: Annotated[int, Meta(description="when the key was issued (seconds since the epoch)")] | UnsetType = UNSET
    jti: Annotated[str, Meta(description="the key's id")] | UnsetType = UNSET
    token_type: Literal["api_key"] | UnsetType = UNSET
    project_id: str | UnsetType = UNSET
    role_id: str | UnsetType = UNSET
