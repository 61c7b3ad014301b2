"""Request and response shapes: the one source that validates bodies and documents them.

Each request body is a msgspec Struct; `chalicelib.api.http` decodes bodies straight
into them (constraints included) and `chalicelib.api.openapi` turns the same classes
into the OpenAPI document. Response bodies are Structs too, so what a handler returns
is what the document says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.domain.page import Page as Page  # the list shape, shared with the store

# No control characters, and at least one visible one. `(?!\n)$`: in Python's re, which
# msgspec uses, a bare `$` also matches before a final newline; the lookahead (valid in
# the ECMA dialect of JSON Schema too) closes that door.
_TEXT = r"^[^\x00-\x1f\x7f]*(?!\n)$"
_NAME = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*(?!\n)$"

Name = Annotated[str, Meta(min_length=1, max_length=128, pattern=_NAME, description="1 to 128 characters")]
Description = Annotated[str, Meta(max_length=1024, pattern=_TEXT)]
Permission = Annotated[str, Meta(pattern=r"^[a-z0-9_.:*-]{1,128}(?!\n)$", examples=["orders:read"])]
Permissions = Annotated[list[Permission], Meta(max_length=100)]
UserId = Annotated[str, Meta(min_length=1, max_length=255, pattern=_TEXT, description="an OIDC `sub`")]
Timestamp = Annotated[str, Meta(description="RFC 3339, UTC", examples=["2026-11-22T10:00:00Z"])]
MemberRoleName = Literal["owner", "admin", "editor", "developer", "viewer"]
NodeKind = Literal["input", "output", "other"]


class Body(Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Base of request bodies: unknown fields are an error, not silently dropped."""


# --- queries ---------------------------------------------------------------------


class ListQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(min_length=1, max_length=2048)] | None = None


# --- requests --------------------------------------------------------------------


class ProjectCreate(Body):
    name: Name
    description: Description = ""


class ProjectUpdate(Body):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET


class MemberPut(Body):
    role: MemberRoleName


class RoleCreate(Body):
    name: Name
    permissions: Permissions
    description: Description = ""


class RoleUpdate(Body):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    permissions: Permissions | UnsetType = UNSET


class NodeCreate(Body):
    name: Name
    kind: NodeKind


class DevTokenRequest(Body):
    sub: UserId
    groups: Annotated[list[Annotated[str, Meta(min_length=1, max_length=256)]], Meta(max_length=50)] = []
    auth_age_seconds: Annotated[int, Meta(ge=0, le=31_536_000)] = 0


GraceSeconds = Annotated[int, Meta(ge=0, le=604_800, description="0 stops the old value at once")]
FutureTime = Annotated[datetime, Meta(tz=True, description="RFC 3339 with a time zone; must be in the future")]
KeyTypeName = Literal["opaque", "jwt", "hmac"]
KeyStatus = Literal["active", "expired", "revoked"]
KeyMeta = Annotated[dict[str, Any], Meta(max_length=50, description="free-form JSON object, at most 4 KiB encoded")]


class SecretRotate(Body):
    value: (
        Annotated[
            str,
            Meta(
                min_length=16,
                max_length=128,
                pattern=r"^[\x20-\x7e]+(?!\n)$",
                description="secure_key only: an existing key to import, printable ASCII, as VK issues them",
            ),
        ]
        | UnsetType
    ) = UNSET
    grace_seconds: GraceSeconds = 0


class LaunchSign(Body):
    params: Annotated[
        dict[Annotated[str, Meta(pattern=r"^vk_[A-Za-z0-9_]{1,64}(?!\n)$")], Annotated[str, Meta(max_length=1024)]],
        Meta(min_length=1, max_length=50),
    ]


class LaunchVerify(Body):
    query: Annotated[str, Meta(max_length=8192)]
    max_age_seconds: Annotated[int, Meta(ge=0, le=31_536_000)] | None = None


class KeyCreate(Body):
    name: Name
    type: KeyTypeName
    role_id: Annotated[str, Meta(min_length=1, max_length=64)]
    owner_id: UserId | UnsetType = UNSET
    description: Description = ""
    expires_at: Annotated[FutureTime, Meta(description="RFC 3339, in the future; not with ttl_seconds")] | UnsetType = (
        UNSET
    )
    ttl_seconds: Annotated[int, Meta(ge=1, le=315_360_000)] | UnsetType = UNSET
    meta: KeyMeta = {}


class KeyUpdate(Body):
    """`expires_at: null` removes the expiry. Every other field of a key is immutable."""

    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    expires_at: FutureTime | None | UnsetType = UNSET
    # Named so that changing them is `immutable_field` (422), not an unknown field; any value is refused.
    id: Any | UnsetType = UNSET
    project_id: Any | UnsetType = UNSET
    type: Any | UnsetType = UNSET
    owner_id: Any | UnsetType = UNSET
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
    status: KeyStatus | None = None
    type: Literal["opaque", "jwt", "hmac"] | None = None


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


# --- responses -------------------------------------------------------------------


class Health(Struct):
    status: str


class Project(Struct):
    id: str
    name: str
    description: str
    created_at: Timestamp
    created_by: str


class Member(Struct):
    project_id: str
    user_id: str
    role: MemberRoleName
    created_at: Timestamp
    updated_at: Timestamp


class Role(Struct):
    id: str
    name: str
    description: str
    permissions: list[str]
    created_at: Timestamp
    updated_at: Timestamp


class Node(Struct):
    id: str
    name: str
    kind: NodeKind
    created_at: Timestamp


class AuditTarget(Struct):
    type: str
    id: str


class AuditEvent(Struct):
    id: str
    at: Timestamp
    actor: str
    action: str
    target: AuditTarget
    details: dict[str, Any]


class SecretInfo(Struct):
    name: str
    hint: Annotated[str, Meta(description="the last 4 characters")]
    created_at: Timestamp
    rotated_at: Timestamp | None


class SecretList(Struct):
    items: list[SecretInfo]


class SecretValue(Struct):
    name: str
    value: str


class SecretRotated(Struct):
    name: str
    value: str
    previous_valid_until: Timestamp | None


class LaunchSigned(Struct):
    query: str
    sign: str


class LaunchVerdict(Struct):
    valid: bool
    code: Literal["VALID", "INVALID_SIGNATURE", "EXPIRED", "MALFORMED"]


class Key(Struct):
    id: str
    project_id: str
    type: str
    name: str
    description: str
    owner_id: str
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
        ],
        Meta(
            description=(
                "INVALID_SIGNATURE: a JWT key the service's published keys did not sign, or an HMAC signature "
                "that does not match; STALE_REQUEST and REPLAYED: HMAC only"
            )
        ),
    ]
    key_id: str | UnsetType = UNSET
    project_id: str | UnsetType = UNSET
    owner_id: str | UnsetType = UNSET
    role_id: str | UnsetType = UNSET
    permissions: list[str] | UnsetType = UNSET
    expires_at: Timestamp | None | UnsetType = UNSET
    meta: dict[str, Any] | UnsetType = UNSET


class DevToken(Struct):
    access_token: str
    token_type: str
    expires_in: int


class ProblemFieldError(Struct):
    field: str
    message: str


class Problem(Struct, omit_defaults=True):
    """An RFC 9457 problem; `code` is the machine-readable part."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemFieldError] | UnsetType = UNSET
    request_id: str | UnsetType = UNSET


def encode(value: Any) -> str:
    return msgspec.json.encode(value).decode()


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
