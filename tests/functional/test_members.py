"""Members: who may add, change and remove whom, and the owner a project always keeps."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Api

ROOT_ADMIN: dict[str, Any] = {"as_user": "root", "groups": ("keywarden-admins",)}


def members_of(api: Api, pid: str) -> dict[str, str]:
    """user id -> role, read by a system administrator so that no member's rights matter."""
    reply = api.get(f"/v1/projects/{pid}/members?limit=100", **ROOT_ADMIN)
    assert reply.status == 200, reply.body
    return {m["user_id"]: m["role"] for m in reply.json["items"]}


def audit_of(api: Api, pid: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/projects/{pid}/audit-events?limit=100", **ROOT_ADMIN)
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


def test_owner_adds_changes_and_removes_a_member(api: Api) -> None:
    pid = api.project(owner="ann")
    assert api.get(f"/v1/projects/{pid}", as_user="bob").status == 404

    added = api.put(f"/v1/projects/{pid}/members/bob", {"role": "developer"}, as_user="ann")
    assert added.status == 200
    member = added.json
    assert (member["project_id"], member["user_id"], member["role"]) == (pid, "bob", "developer")
    assert member["created_at"].endswith("Z") and member["updated_at"].endswith("Z")
    assert members_of(api, pid) == {"ann": "owner", "bob": "developer"}
    assert api.get(f"/v1/projects/{pid}", as_user="bob").status == 200

    changed = api.put(f"/v1/projects/{pid}/members/bob", {"role": "viewer"}, as_user="ann")
    assert changed.status == 200
    assert changed.json["role"] == "viewer" and changed.json["created_at"] == member["created_at"]
    assert members_of(api, pid) == {"ann": "owner", "bob": "viewer"}

    removed = api.delete(f"/v1/projects/{pid}/members/bob", as_user="ann")
    assert removed.status == 204 and removed.body == b""
    assert members_of(api, pid) == {"ann": "owner"}
    assert api.get(f"/v1/projects/{pid}", as_user="bob").status == 404


def test_owner_may_give_every_role_including_owner(api: Api) -> None:
    pid = api.project(owner="ann")
    for role in ("viewer", "developer", "editor", "admin", "owner", "viewer"):
        reply = api.put(f"/v1/projects/{pid}/members/carol", {"role": role}, as_user="ann")
        assert reply.status == 200, (role, reply.body)
        assert members_of(api, pid)["carol"] == role


def test_admin_manages_members_but_not_owners(api: Api) -> None:
    pid = api.project(owner="ann", olga="owner", adam="admin", bob="viewer")

    # Everyone who is not an owner is the admin's to manage, admins included.
    assert api.put(f"/v1/projects/{pid}/members/bob", {"role": "editor"}, as_user="adam").status == 200
    assert api.put(f"/v1/projects/{pid}/members/newbie", {"role": "developer"}, as_user="adam").status == 200
    assert api.put(f"/v1/projects/{pid}/members/newbie", {"role": "admin"}, as_user="adam").status == 200
    assert api.delete(f"/v1/projects/{pid}/members/newbie", as_user="adam").status == 204
    expected = {"ann": "owner", "olga": "owner", "adam": "admin", "bob": "editor"}
    assert members_of(api, pid) == expected

    refused = [
        api.put(f"/v1/projects/{pid}/members/bob", {"role": "owner"}, as_user="adam"),  # make an owner
        api.put(f"/v1/projects/{pid}/members/stranger", {"role": "owner"}, as_user="adam"),  # add an owner
        api.put(f"/v1/projects/{pid}/members/adam", {"role": "owner"}, as_user="adam"),  # promote oneself
        api.put(f"/v1/projects/{pid}/members/olga", {"role": "viewer"}, as_user="adam"),  # demote an owner
        api.delete(f"/v1/projects/{pid}/members/ann", as_user="adam"),  # remove an owner
    ]
    assert [(r.status, r.code) for r in refused] == [(403, "forbidden")] * len(refused)
    assert members_of(api, pid) == expected


@pytest.mark.parametrize("role", ["editor", "developer", "viewer"])
def test_members_without_the_right_get_403(api: Api, role: str) -> None:
    pid = api.project(owner="ann", bob="viewer", me=role)
    before = members_of(api, pid)

    refused = [
        api.put(f"/v1/projects/{pid}/members/newbie", {"role": "viewer"}, as_user="me"),
        api.put(f"/v1/projects/{pid}/members/bob", {"role": "developer"}, as_user="me"),
        api.put(f"/v1/projects/{pid}/members/me", {"role": "admin"}, as_user="me"),
        api.put(f"/v1/projects/{pid}/members/me", {"role": role}, as_user="me"),
        api.delete(f"/v1/projects/{pid}/members/bob", as_user="me"),
        api.delete(f"/v1/projects/{pid}/members/ann", as_user="me"),
    ]
    assert [(r.status, r.code) for r in refused] == [(403, "forbidden")] * len(refused)
    assert members_of(api, pid) == before


def test_outsider_gets_404_and_changes_nothing(api: Api) -> None:
    pid = api.project(owner="ann", bob="viewer")
    before = members_of(api, pid)

    refused = [
        api.get(f"/v1/projects/{pid}/members", as_user="mallory"),
        api.put(f"/v1/projects/{pid}/members/mallory", {"role": "owner"}, as_user="mallory"),
        api.put(f"/v1/projects/{pid}/members/bob", {"role": "viewer"}, as_user="mallory"),
        api.delete(f"/v1/projects/{pid}/members/bob", as_user="mallory"),
        api.delete(f"/v1/projects/{pid}/members/mallory", as_user="mallory"),
    ]
    assert [(r.status, r.code) for r in refused] == [(404, "not_found")] * len(refused)
    assert members_of(api, pid) == before


@pytest.mark.parametrize("role", ["admin", "editor", "developer", "viewer"])
def test_a_member_may_remove_themselves(api: Api, role: str) -> None:
    pid = api.project(owner="ann", me=role)
    assert api.get(f"/v1/projects/{pid}", as_user="me").status == 200

    assert api.delete(f"/v1/projects/{pid}/members/me", as_user="me").status == 204
    assert members_of(api, pid) == {"ann": "owner"}
    assert api.get(f"/v1/projects/{pid}", as_user="me").status == 404
    assert api.get("/v1/projects", as_user="me").json["items"] == []


def test_the_last_owner_can_be_neither_demoted_nor_removed(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin")

    refused = [
        api.put(f"/v1/projects/{pid}/members/ann", {"role": "admin"}, as_user="ann"),
        api.delete(f"/v1/projects/{pid}/members/ann", as_user="ann"),
        # A system administrator acts as an owner, and is held to the same rule.
        api.put(f"/v1/projects/{pid}/members/ann", {"role": "viewer"}, **ROOT_ADMIN),
        api.delete(f"/v1/projects/{pid}/members/ann", **ROOT_ADMIN),
    ]
    assert [(r.status, r.code) for r in refused] == [(409, "conflict")] * len(refused)
    assert refused[0].headers["content-type"] == "application/problem+json"
    assert members_of(api, pid) == {"ann": "owner", "adam": "admin"}
    assert api.get(f"/v1/projects/{pid}", as_user="ann").status == 200


def test_the_last_owner_conflict_says_why(api: Api) -> None:
    # A conflict that says "retry" would send a client into a loop; this one can only be solved
    # by making someone else owner first, and the problem's detail should say so.
    pid = api.project(owner="ann")
    demote = api.put(f"/v1/projects/{pid}/members/ann", {"role": "viewer"}, as_user="ann")
    leave = api.delete(f"/v1/projects/{pid}/members/ann", as_user="ann")
    for reply in (demote, leave):
        assert (reply.status, reply.code) == (409, "conflict")
        assert "owner" in reply.json["detail"], reply.json["detail"]


def test_an_owner_may_step_down_once_another_owner_exists(api: Api) -> None:
    pid = api.project(owner="ann")
    assert api.put(f"/v1/projects/{pid}/members/bob", {"role": "owner"}, as_user="ann").status == 200

    demoted = api.put(f"/v1/projects/{pid}/members/ann", {"role": "admin"}, as_user="ann")
    assert demoted.status == 200 and demoted.json["role"] == "admin"
    # Now bob is the only owner, and he is the one who cannot go.
    assert api.delete(f"/v1/projects/{pid}/members/bob", as_user="bob").status == 409
    assert api.put(f"/v1/projects/{pid}/members/bob", {"role": "admin"}, as_user="bob").status == 409

    assert api.put(f"/v1/projects/{pid}/members/carol", {"role": "owner"}, as_user="bob").status == 200
    assert api.delete(f"/v1/projects/{pid}/members/bob", as_user="bob").status == 204
    assert members_of(api, pid) == {"ann": "admin", "carol": "owner"}
    assert api.delete(f"/v1/projects/{pid}/members/carol", as_user="carol").status == 409


def test_an_owner_may_remove_another_owner(api: Api) -> None:
    pid = api.project(owner="ann", olga="owner")
    assert api.delete(f"/v1/projects/{pid}/members/olga", as_user="ann").status == 204
    assert members_of(api, pid) == {"ann": "owner"}
    assert api.delete(f"/v1/projects/{pid}/members/ann", as_user="ann").status == 409


def test_putting_the_same_role_again_changes_nothing(api: Api) -> None:
    pid = api.project(owner="ann", bob="editor")
    listed = {m["user_id"]: m for m in api.get(f"/v1/projects/{pid}/members", as_user="ann").json["items"]}
    events = audit_of(api, pid)

    again = api.put(f"/v1/projects/{pid}/members/bob", {"role": "editor"}, as_user="ann")
    assert again.status == 200 and again.json == listed["bob"]
    # The last owner "becoming" owner again is no demotion: 200, not 409.
    same_owner = api.put(f"/v1/projects/{pid}/members/ann", {"role": "owner"}, as_user="ann")
    assert same_owner.status == 200 and same_owner.json == listed["ann"]
    assert audit_of(api, pid) == events


def test_removing_someone_who_is_not_a_member_is_404(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin")
    events = audit_of(api, pid)
    for actor in ("ann", "adam"):
        reply = api.delete(f"/v1/projects/{pid}/members/nobody", as_user=actor)
        assert (reply.status, reply.code) == (404, "not_found")
    assert audit_of(api, pid) == events


def test_an_unknown_role_is_422_on_role(api: Api) -> None:
    pid = api.project(owner="ann", bob="viewer")
    for role in ("superuser", "Owner", "", None, 1, ["admin"]):
        for user in ("bob", "newbie"):
            reply = api.put(f"/v1/projects/{pid}/members/{user}", {"role": role}, as_user="ann")
            assert (reply.status, reply.code) == (422, "validation_failed"), role
            assert reply.json["errors"][0]["field"] == "role"
    assert members_of(api, pid) == {"ann": "owner", "bob": "viewer"}


def test_a_missing_role_is_422_on_role(api: Api) -> None:
    pid = api.project(owner="ann")
    reply = api.put(f"/v1/projects/{pid}/members/bob", {}, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert reply.json["errors"] == [{"field": "role", "message": "is required"}]


def test_user_ids_in_the_path_are_bounded_not_a_server_error(api: Api) -> None:
    pid = api.project(owner="ann")
    for user_id in ("x" * 257, "x" * 10_000, "bo\x07b", "bob\x00"):
        put = api.put(f"/v1/projects/{pid}/members/{user_id}", {"role": "viewer"}, as_user="ann")
        delete = api.delete(f"/v1/projects/{pid}/members/{user_id}", as_user="ann")
        assert (put.status, put.code) == (404, "not_found"), user_id[:20]
        assert (delete.status, delete.code) == (404, "not_found"), user_id[:20]
    assert members_of(api, pid) == {"ann": "owner"}

    # The longest `sub` OIDC allows (255 characters) still works.
    longest = "y" * 255
    assert api.put(f"/v1/projects/{pid}/members/{longest}", {"role": "viewer"}, as_user="ann").status == 200
    assert members_of(api, pid) == {"ann": "owner", longest: "viewer"}


def test_member_changes_are_audited_with_their_actor(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin")
    api.put(f"/v1/projects/{pid}/members/bob", {"role": "developer"}, as_user="ann")
    api.put(f"/v1/projects/{pid}/members/bob", {"role": "viewer"}, as_user="adam")
    api.delete(f"/v1/projects/{pid}/members/bob", as_user="bob")
    api.put(f"/v1/projects/{pid}/members/carol", {"role": "editor"}, **ROOT_ADMIN)

    newest_first = [(e["action"], e["actor"], e["target"], e["details"]) for e in audit_of(api, pid)]
    bob = {"type": "member", "id": "bob"}
    assert newest_first[:5] == [
        ("member.added", "root", {"type": "member", "id": "carol"}, {"role": "editor"}),
        ("member.removed", "bob", bob, {"role": "viewer"}),
        ("member.role_changed", "adam", bob, {"from": "developer", "to": "viewer"}),
        ("member.added", "ann", bob, {"role": "developer"}),
        ("member.added", "ann", {"type": "member", "id": "adam"}, {"role": "admin"}),
    ]
