"""Identities: the platform's own customers, whose keys share their limits and credits. Managed
by those who may create keys for anyone (owners, admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UNSET, structs

from chalicelib.api.http import Call, Router
from chalicelib.api.identity_schemas import Identity, IdentityCreate, IdentityListQuery, IdentityUpdate
from chalicelib.api.limit_schemas import CreditsBalance, CreditsChange, to_limits
from chalicelib.api.schemas import Page
from chalicelib.domain.limits import Limits
from chalicelib.domain.meta import check_meta
from chalicelib.domain.policy import Action
from chalicelib.errors import FieldError, ImmutableFieldError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import identities as identity_cases
    from chalicelib.services.identities import IdentityState
    from chalicelib.store import identities
    from chalicelib.store.identity_models import IdentityModel
else:  # at first use: see chalicelib.lazy
    identities = lazy_module("chalicelib.store.identities")
    identity_cases = lazy_module("chalicelib.services.identities")

router = Router("identities", "identities")

_MUTABLE = {"meta", "ratelimits", "credits"}


def identity_view(state: IdentityState) -> Identity:
    return msgspec.convert(state.data(), Identity)


def _load(call: Call[Any, Any]) -> IdentityModel:
    return identities.get_identity(call.access.project.id, call.params["identity_id"])


@router.route(
    "GET",
    "/v1/projects/{pid}/identities",
    query=IdentityListQuery,
    response=Page[Identity],
    action=Action.MANAGE_KEYS,
)
def list_identities(call: Call[None, IdentityListQuery]) -> Page[Identity]:
    """The project's identities, oldest first; `external_id` finds the one with that external id."""
    project, query = call.access.project, call.query
    if query.external_id is not None:
        found = identities.find_by_external_id(project.id, query.external_id)
        return Page([identity_view(s) for s in identity_cases.states([found] if found else [])], None)
    page = identities.list_identities(project.id, query.limit, query.cursor)
    return Page([identity_view(s) for s in identity_cases.states(page.items)], page.next_cursor)


@router.route(
    "POST",
    "/v1/projects/{pid}/identities",
    body=IdentityCreate,
    response=Identity,
    status=201,
    action=Action.MANAGE_KEYS,
)
def create_identity(call: Call[IdentityCreate, None]) -> Identity:
    """Creates an identity; its `external_id` must be new in the project (else 409)."""
    body = call.body
    check_meta(body.meta)
    rates, policy, balance = to_limits(body.ratelimits, body.credits)
    state = identity_cases.create_identity(
        call.access.project.id, body.external_id, body.meta, Limits(rates, policy), balance, call.person.sub
    )
    return identity_view(state)


@router.route("GET", "/v1/projects/{pid}/identities/{identity_id}", response=Identity, action=Action.MANAGE_KEYS)
def get_identity(call: Call[None, None]) -> Identity:
    """One identity, with its credit balance now."""
    (state,) = identity_cases.states([_load(call)])
    return identity_view(state)


@router.route(
    "PATCH",
    "/v1/projects/{pid}/identities/{identity_id}",
    body=IdentityUpdate,
    response=Identity,
    action=Action.MANAGE_KEYS,
)
def update_identity(call: Call[IdentityUpdate, None]) -> Identity:
    """Replaces `meta`, `ratelimits` or `credits`; any other field is `immutable_field`."""
    body = call.body
    given = {name for name, value in structs.asdict(body).items() if value is not UNSET}
    frozen = sorted(given - _MUTABLE)
    if frozen:
        raise ImmutableFieldError([FieldError(name, "cannot be changed") for name in frozen])
    if body.meta is not UNSET:
        check_meta(body.meta)
    rates, policy, balance = to_limits(body.ratelimits, body.credits)
    change = identity_cases.IdentityChange(
        meta=body.meta if body.meta is not UNSET else None,
        ratelimits=rates if body.ratelimits is not UNSET else None,
        credits_given=body.credits is not UNSET,
        credits=policy,
        balance=balance,
    )
    return identity_view(identity_cases.update_identity(_load(call), change, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}/identities/{identity_id}", status=204, action=Action.MANAGE_KEYS)
def delete_identity(call: Call[None, None]) -> None:
    """Deletes an identity; its external id may then be used again."""
    identity_cases.delete_identity(_load(call), call.person.sub)


@router.route(
    "POST",
    "/v1/projects/{pid}/identities/{identity_id}/credits",
    body=CreditsChange,
    response=CreditsBalance,
    action=Action.MANAGE_KEYS,
)
def change_identity_credits(call: Call[CreditsChange, None]) -> CreditsBalance:
    """Sets, increments or decrements the identity's credits (a decrement past 0 leaves 0);
    an identity without credits (unlimited) is 409."""
    body = call.body
    remaining = identity_cases.change_credits(_load(call), body.op, body.value, call.person.sub)
    return CreditsBalance(remaining=remaining)
