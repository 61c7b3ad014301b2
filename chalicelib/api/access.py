"""Loading a project together with the caller's right to act in it."""

from __future__ import annotations

from chalicelib.api.http import Call
from chalicelib.config import get_settings
from chalicelib.domain.clock import now
from chalicelib.domain.policy import Action, MemberRole, authorize
from chalicelib.domain.principal import require_fresh_login
from chalicelib.errors import NotFoundError
from chalicelib.store import projects
from chalicelib.store.models import MemberModel, ProjectModel


def project_access(call: Call, action: Action) -> tuple[ProjectModel, MemberRole, MemberModel | None]:
    """The project of `{pid}`, the caller's effective role and membership, once authorized.

    Outsiders learn nothing: they get the same 404 as for a project that does not exist,
    and without a read of the project itself. On a step-up route, a caller with the right
    but an old login gets 401 step_up_required (RFC 9470); one without the right gets 403
    first, since a fresh login would not help them.
    """
    principal = call.person
    if call.access is None:
        membership = projects.get_membership(call.params["pid"], principal.sub)
        if membership is None and not principal.is_system_admin:
            raise NotFoundError("project not found")
        call.access = (projects.get_project(call.params["pid"]), membership)
    project, membership = call.access
    role = authorize(principal, MemberRole(membership.role) if membership else None, action)
    if call.endpoint.step_up:
        require_fresh_login(principal, now(), get_settings().step_up_max_age)
    return project, role, membership
