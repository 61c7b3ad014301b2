"""Project roles: named sets of permissions that keys and templates are issued with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.project_models import RoleModel
from chalicelib.store.projects import conflict_or_gone, project_is_live


def create_role(project_id: str, name: str, description: str, permissions: list[str], actor: str) -> RoleModel:
    at = rfc3339(now())
    role = RoleModel(
        project_id,
        new_id("rol"),
        name=name,
        description=description,
        permissions=permissions,
        ref_count=0,
        created_at=at,
        updated_at=at,
    )
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.save(role, condition=RoleModel.id.does_not_exist())
            audit.record(
                txn, project_id, actor, "role.created", ("role", role.id), {"name": name, "permissions": permissions}
            )
    except TransactionCancelledError as error:
        raise conflict_or_gone(error, "a role with this id exists") from None
    return role


def get_role(project_id: str, role_id: str) -> RoleModel:
    return get_or_not_found(RoleModel, project_id, role_id, prefix="rol", what="role")


def list_roles(project_id: str, limit: int, cursor: str | None) -> Page[RoleModel]:
    return query_page(RoleModel, project_id, "id", limit, cursor, consistent_read=True)


def update_role(role: RoleModel, changes: Mapping[str, Any], actor: str) -> RoleModel:
    if not changes:
        return role
    at = rfc3339(now())
    actions = [getattr(RoleModel, field).set(value) for field, value in changes.items()]
    actions.append(RoleModel.updated_at.set(at))
    try:
        with transaction() as txn:
            project_is_live(txn, role.project_id)
            # The role must still exist: a PATCH racing a DELETE must not resurrect it.
            txn.update(role, actions=actions, condition=RoleModel.id.exists(), label="role")
            audit.record(txn, role.project_id, actor, "role.updated", ("role", role.id), dict(changes))
    except TransactionCancelledError as error:
        if error.failed & {"project", "role"}:
            raise NotFoundError("role not found") from None
        raise
    return get_role(role.project_id, role.id)


def delete_role(role: RoleModel, actor: str) -> None:
    try:
        with transaction() as txn:
            project_is_live(txn, role.project_id)
            # A role that keys or templates name cannot go; the count is kept in their transactions.
            txn.delete(role, condition=RoleModel.id.exists() & (RoleModel.ref_count == 0), label="role")
            audit.record(txn, role.project_id, actor, "role.deleted", ("role", role.id), {"name": role.name})
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "role" in error.failed:
            get_role(role.project_id, role.id)  # NotFoundError: someone else deleted it first
            raise ConflictError("the role is in use by a key or a template") from None
        raise
