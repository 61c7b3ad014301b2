"""Shapes of identities (API.md, "Identities"). Split from `schemas` by feature; their limits'
shapes are `limit_schemas`', shared with keys."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.key_schemas import KeyMeta
from chalicelib.api.limit_schemas import CreditsSpec, CreditsUpdate, CreditsView, RateLimits, RateLimitSpec
from chalicelib.api.schemas import Body, Timestamp

# No control characters (the `(?!\n)$` as in `schemas._TEXT`: a bare `$` would let a final newline through).
ExternalId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=256,
        pattern=r"^[^\x00-\x1f\x7f]+(?!\n)$",
        description="the platform's own id of its customer: 1 to 256 characters, unique in the project",
        examples=["cus_4242"],
    ),
]


class IdentityCreate(Body):
    external_id: ExternalId
    meta: KeyMeta = {}
    ratelimits: Annotated[
        RateLimits, Meta(description="shared by all the identity's keys; a key's own limit of a name replaces it")
    ] = []
    credits: Annotated[CreditsSpec, Meta(description="null: unlimited")] | None = None


class IdentityUpdate(Body):
    """`meta`, `ratelimits` and `credits` replace what the identity has (`credits: null`: unlimited;
    credits given set the balance to their `remaining`). Every other field is immutable."""

    meta: KeyMeta | UnsetType = UNSET
    ratelimits: RateLimits | UnsetType = UNSET
    credits: CreditsUpdate | None | UnsetType = UNSET
    # Named so that changing them is `immutable_field` (422), not an unknown field; any value is refused.
    id: Any | UnsetType = UNSET
    project_id: Any | UnsetType = UNSET
    external_id: Any | UnsetType = UNSET
    created_at: Any | UnsetType = UNSET


class IdentityListQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=100)] = 50
    cursor: Annotated[str, Meta(min_length=1, max_length=2048)] | None = None
    external_id: Annotated[ExternalId, Meta(description="only the identity with exactly this external id")] | None = (
        None
    )


class Identity(Struct):
    id: str
    project_id: str
    external_id: str
    meta: dict[str, Any]
    ratelimits: list[RateLimitSpec]
    credits: Annotated[CreditsView, Meta(description="null: unlimited")] | None
    created_at: Timestamp
