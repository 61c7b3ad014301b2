"""A project as the caller may act in it: loaded and authorized once, by the recipe.

Every route under `/v1/projects/{pid}` declares the action it needs, and where people act on
their own things, whose they are (`Own`, `OwnFilter`); `chalicelib.api.http` calls
`authorize_project` and `authorize_own` before the handler (and before any Idempotency-Key
replay) and hands the handler the result as `call.access`. No handler authorizes by hand.

One rule for existence: a project you are not a member of is 404 (as private repositories
on GitHub); a member without the right is 403, whether the right is the route's action or
the right to act on someone else's thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from msgspec import Struct, structs

from chalicelib.config import get_settings
from chalicelib.domain.clock import now
from chalicelib.domain.policy import Action, MemberRole, authorize, may
from chalicelib.domain.principal import Principal, require_fresh_login
from chalicelib.errors import ForbiddenError, NotFoundError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.store import projects
    from chalicelib.store.project_models import MemberModel, ProjectModel
else:  # at first use: see chalicelib.lazy
    projects = lazy_module("chalicelib.store.projects")


class ProjectAccess(Struct, frozen=True):
    """The project of `{pid}`, the caller's effective role in it and their membership (None for
    a system administrator who is not a member)."""

    project: ProjectModel
    role: MemberRole
    membership: MemberModel | None
    # The route's own thing (a key, a request), loaded by its `Own` rule and authorized.
    resource: Any = None

    def may(self, action: Action) -> bool:
        return may(self.role, action)


class Own(Struct, frozen=True):
    """A route on one thing that belongs to someone: its owner may act on it, and so may those
    with `elevated` (None: its owner alone, as a request's claim). `load(project_id, params)`
    reads it (404 when there is none); `owner(thing)` names whose it is."""

    load: Callable[[str, dict[str, str]], Any]
    owner: Callable[[Any], str]
    elevated: Action | None


class OwnFilter(Struct, frozen=True):
    """A list route whose query field `field` names whose things to list: without `elevated`,
    a caller lists their own (the field defaults to them; naming someone else is 403)."""

    field: str
    elevated: Action


class Stricter(Struct, frozen=True):
    """A route whose request may need a higher right than its action: when `when(body, thing)`
    holds (the thing loaded by `load`, if given), the caller needs `action` too, else 403 with
    `reason`. Making a template approve by itself is deciding requests in advance."""

    action: Action
    when: Callable[[Any, Any], bool]
    reason: str
    load: Callable[[str, dict[str, str]], Any] | None = None


class MembersOnly(Struct, frozen=True):
    """A route for the project's own members: a system administrator who is not one acts as an
    owner elsewhere, but cannot, say, request a key that only a member could hold (403, `reason`)."""

    reason: str


def authorize_member(access: ProjectAccess, rule: MembersOnly) -> ProjectAccess:
    if access.membership is None:
        raise ForbiddenError(rule.reason)
    return access


def authorize_stricter(access: ProjectAccess, rule: Stricter, params: dict[str, str], body: Any) -> ProjectAccess:
    """The route's thing (if it loads one), when the request does not need more than the caller holds."""
    thing = rule.load(access.project.id, params) if rule.load is not None else None
    if rule.when(body, thing) and not access.may(rule.action):
        raise ForbiddenError(rule.reason)
    return structs.replace(access, resource=thing)


def authorize_own(access: ProjectAccess, caller: str, rule: Own, params: dict[str, str]) -> ProjectAccess:
    """The route's thing, if the caller may act on it: it is theirs, or they hold `elevated`."""
    thing = rule.load(access.project.id, params)
    if rule.owner(thing) != caller and not (rule.elevated is not None and access.may(rule.elevated)):
        raise ForbiddenError("this belongs to someone else" if rule.elevated else "only its owner may do this")
    return structs.replace(access, resource=thing)


def own_filter(access: ProjectAccess, caller: str, rule: OwnFilter, query: Any) -> Any:
    """The list's query, narrowed to the caller's own things unless they hold `elevated`."""
    if access.may(rule.elevated):
        return query
    named = getattr(query, rule.field)
    if named not in (None, caller):
        raise ForbiddenError(f"you may list only your own ({rule.field} must be yours)")
    return structs.replace(query, **{rule.field: caller})


def authorize_project(principal: Principal, project_id: str, action: Action, *, step_up: bool) -> ProjectAccess:
    """Loads the project and authorizes `action` on it, or raises.

    Outsiders learn nothing: they get the same 404 as for a project that does not exist,
    and without a read of the project itself. On a step-up route, a caller with the right
    but an old login gets 401 step_up_required (RFC 9470); one without the right gets 403
    first, since a fresh login would not help them. A project being deleted is gone for
    every action but finishing its deletion.
    """
    membership = projects.get_membership(project_id, principal.sub)
    if membership is None and not principal.is_system_admin:
        raise NotFoundError("project not found")
    project = projects.get_project(project_id, deleting_ok=action is Action.DELETE_PROJECT)
    role = authorize(principal, MemberRole(membership.role) if membership else None, action)
    if step_up:
        require_fresh_login(principal, now(), get_settings().step_up_max_age)
    return ProjectAccess(project, role, membership)
