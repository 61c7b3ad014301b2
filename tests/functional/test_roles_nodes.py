"""Roles and nodes: the configuration owners, admins and editors manage and every member reads."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store.project_models import RoleModel
from tests.functional.conftest import Api

ROLE = {"name": "Reader", "description": "reads orders", "permissions": ["orders:read", "orders.items:*"]}
MISSING_ROLE = "rol_00000000000000000000000000"
MISSING_NODE = "nod_00000000000000000000000000"


def create_role(api: Api, pid: str, as_user: str = "ann", **overrides: Any) -> dict[str, Any]:
    reply = api.post(f"/v1/projects/{pid}/roles", {**ROLE, **overrides}, as_user=as_user)
    assert reply.status == 201, reply.body
    role: dict[str, Any] = reply.json
    return role


def create_node(api: Api, pid: str, name: str = "orders-db", kind: str = "input", as_user: str = "ann") -> str:
    reply = api.post(f"/v1/projects/{pid}/nodes", {"name": name, "kind": kind}, as_user=as_user)
    assert reply.status == 201, reply.body
    node_id: str = reply.json["id"]
    return node_id


def role_ids(api: Api, pid: str) -> list[str]:
    return [r["id"] for r in api.get(f"/v1/projects/{pid}/roles", as_user="ann").json["items"]]


def nodes_of(api: Api, pid: str) -> dict[str, tuple[str, str]]:
    reply = api.get(f"/v1/projects/{pid}/nodes", as_user="ann")
    assert reply.status == 200, reply.body
    return {n["id"]: (n["name"], n["kind"]) for n in reply.json["items"]}


# --- roles -------------------------------------------------------------------------


def test_role_lifecycle(api: Api) -> None:
    pid = api.project(owner="ann")
    created = api.post(f"/v1/projects/{pid}/roles", ROLE, as_user="ann")
    assert created.status == 201
    role = created.json
    assert role["id"].startswith("rol_")
    assert (role["name"], role["description"], role["permissions"]) == (
        "Reader",
        "reads orders",
        ["orders:read", "orders.items:*"],
    )
    assert role["created_at"].endswith("Z") and role["updated_at"].endswith("Z")

    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json == role
    listed = api.get(f"/v1/projects/{pid}/roles", as_user="ann").json
    assert listed == {"items": [role], "next_cursor": None}

    deleted = api.delete(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann")
    assert deleted.status == 204 and deleted.body == b""
    gone = api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann")
    assert (gone.status, gone.code) == (404, "not_found")
    assert role_ids(api, pid) == []
    assert api.delete(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").status == 404


def test_a_role_without_description_gets_an_empty_one(api: Api) -> None:
    pid = api.project(owner="ann")
    reply = api.post(f"/v1/projects/{pid}/roles", {"name": "Bare", "permissions": []}, as_user="ann")
    assert reply.status == 201
    assert (reply.json["description"], reply.json["permissions"]) == ("", [])


def test_permissions_that_match_the_pattern_are_kept_as_sent(api: Api) -> None:
    pid = api.project(owner="ann")
    permissions = ["*", "a", "orders:read", "v1.orders_items-x:*", "0:9", "p" * 128]
    assert create_role(api, pid, permissions=permissions)["permissions"] == permissions


BAD_PERMISSIONS = ["Orders:read", "", "orders read", "p" * 129, "ordérs:read", "orders/read", "orders\u0000", "x\ty", 7]


def test_a_permission_outside_the_pattern_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid)
    for permission in BAD_PERMISSIONS:
        permissions = ["orders:read", permission]
        created = api.post(f"/v1/projects/{pid}/roles", {**ROLE, "permissions": permissions}, as_user="ann")
        patched = api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {"permissions": permissions}, as_user="ann")
        for reply in (created, patched):
            assert (reply.status, reply.code) == (422, "validation_failed"), permission
            assert reply.json["errors"][0]["field"] == "permissions[1]", permission
    assert role_ids(api, pid) == [role["id"]]
    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json == role


def test_a_permission_ending_in_a_newline_is_422(api: Api) -> None:
    # "$" in a pattern also matches before a final newline; the contract's pattern means the whole string.
    pid = api.project(owner="ann")
    reply = api.post(f"/v1/projects/{pid}/roles", {**ROLE, "permissions": ["orders:read\n"]}, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert reply.json["errors"][0]["field"] == "permissions[0]"
    assert role_ids(api, pid) == []


def test_more_than_100_permissions_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    reply = api.post(f"/v1/projects/{pid}/roles", {**ROLE, "permissions": [f"p{i}" for i in range(101)]}, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert reply.json["errors"][0]["field"] == "permissions"
    assert len(create_role(api, pid, permissions=[f"p{i}" for i in range(100)])["permissions"]) == 100


def test_repeated_permissions_are_kept_once_in_first_seen_order(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid, permissions=["b:read", "a:read", "b:read", "a:read", "c"])
    assert role["permissions"] == ["b:read", "a:read", "c"]

    patched = api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {"permissions": ["x", "y", "x"]}, as_user="ann")
    assert patched.status == 200 and patched.json["permissions"] == ["x", "y"]
    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json["permissions"] == ["x", "y"]


def test_patch_changes_only_the_fields_it_sends(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid)
    url = f"/v1/projects/{pid}/roles/{role['id']}"

    renamed = api.patch(url, {"name": "Order reader"}, as_user="ann")
    assert renamed.status == 200
    assert renamed.json["name"] == "Order reader"
    assert renamed.json["description"] == role["description"] and renamed.json["permissions"] == role["permissions"]

    described = api.patch(url, {"description": ""}, as_user="ann")
    assert described.status == 200
    assert (described.json["name"], described.json["description"]) == ("Order reader", "")
    assert described.json["permissions"] == role["permissions"]

    emptied = api.patch(url, {"permissions": []}, as_user="ann")
    assert emptied.status == 200 and emptied.json["permissions"] == []
    assert api.get(url, as_user="ann").json == emptied.json

    unchanged = api.patch(url, {}, as_user="ann")
    assert unchanged.status == 200 and unchanged.json == emptied.json


def test_patch_with_an_invalid_value_is_422_and_changes_nothing(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid)
    for field, value in (("name", None), ("name", ""), ("name", "   "), ("description", 5), ("permissions", None)):
        reply = api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {field: value}, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), (field, value)
        assert reply.json["errors"][0]["field"] == field
    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json == role


def test_unknown_fields_are_422(api: Api) -> None:
    pid = api.project(owner="ann")
    created = api.post(f"/v1/projects/{pid}/roles", {**ROLE, "scope": "all"}, as_user="ann")
    assert (created.status, created.code) == (422, "validation_failed")
    assert created.json["errors"] == [{"field": "scope", "message": "is not a known field"}]
    assert role_ids(api, pid) == []

    role = create_role(api, pid)
    patched = api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {"id": "rol_mine", "name": "x"}, as_user="ann")
    assert (patched.status, patched.code) == (422, "validation_failed")
    assert patched.json["errors"][0]["field"] == "id"
    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json == role


def test_missing_name_or_permissions_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    for field in ("name", "permissions"):
        body = {k: v for k, v in ROLE.items() if k != field}
        reply = api.post(f"/v1/projects/{pid}/roles", body, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed")
        assert reply.json["errors"] == [{"field": field, "message": "is required"}]
    assert role_ids(api, pid) == []


def test_unknown_malformed_and_foreign_role_ids_are_404(api: Api) -> None:
    pid = api.project(owner="ann")
    other_pid = api.project(owner="ann", name="Other")
    foreign = create_role(api, other_pid)
    node_id = create_node(api, pid)
    for role_id in (MISSING_ROLE, node_id, pid, "not-an-id", "rol_", foreign["id"].upper(), foreign["id"]):
        url = f"/v1/projects/{pid}/roles/{role_id}"
        for reply in (api.get(url, as_user="ann"), api.patch(url, {"name": "x"}, as_user="ann")):
            assert (reply.status, reply.code) == (404, "not_found"), role_id
        assert api.delete(url, as_user="ann").status == 404, role_id
    # The role of the other project is untouched by all of that.
    assert api.get(f"/v1/projects/{other_pid}/roles/{foreign['id']}", as_user="ann").json == foreign


def test_an_editor_manages_roles(api: Api) -> None:
    pid = api.project(owner="ann", eddie="editor")
    role = create_role(api, pid, as_user="eddie")
    patched = api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {"name": "Edited"}, as_user="eddie")
    assert patched.status == 200 and patched.json["name"] == "Edited"
    assert api.delete(f"/v1/projects/{pid}/roles/{role['id']}", as_user="eddie").status == 204
    assert role_ids(api, pid) == []


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_read_roles_but_may_not_change_them(api: Api, role: str) -> None:
    pid = api.project(owner="ann", me=role)
    existing = create_role(api, pid)
    url = f"/v1/projects/{pid}/roles/{existing['id']}"

    assert api.get(f"/v1/projects/{pid}/roles", as_user="me").json["items"] == [existing]
    assert api.get(url, as_user="me").json == existing

    refused = [
        api.post(f"/v1/projects/{pid}/roles", ROLE, as_user="me"),
        api.patch(url, {"name": "Mine now"}, as_user="me"),
        api.delete(url, as_user="me"),
    ]
    assert [(r.status, r.code) for r in refused] == [(403, "forbidden")] * 3
    assert api.get(url, as_user="ann").json == existing and role_ids(api, pid) == [existing["id"]]


def test_outsiders_see_no_roles(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid)
    url = f"/v1/projects/{pid}/roles/{role['id']}"
    for reply in (
        api.get(f"/v1/projects/{pid}/roles", as_user="mallory"),
        api.get(url, as_user="mallory"),
        api.post(f"/v1/projects/{pid}/roles", ROLE, as_user="mallory"),
        api.patch(url, {"name": "x"}, as_user="mallory"),
        api.delete(url, as_user="mallory"),
    ):
        assert (reply.status, reply.code) == (404, "not_found")
    assert role_ids(api, pid) == [role["id"]]


def test_a_role_in_use_cannot_be_deleted(api: Api) -> None:
    pid = api.project(owner="ann")
    role = create_role(api, pid)
    # No key or template can name a role yet, so "in use" is arranged the way their
    # transactions will record it: the role's reference count.
    RoleModel.get(pid, role["id"]).update(actions=[RoleModel.ref_count.set(1)])

    refused = api.delete(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann")
    assert (refused.status, refused.code) == (409, "conflict")
    assert api.get(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").json == role

    # Once nothing uses it, the same request goes through.
    RoleModel.get(pid, role["id"]).update(actions=[RoleModel.ref_count.set(0)])
    assert api.delete(f"/v1/projects/{pid}/roles/{role['id']}", as_user="ann").status == 204
    assert role_ids(api, pid) == []


def test_roles_list_in_pages(api: Api) -> None:
    pid = api.project(owner="ann")
    ids = [create_role(api, pid, name=f"r{i}")["id"] for i in range(5)]
    first = api.get(f"/v1/projects/{pid}/roles?limit=2", as_user="ann").json
    second = api.get(f"/v1/projects/{pid}/roles?limit=2&cursor={first['next_cursor']}", as_user="ann").json
    third = api.get(f"/v1/projects/{pid}/roles?limit=2&cursor={second['next_cursor']}", as_user="ann").json
    assert [len(p["items"]) for p in (first, second, third)] == [2, 2, 1]
    assert third["next_cursor"] is None
    assert sorted(r["id"] for p in (first, second, third) for r in p["items"]) == sorted(ids)


# --- nodes -------------------------------------------------------------------------


def test_nodes_of_every_kind_are_created_listed_and_deleted(api: Api) -> None:
    pid = api.project(owner="ann")
    created = {}
    for name, kind in (("orders-db", "input"), ("billing-queue", "output"), ("wiki", "other")):
        reply = api.post(f"/v1/projects/{pid}/nodes", {"name": name, "kind": kind}, as_user="ann")
        assert reply.status == 201
        node = reply.json
        assert node["id"].startswith("nod_") and node["created_at"].endswith("Z")
        assert (node["name"], node["kind"]) == (name, kind)
        created[node["id"]] = (name, kind)
    assert nodes_of(api, pid) == created

    first = next(iter(created))
    deleted = api.delete(f"/v1/projects/{pid}/nodes/{first}", as_user="ann")
    assert deleted.status == 204 and deleted.body == b""
    del created[first]
    assert nodes_of(api, pid) == created
    again = api.delete(f"/v1/projects/{pid}/nodes/{first}", as_user="ann")
    assert (again.status, again.code) == (404, "not_found")


def test_a_bad_node_kind_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    bodies: list[dict[str, Any]] = [
        {"name": "n", "kind": kind} for kind in ("sideways", "Input", "", None, ["input"], 1)
    ]
    for body in [*bodies, {"name": "n"}]:
        reply = api.post(f"/v1/projects/{pid}/nodes", body, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), body
        assert reply.json["errors"][0]["field"] == "kind"
    assert nodes_of(api, pid) == {}


def test_a_bad_node_name_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    for name in ("", "   ", "x" * 129, "tab\there", None):
        reply = api.post(f"/v1/projects/{pid}/nodes", {"name": name, "kind": "input"}, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), name
        assert reply.json["errors"][0]["field"] == "name"
    assert nodes_of(api, pid) == {}


def test_a_node_name_ending_in_a_newline_is_422(api: Api) -> None:
    # Names refuse control characters; a final newline is one too, wherever "$" would match.
    pid = api.project(owner="ann")
    reply = api.post(f"/v1/projects/{pid}/nodes", {"name": "orders-db\n", "kind": "input"}, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert reply.json["errors"][0]["field"] == "name"
    assert nodes_of(api, pid) == {}


def test_an_editor_manages_nodes(api: Api) -> None:
    pid = api.project(owner="ann", eddie="editor")
    node_id = create_node(api, pid, as_user="eddie")
    assert nodes_of(api, pid) == {node_id: ("orders-db", "input")}
    assert api.delete(f"/v1/projects/{pid}/nodes/{node_id}", as_user="eddie").status == 204
    assert nodes_of(api, pid) == {}


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_read_nodes_but_may_not_change_them(api: Api, role: str) -> None:
    pid = api.project(owner="ann", me=role)
    node_id = create_node(api, pid)

    listed = api.get(f"/v1/projects/{pid}/nodes", as_user="me")
    assert listed.status == 200 and [n["id"] for n in listed.json["items"]] == [node_id]
    refused = [
        api.post(f"/v1/projects/{pid}/nodes", {"name": "mine", "kind": "output"}, as_user="me"),
        api.delete(f"/v1/projects/{pid}/nodes/{node_id}", as_user="me"),
    ]
    assert [(r.status, r.code) for r in refused] == [(403, "forbidden")] * 2
    assert nodes_of(api, pid) == {node_id: ("orders-db", "input")}


def test_unknown_malformed_and_foreign_node_ids_are_404(api: Api) -> None:
    pid = api.project(owner="ann")
    other_pid = api.project(owner="ann", name="Other")
    foreign = create_node(api, other_pid)
    role_id = create_role(api, pid)["id"]
    for node_id in (MISSING_NODE, role_id, "nod_", "not-an-id", foreign):
        reply = api.delete(f"/v1/projects/{pid}/nodes/{node_id}", as_user="ann")
        assert (reply.status, reply.code) == (404, "not_found"), node_id
    assert nodes_of(api, other_pid) == {foreign: ("orders-db", "input")}


def test_outsiders_see_no_nodes(api: Api) -> None:
    pid = api.project(owner="ann")
    node_id = create_node(api, pid)
    for reply in (
        api.get(f"/v1/projects/{pid}/nodes", as_user="mallory"),
        api.post(f"/v1/projects/{pid}/nodes", {"name": "n", "kind": "input"}, as_user="mallory"),
        api.delete(f"/v1/projects/{pid}/nodes/{node_id}", as_user="mallory"),
    ):
        assert (reply.status, reply.code) == (404, "not_found")
    assert list(nodes_of(api, pid)) == [node_id]
