"""Project roles: the permission sets keys are issued with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import UNSET, structs

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Page, Role, RoleCreate, RoleUpdate
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import roles as role_cases
    from chalicelib.store import roles
    from chalicelib.store.project_models import RoleModel
else:  # at first use: see chalicelib.lazy
    roles = lazy_module("chalicelib.store.roles")
    role_cases = lazy_module("chalicelib.services.roles")

router = Router("roles", "roles")


def role_view(role: RoleModel) -> Role:
    return Role(
        id=role.id,
        name=role.name,
        description=role.description,
        permissions=[str(p) for p in role.permissions],
        created_at=role.created_at,
        updated_at=role.updated_at,
    )


@router.route("GET", "/v1/projects/{pid}/roles", query=ListQuery, response=Page[Role], action=Action.READ_PROJECT)
def list_roles(call: Call[None, ListQuery]) -> Page[Role]:
    """The roles of a project."""
    page = roles.list_roles(call.access.project.id, call.query.limit, call.query.cursor)
    return Page([role_view(r) for r in page.items], page.next_cursor)


@router.route(
    "POST", "/v1/projects/{pid}/roles", body=RoleCreate, response=Role, status=201, action=Action.MANAGE_CONFIG
)
def create_role(call: Call[RoleCreate, None]) -> Role:
    """Creates a role (owner, admin, editor). Repeated permissions are kept once."""
    project, body = call.access.project, call.body
    role = role_cases.create_role(project.id, body.name, body.description, body.permissions, call.person.sub)
    return role_view(role)


@router.route("GET", "/v1/projects/{pid}/roles/{role_id}", response=Role, action=Action.READ_PROJECT)
def get_role(call: Call[None, None]) -> Role:
    """One role."""
    return role_view(roles.get_role(call.access.project.id, call.params["role_id"]))


@router.route(
    "PATCH", "/v1/projects/{pid}/roles/{role_id}", body=RoleUpdate, response=Role, action=Action.MANAGE_CONFIG
)
def update_role(call: Call[RoleUpdate, None]) -> Role:
    """Changes a role's name, description or permissions (owner, admin, editor)."""
    role = roles.get_role(call.access.project.id, call.params["role_id"])
    changes = {k: v for k, v in structs.asdict(call.body).items() if v is not UNSET}
    return role_view(role_cases.update_role(role, changes, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}/roles/{role_id}", status=204, action=Action.MANAGE_CONFIG)
def delete_role(call: Call[None, None]) -> None:
    """Deletes a role that no key or template uses (else 409)."""
    role_cases.delete_role(roles.get_role(call.access.project.id, call.params["role_id"]), call.person.sub)
