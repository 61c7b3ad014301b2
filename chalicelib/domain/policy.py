"""Who may do what in a project: the rights table of API.md, in one place.

Every handler asks `authorize()` before it reads or changes a project. Outsiders get
`NotFoundError` (a project you do not belong to does not exist for you, as with
private repositories on GitHub); members without the right get `ForbiddenError`.
System administrators act as owners everywhere.
"""

from __future__ import annotations

from enum import Enum

from chalicelib.domain.principal import Principal
from chalicelib.errors import ForbiddenError, NotFoundError, OwnerNotPermittedError


class MemberRole(str, Enum):
    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    DEVELOPER = "developer"
    VIEWER = "viewer"


class Action(str, Enum):
    READ_PROJECT = "read_project"  # the project, members, roles, nodes, templates, usage
    HOLD_KEYS = "hold_keys"  # the "API calls" right
    REQUEST_KEYS = "request_keys"  # request keys from templates, see own keys and requests
    MANAGE_APP_SECRETS = "manage_app_secrets"  # reveal or rotate (with step-up)
    EDIT_PROJECT = "edit_project"  # rename, describe
    MANAGE_CONFIG = "manage_config"  # roles, nodes, templates
    MANAGE_KEYS = "manage_keys"  # create for anyone, list all, revoke, reroll
    DECIDE_REQUESTS = "decide_requests"  # approve or deny
    MANAGE_WEBHOOKS = "manage_webhooks"
    READ_AUDIT = "read_audit"
    MANAGE_MEMBERS = "manage_members"
    DELETE_PROJECT = "delete_project"


_O, _A, _E, _D, _V = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.EDITOR, MemberRole.DEVELOPER, MemberRole.VIEWER

RIGHTS: dict[Action, frozenset[MemberRole]] = {
    Action.READ_PROJECT: frozenset({_O, _A, _E, _D, _V}),
    Action.HOLD_KEYS: frozenset({_O, _A, _E, _D}),
    Action.REQUEST_KEYS: frozenset({_O, _A, _E, _D}),
    Action.MANAGE_APP_SECRETS: frozenset({_O, _A, _E}),
    # API.md gives editors "the right to edit"; renaming the project is editing it.
    Action.EDIT_PROJECT: frozenset({_O, _A, _E}),
    Action.MANAGE_CONFIG: frozenset({_O, _A, _E}),
    Action.MANAGE_KEYS: frozenset({_O, _A}),
    Action.DECIDE_REQUESTS: frozenset({_O, _A}),
    Action.MANAGE_WEBHOOKS: frozenset({_O, _A}),
    Action.READ_AUDIT: frozenset({_O, _A}),
    Action.MANAGE_MEMBERS: frozenset({_O, _A}),
    Action.DELETE_PROJECT: frozenset({_O}),
}


def effective_role(principal: Principal, member_role: MemberRole | None) -> MemberRole | None:
    """The role the caller acts with: system administrators act as owners."""
    return MemberRole.OWNER if principal.is_system_admin else member_role


def may(role: MemberRole | None, action: Action) -> bool:
    """True when a member of this role (None: not a member) has the right."""
    return role is not None and role in RIGHTS[action]


def authorize(principal: Principal, member_role: MemberRole | None, action: Action) -> MemberRole:
    """Returns the effective role, or raises NotFoundError (outsider) / ForbiddenError."""
    role = effective_role(principal, member_role)
    if role is None:
        raise NotFoundError("project not found")
    if role not in RIGHTS[action]:
        raise ForbiddenError(f"the {role.value} role may not {action.value.replace('_', ' ')}")
    return role


def authorize_member_change(
    principal: Principal,
    actor_role: MemberRole | None,
    target_user: str,
    current_role: MemberRole | None,
    new_role: MemberRole | None,
) -> None:
    """May the caller give `target_user` the role `new_role` (None: remove them)?

    Owners manage everyone. Admins manage everyone but owners: they may not make an
    owner, nor change or remove one. Any member may leave a project on their own
    (as on GitHub); whether the last owner may go is the store's check, not this one.
    """
    role = effective_role(principal, actor_role)
    if role is None:
        raise NotFoundError("project not found")
    leaving = new_role is None and target_user == principal.sub and current_role is not None
    if leaving:
        return
    if role not in RIGHTS[Action.MANAGE_MEMBERS]:
        raise ForbiddenError(f"the {role.value} role may not manage members")
    if role is MemberRole.OWNER:
        return
    if new_role is MemberRole.OWNER:
        raise ForbiddenError("only an owner may make someone an owner")
    if current_role is MemberRole.OWNER:
        raise ForbiddenError("only an owner may change or remove an owner")


def require_key_holder(owner_id: str, role: MemberRole | None) -> MemberRole:
    """The role of a key's owner-to-be, if it holds the "API calls" right; else why not.

    Only members with the right hold working keys: an outsider or a viewer gets none.
    """
    if role is None:
        raise OwnerNotPermittedError(f"{owner_id} is not a member of this project")
    if not may(role, Action.HOLD_KEYS):
        raise OwnerNotPermittedError(f"the {role.value} role may not hold API keys")
    return role


def key_right_change(old: MemberRole | None, new: MemberRole | None) -> bool | None:
    """True/False when a role change grants/takes the "API calls" right; None when it does not change."""
    before, after = may(old, Action.HOLD_KEYS), may(new, Action.HOLD_KEYS)
    return None if before == after else after


def roles_that_may(action: Action) -> list[MemberRole]:
    """Every role with the right, in the table's order (for conditions on a stored role)."""
    return [role for role in MemberRole if role in RIGHTS[action]]
