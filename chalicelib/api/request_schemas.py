"""Shapes of key templates and key requests.

Split from `schemas` by feature; the shared field types (names, descriptions, times)
live there.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.key_schemas import IpAllowlist, Key, KeySecret, KeyTypeName
from chalicelib.api.schemas import Body, Description, FutureTime, Name, Timestamp, UserId
from chalicelib.domain.info_fields import NAME_PATTERN

RequestStatus = Literal["pending", "approved", "claimed", "denied", "cancelled", "expired"]
TtlSeconds = Annotated[int, Meta(ge=1, le=315_360_000, description="lifetime of issued keys; none: they never expire")]
Note = Annotated[str, Meta(max_length=1024, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


class InfoField(Body):
    name: Annotated[str, Meta(pattern=NAME_PATTERN, description="an environment variable name", examples=["API_URL"])]
    value: Annotated[
        str,
        Meta(
            max_length=4096,
            pattern=r"^[^\x00]*$",
            description=(
                "may hold {{project.id}}, {{node:<node_id>}} (the node's id) and {{node:<node_id>.name}}"
                " (its name), resolved when the key is issued"
            ),
        ),
    ]
    description: Description = ""


InfoFields = Annotated[list[InfoField], Meta(max_length=50)]


class TemplateCreate(Body):
    name: Name
    role_id: Annotated[str, Meta(min_length=1, max_length=64)]
    type: KeyTypeName
    description: Description = ""
    ttl_seconds: TtlSeconds | None = None
    auto_approve: bool = False
    info_fields: InfoFields = []


class TemplateUpdate(Body):
    name: Name | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    role_id: Annotated[str, Meta(min_length=1, max_length=64)] | UnsetType = UNSET
    type: KeyTypeName | UnsetType = UNSET
    ttl_seconds: TtlSeconds | None | UnsetType = UNSET
    auto_approve: bool | UnsetType = UNSET
    info_fields: InfoFields | UnsetType = UNSET


class RequestCreate(Body):
    template_id: Annotated[str, Meta(min_length=1, max_length=64)]
    justification: Note = ""


class Approve(Body):
    note: Note | None = None
    expires_at: (
        Annotated[FutureTime, Meta(description="the key's expiry; default: now + the template's ttl_seconds")] | None
    ) = None
    ip_allowlist: Annotated[IpAllowlist, Meta(description="the key's IP allowlist; default: none (anywhere)")] = []


class Deny(Body):
    reason: Note | None = None


class RequestListQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(min_length=1, max_length=2048)] | None = None
    status: RequestStatus | None = None
    requester_id: Annotated[str, Meta(min_length=1, max_length=255)] | None = None


class InfoFieldView(Struct):
    name: str
    description: str
    value: str


class MyRequest(Struct):
    id: str
    status: RequestStatus


class Template(Struct):
    id: str
    project_id: str
    name: str
    description: str
    role_id: str
    type: KeyTypeName
    ttl_seconds: int | None
    auto_approve: bool
    info_fields: list[InfoFieldView]
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp
    my_request: Annotated[
        MyRequest | None, Meta(description="the caller's latest request from this template (the key tile)")
    ]


class KeyRequest(Struct):
    id: str
    project_id: str
    template_id: str
    requester_id: UserId
    justification: str
    status: RequestStatus
    created_at: Timestamp
    expires_at: Annotated[
        Timestamp, Meta(description="pending: when it lapses; approved: the claim deadline, then the key is revoked")
    ]
    decided_at: Timestamp | None
    decided_by: str | None
    note: str | None
    reason: str | None
    key_id: str | None


class Claimed(Struct):
    key: Key
    secret: KeySecret
    secrets: Annotated[dict[str, str], Meta(description="the template's info fields, resolved")]
    dotenv: Annotated[str, Meta(description="the same as `secrets`, as `.env` lines (quoted where needed)")]
