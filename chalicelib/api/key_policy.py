"""The project's key policy: read it (members), set it (owners and admins), and the report of
existing keys that break it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from msgspec import Meta, Struct

from chalicelib.api.http import Call, Router
from chalicelib.api.key_schemas import KeyTypeName
from chalicelib.api.schemas import Body, ListQuery, Page, Timestamp
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import key_policy as rules
    from chalicelib.domain.key_policy import KeyPolicy
    from chalicelib.services import key_policy
else:  # at first use: see chalicelib.lazy
    key_policy = lazy_module("chalicelib.services.key_policy")
    rules = lazy_module("chalicelib.domain.key_policy")

router = Router("key_policy", "key policy")

Rule = Literal[
    "max_lifetime_days", "require_expiry", "allowed_types", "forbid_wildcard_permissions", "require_ip_allowlist"
]


class KeyPolicyBody(Body):
    """The whole policy (PUT replaces it; an absent field is its default: the rule off).

    Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
    `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule broken.
    A new policy does not touch existing keys: the report lists those that break it.
    """

    max_lifetime_days: (
        Annotated[int, Meta(ge=1, le=36500, description="keys must expire within this many days of creation")] | None
    ) = None
    require_expiry: Annotated[bool, Meta(description="keys must have an expiry")] = False
    allowed_types: (
        Annotated[list[KeyTypeName], Meta(min_length=1, max_length=3, description="null: every type")] | None
    ) = None
    forbid_wildcard_permissions: Annotated[
        bool, Meta(description="keys may not hold a permission with `*` (through their role)")
    ] = False
    require_ip_allowlist: Annotated[bool, Meta(description="keys must have an IP allowlist")] = False
    leak_action: Annotated[
        Literal["revoke", "disable", "notify"],
        Meta(description="what a reported leak of one of the project's keys does to it (once): default revoke"),
    ] = "revoke"


class KeyPolicyView(Struct):
    max_lifetime_days: int | None
    require_expiry: bool
    allowed_types: list[KeyTypeName] | None
    forbid_wildcard_permissions: bool
    require_ip_allowlist: bool
    leak_action: Literal["revoke", "disable", "notify"]


class PolicyBreach(Struct):
    """A key that is neither revoked nor expired (disabled or not) and breaks the policy."""

    key_id: str
    rules: Annotated[list[Rule], Meta(description="each rule it breaks")]
    status: Annotated[Literal["active", "disabled"], Meta(description="disabled keys are listed too: they still exist")]
    name: str
    type: KeyTypeName
    owner_id: str | None
    identity_id: str | None
    created_at: Timestamp
    expires_at: Timestamp | None


def _view(policy: KeyPolicy) -> KeyPolicyView:
    return KeyPolicyView(
        max_lifetime_days=policy.max_lifetime_days,
        require_expiry=policy.require_expiry,
        allowed_types=list(policy.allowed_types) if policy.allowed_types is not None else None,  # type: ignore[arg-type]
        forbid_wildcard_permissions=policy.forbid_wildcard_permissions,
        require_ip_allowlist=policy.require_ip_allowlist,
        leak_action=policy.leak_action,
    )


@router.route("GET", "/v1/projects/{pid}/key-policy", response=KeyPolicyView, action=Action.READ_PROJECT)
def get_policy(call: Call[None, None]) -> KeyPolicyView:
    """The project's key policy (every member may read it: it says what keys they may get)."""
    return _view(key_policy.policy_of(call.access.project))


@router.route(
    "PUT", "/v1/projects/{pid}/key-policy", body=KeyPolicyBody, response=KeyPolicyView, action=Action.MANAGE_KEYS
)
def put_policy(call: Call[KeyPolicyBody, None]) -> KeyPolicyView:
    """Replaces the project's key policy (owners and admins), audited as `project.key_policy_changed`."""
    body = call.body
    policy = rules.KeyPolicy(
        max_lifetime_days=body.max_lifetime_days,
        require_expiry=body.require_expiry,
        allowed_types=tuple(dict.fromkeys(body.allowed_types)) if body.allowed_types is not None else None,
        forbid_wildcard_permissions=body.forbid_wildcard_permissions,
        require_ip_allowlist=body.require_ip_allowlist,
        leak_action=body.leak_action,
    )
    return _view(key_policy.set_policy(call.access.project, policy, call.person.sub))


@router.route(
    "GET",
    "/v1/projects/{pid}/key-policy/report",
    query=ListQuery,
    response=Page[PolicyBreach],
    action=Action.MANAGE_KEYS,
)
def policy_report(call: Call[None, ListQuery]) -> Page[PolicyBreach]:
    """The project's working keys that break its policy, oldest first, with the rules each breaks.

    A page reads a bounded number of keys: it may hold fewer than `limit` items, even none, and
    still have a `next_cursor`; follow it to the end.
    """
    query = call.query
    page = key_policy.report(call.access.project, query.limit, query.cursor)
    return Page(
        [
            PolicyBreach(
                key_id=b.key.id,
                rules=b.rules,  # type: ignore[arg-type]
                status="disabled" if b.key.disabled_at is not None else "active",
                name=b.key.name,
                type=b.key.type,  # type: ignore[arg-type]
                owner_id=b.key.owner_id,
                identity_id=b.key.identity_id,
                created_at=b.key.created_at,
                expires_at=b.key.expires_at,
            )
            for b in page.items
        ],
        page.next_cursor,
    )
