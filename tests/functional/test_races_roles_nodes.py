"""Races against the conditional writes of chalicelib/store/roles.py and nodes.py."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store import nodes as node_store
from chalicelib.store import roles as role_store
from chalicelib.store.project_models import NodeModel, RoleModel
from tests.functional.conftest import Api
from tests.functional.races import Scene, audit_actions, refused


def stored_roles(pid: str) -> list[dict[str, Any]]:
    return [dict(r.attribute_values) for r in RoleModel.query(pid, consistent_read=True)]


def stored_nodes(pid: str) -> list[dict[str, Any]]:
    return [dict(n.attribute_values) for n in NodeModel.query(pid, consistent_read=True)]


def node(scene: Scene, name: str = "db") -> str:
    reply = scene.api.post(f"/v1/projects/{scene.pid}/nodes", {"name": name, "kind": "input"}, as_user="ann")
    assert reply.status == 201, reply.body
    node_id: str = reply.json["id"]
    return node_id


# --- roles ----------------------------------------------------------------------------


def test_a_new_role_whose_id_collides_overwrites_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: RoleModel.id.does_not_exist() in create_role. An overwrite would also reset the
    # role's count of keys to 0, so a role in use could be deleted under its keys.
    scene = Scene(api)
    role_id = scene.role("in use")
    scene.issue(role_id)
    before, events = stored_roles(scene.pid), audit_actions(scene.pid)
    monkeypatch.setattr(role_store, "new_id", lambda prefix: role_id)

    reply = api.post(f"/v1/projects/{scene.pid}/roles", {"name": "other", "permissions": []}, as_user="ann")
    assert (reply.status, reply.code) == (409, "conflict")
    assert stored_roles(scene.pid) == before
    assert audit_actions(scene.pid) == events


def test_a_role_change_that_raced_its_deletion_does_not_bring_it_back(api: Api) -> None:
    # Guard: RoleModel.id.exists() in update_role (a PATCH racing a DELETE).
    scene = Scene(api)
    role_id = scene.role()
    stale = role_store.get_role(scene.pid, role_id)
    assert api.delete(f"/v1/projects/{scene.pid}/roles/{role_id}", as_user="ann").status == 204
    events = audit_actions(scene.pid)

    with refused(404, "not_found"):
        role_store.update_role(stale, {"name": "renamed"}, "ann")
    assert stored_roles(scene.pid) == []
    assert api.get(f"/v1/projects/{scene.pid}/roles/{role_id}", as_user="ann").status == 404
    assert audit_actions(scene.pid) == events


def test_a_role_deletion_that_read_it_unused_before_a_key_took_it_is_refused(api: Api) -> None:
    # Guard: RoleModel.ref_count == 0 in delete_role, evaluated at commit, not when read.
    scene = Scene(api)
    role_id = scene.role()
    stale = role_store.get_role(scene.pid, role_id)
    assert stale.ref_count == 0
    key_id, secret = scene.issue(role_id)

    with refused(409, "conflict"):
        role_store.delete_role(stale, "ann")
    assert [r["id"] for r in stored_roles(scene.pid)] == [role_id]
    assert scene.verify(secret)["key_id"] == key_id


def test_a_role_deleted_twice_at_once_is_deleted_once(api: Api) -> None:
    # Guard: RoleModel.id.exists() & (ref_count == 0) in delete_role: the loser must not record a
    # second deletion. It reads the role again and answers 404, as a DELETE after the first would.
    scene = Scene(api)
    role_id = scene.role()
    stale = role_store.get_role(scene.pid, role_id)
    assert api.delete(f"/v1/projects/{scene.pid}/roles/{role_id}", as_user="ann").status == 204
    events = audit_actions(scene.pid)

    with refused(404, "not_found"):
        role_store.delete_role(stale, "ann")
    assert stored_roles(scene.pid) == []
    assert audit_actions(scene.pid) == events


def test_role_writes_that_read_the_project_before_its_deletion_began_change_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: project_is_live() in create_role, update_role and delete_role.
    scene = Scene(api)
    role_id = scene.role()
    stale = role_store.get_role(scene.pid, role_id)
    scene.begin_deletion(monkeypatch)
    before, events = stored_roles(scene.pid), audit_actions(scene.pid)

    with refused(404, "not_found"):
        role_store.create_role(scene.pid, "late", "", ["a:b"], "ann")
    with refused(404, "not_found"):
        role_store.update_role(stale, {"name": "renamed"}, "ann")
    with refused(404, "not_found"):
        role_store.delete_role(stale, "ann")
    assert stored_roles(scene.pid) == before
    assert audit_actions(scene.pid) == events


# --- nodes ----------------------------------------------------------------------------


def test_a_new_node_whose_id_collides_overwrites_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: NodeModel.id.does_not_exist() in create_node.
    scene = Scene(api)
    node_id = node(scene, "db")
    before, events = stored_nodes(scene.pid), audit_actions(scene.pid)
    monkeypatch.setattr(node_store, "new_id", lambda prefix: node_id)

    reply = api.post(f"/v1/projects/{scene.pid}/nodes", {"name": "queue", "kind": "output"}, as_user="ann")
    assert (reply.status, reply.code) == (409, "conflict")
    assert stored_nodes(scene.pid) == before
    assert audit_actions(scene.pid) == events


def test_a_node_deleted_twice_at_once_is_deleted_once(api: Api) -> None:
    # Guard: NodeModel.id.exists() in delete_node: the loser gets 404 and records nothing.
    scene = Scene(api)
    stale = node_store.get_node(scene.pid, node(scene))
    assert api.delete(f"/v1/projects/{scene.pid}/nodes/{stale.id}", as_user="ann").status == 204
    events = audit_actions(scene.pid)

    with refused(404, "not_found"):
        node_store.delete_node(stale, "ann")
    assert stored_nodes(scene.pid) == []
    assert audit_actions(scene.pid) == events


def test_node_writes_that_read_the_project_before_its_deletion_began_change_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: project_is_live() in create_node and delete_node.
    scene = Scene(api)
    stale = node_store.get_node(scene.pid, node(scene))
    scene.begin_deletion(monkeypatch)
    before, events = stored_nodes(scene.pid), audit_actions(scene.pid)

    with refused(404, "not_found"):
        node_store.create_node(scene.pid, "late", "input", "ann")
    with refused(404, "not_found"):
        node_store.delete_node(stale, "ann")
    assert stored_nodes(scene.pid) == before
    assert audit_actions(scene.pid) == events
