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
