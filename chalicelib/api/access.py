"""A project as the caller may act in it: loaded and authorized once, by the recipe.

Every route under `/v1/projects/{pid}` declares the action it needs; `chalicelib.api.http`
calls `authorize_project` before the handler (and before any Idempotency-Key replay) and
hands the handler the result as `call.access`. No handler authorizes by hand.
"""

from __future__ import annotations

from msgspec import Struct

from chalicelib.config import get_settings
from chalicelib.domain.clock import now
from chalicelib.domain.policy import Action, MemberRole, authorize, may
from chalicelib.domain.principal import Principal, require_fresh_login
from chalicelib.errors import NotFoundError
from chalicelib.store import projects
from chalicelib.store.models import MemberModel, ProjectModel


class ProjectAccess(Struct, frozen=True):
    """The project of `{pid}`, the caller's effective role in it and their membership (None for
    a system administrator who is not a member)."""

    project: ProjectModel
    role: MemberRole
    membership: MemberModel | None

    def may(self, action: Action) -> bool:
        return may(self.role, action)


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
