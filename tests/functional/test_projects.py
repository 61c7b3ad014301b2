"""Projects: what an owner and their members see when they create, read, rename and delete."""

from __future__ import annotations

from tests.functional.conftest import Api


def test_creator_becomes_owner_and_sees_the_project(api: Api) -> None:
    created = api.post("/v1/projects", {"name": "Billing", "description": "invoices"}, as_user="ann")
    assert created.status == 201
    project = created.json
    assert project["name"] == "Billing" and project["description"] == "invoices"
    assert project["created_by"] == "ann" and project["created_at"].endswith("Z")

    assert api.get(f"/v1/projects/{project['id']}", as_user="ann").json == project
    members = api.get(f"/v1/projects/{project['id']}/members", as_user="ann").json["items"]
    assert [(m["user_id"], m["role"]) for m in members] == [("ann", "owner")]


def test_list_shows_only_my_projects_and_pages(api: Api) -> None:
    mine = [api.project(owner="ann", name=f"p{i}") for i in range(3)]
    api.project(owner="bob", name="not mine")

    first = api.get("/v1/projects?limit=2", as_user="ann").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/v1/projects?limit=2&cursor={first['next_cursor']}", as_user="ann").json
    assert second["next_cursor"] is None
    assert [p["id"] for p in first["items"] + second["items"]] == mine


def test_outsider_gets_404_not_403(api: Api) -> None:
    pid = api.project(owner="ann")
    reply = api.get(f"/v1/projects/{pid}", as_user="mallory")
    assert reply.status == 404 and reply.code == "not_found"
    assert api.get("/v1/projects/prj_doesnotexist", as_user="ann").status == 404


def test_rename_is_audited_and_viewers_may_not(api: Api) -> None:
    pid = api.project(owner="ann", vic="viewer", eddie="editor")
    assert api.patch(f"/v1/projects/{pid}", {"name": "Renamed"}, as_user="vic").status == 403
    renamed = api.patch(f"/v1/projects/{pid}", {"description": "new"}, as_user="eddie")
    assert renamed.status == 200 and renamed.json["description"] == "new" and renamed.json["name"] == "Demo"
    events = api.get(f"/v1/projects/{pid}/audit-events", as_user="ann").json["items"]
    assert events[0]["action"] == "project.updated" and events[0]["actor"] == "eddie"
    assert events[0]["details"] == {"changed": ["description"]}


def test_only_owner_deletes_and_then_it_is_gone_for_everyone(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin")
    assert api.delete(f"/v1/projects/{pid}", as_user="adam").status == 403
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204
    assert api.get(f"/v1/projects/{pid}", as_user="ann").status == 404
    assert api.get(f"/v1/projects/{pid}", as_user="adam").status == 404
    assert api.get("/v1/projects", as_user="ann").json["items"] == []
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 404


def test_system_admin_acts_as_owner_without_membership(api: Api) -> None:
    pid = api.project(owner="ann")
    root = {"as_user": "root", "groups": ("keywarden-admins",)}
    assert api.get(f"/v1/projects/{pid}", **root).status == 200
    assert api.put(f"/v1/projects/{pid}/members/bob", {"role": "owner"}, **root).status == 200
    assert api.delete(f"/v1/projects/{pid}", **root).status == 204
