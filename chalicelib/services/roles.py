"""Roles' use cases: create, change, delete. Each is one conditional write with its audit
event (a role in use by a key or a template cannot go); nothing here mints or is cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.store import roles
from chalicelib.store.project_models import RoleModel


def create_role(project_id: str, name: str, description: str, permissions: list[str], actor: str) -> RoleModel:
    """A new role; its permissions, each once, in the order given."""
    return roles.create_role(project_id, name, description, list(dict.fromkeys(permissions)), actor)


def update_role(role: RoleModel, changes: Mapping[str, Any], actor: str) -> RoleModel:
    """Changes the role as read; keys already issued keep the permissions they were issued with."""
    if "permissions" in changes:
        changes = {**changes, "permissions": list(dict.fromkeys(changes["permissions"]))}
    return roles.update_role(role, changes, actor)


def delete_role(role: RoleModel, actor: str) -> None:
    """Deletes the role, unless a key or a template names it (409)."""
    roles.delete_role(role, actor)
