"""Shapes of verification: a key, an HMAC-signed request, RFC 7662 introspection, and what
an offline verifier reads. Split from `key_schemas` by feature."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.limit_schemas import Cost, CreditsState, LimitRequests, RateLimitState
from chalicelib.api.schemas import Body, Permission, Timestamp

RequiredPermissions = (
    Annotated[list[Permission], Meta(max_length=100, description="the key must hold every one of them")]
    | Annotated[
        str,
        Meta(
            max_length=1000,
            examples=["orders:read AND (orders:write OR admin)"],
            description="a permission query: permissions joined by AND and OR (upper case; AND binds "
            "tighter), with parentheses; at most 100 terms, 32 levels deep. A key's wildcard permission "
            "(`orders:*`) applies to each term. A malformed query is 422 `validation_failed`",
        ),
    ]
)

ClientIp = Annotated[
    str,
    Meta(
        max_length=64,
        examples=["203.0.113.7"],
        description="the address the request came from (IPv4 or IPv6): a key with an IP allowlist answers "
        "IP_NOT_ALLOWED without it, or when it is outside",
    ),
]


class VerifyKey(Body):
    key: Annotated[
        str, Meta(description="an opaque or JWT key; any string: garbage is answered MALFORMED, never an error")
    ]
    permissions: RequiredPermissions = []
    cost: Cost = 1
    ratelimits: Annotated[
        LimitRequests | None,
        Meta(description="the rate limits to apply, each at its cost (default 1); absent: every auto_apply limit"),
    ] = None
    client_ip: ClientIp | None = None


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
    permissions: RequiredPermissions = []
    cost: Cost = 1
    ratelimits: Annotated[LimitRequests | None, Meta(description="as /v1/keys/verify")] = None
    client_ip: ClientIp | None = None


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
            "DISABLED",
            "IP_NOT_ALLOWED",
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
                "DISABLED: disabled by its project (reversible); IP_NOT_ALLOWED: the key has an IP allowlist "
                "and `client_ip` is missing or outside it; "
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
    ip_allowlist: (
        Annotated[
            list[str],
            Meta(
                description="the key's IP allowlist, when it has one: a verifier that keeps this answer "
                "judges later requests' addresses against it without asking again"
            ),
        ]
        | UnsetType
    ) = UNSET


class IntrospectRequest(Struct):
    """RFC 7662 section 2.1, form-encoded. Other parameters are ignored, as the RFC allows."""

    token: Annotated[str, Meta(description="an opaque or JWT key (any length the body allows); else inactive")]
    token_type_hint: Annotated[str, Meta(max_length=64, description="ignored: the key's own form tells its kind")] = ""
    client_ip: Annotated[
        str, Meta(max_length=64, description="the address the request came from (a Keywarden extension)")
    ] = ""


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
