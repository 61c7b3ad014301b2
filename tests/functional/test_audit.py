"""The audit trail: one event per change, newest first, in pages, for owners and admins only."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from chalicelib.store.audit_models import AuditEventModel
from tests.functional.conftest import Api, Reply

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def events(api: Api, pid: str, as_user: str = "ann") -> list[dict[str, Any]]:
    reply = api.get(f"/v1/projects/{pid}/audit-events?limit=100", as_user=as_user)
    assert reply.status == 200, reply.body
    assert reply.json["next_cursor"] is None, "more than 100 events: this helper reads one page"
    items: list[dict[str, Any]] = reply.json["items"]
    return items


def summary(event: dict[str, Any]) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    return event["action"], event["actor"], event["target"], event["details"]


def cursor_of(value: Any) -> str:
    """A cursor as a client could forge one: base64url JSON, unpadded."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_every_change_writes_exactly_one_event(api: Api) -> None:
    pid = api.project(owner="ann")
    history = events(api, pid)
    assert [summary(e) for e in history] == [
        ("project.created", "ann", {"type": "project", "id": pid}, {"name": "Demo"})
    ]

    state: dict[str, str] = {}

    def remember(key: str) -> Callable[[Reply], None]:
        def keep(reply: Reply) -> None:
            state[key] = reply.json["id"]

        return keep

    steps: list[tuple[Callable[[], Reply], Callable[[Reply], None] | None, Callable[[], tuple[Any, ...]]]] = [
        (
            lambda: api.patch(f"/v1/projects/{pid}", {"name": "Renamed"}, as_user="ann"),
            None,
            lambda: ("project.updated", "ann", {"type": "project", "id": pid}, {"changed": ["name"]}),
        ),
        (
            lambda: api.put(f"/v1/projects/{pid}/members/bob", {"role": "viewer"}, as_user="ann"),
            None,
            lambda: ("member.added", "ann", {"type": "member", "id": "bob"}, {"role": "viewer"}),
        ),
        (
            lambda: api.put(f"/v1/projects/{pid}/members/bob", {"role": "editor"}, as_user="ann"),
            None,
            lambda: ("member.role_changed", "ann", {"type": "member", "id": "bob"}, {"from": "viewer", "to": "editor"}),
        ),
        (
            lambda: api.post(f"/v1/projects/{pid}/roles", {"name": "Reader", "permissions": ["a:read"]}, as_user="bob"),
            remember("role"),
            lambda: (
                "role.created",
                "bob",
                {"type": "role", "id": state["role"]},
                {"name": "Reader", "permissions": ["a:read"]},
            ),
        ),
        (
            lambda: api.patch(f"/v1/projects/{pid}/roles/{state['role']}", {"description": "reads a"}, as_user="bob"),
            None,
            lambda: ("role.updated", "bob", {"type": "role", "id": state["role"]}, {"description": "reads a"}),
        ),
        (
            lambda: api.post(f"/v1/projects/{pid}/nodes", {"name": "db", "kind": "input"}, as_user="bob"),
            remember("node"),
            lambda: ("node.created", "bob", {"type": "node", "id": state["node"]}, {"name": "db", "kind": "input"}),
        ),
        (
            lambda: api.delete(f"/v1/projects/{pid}/nodes/{state['node']}", as_user="bob"),
            None,
            lambda: ("node.deleted", "bob", {"type": "node", "id": state["node"]}, {"name": "db"}),
        ),
        (
            lambda: api.delete(f"/v1/projects/{pid}/roles/{state['role']}", as_user="bob"),
            None,
            lambda: ("role.deleted", "bob", {"type": "role", "id": state["role"]}, {"name": "Reader"}),
        ),
        (
            lambda: api.delete(f"/v1/projects/{pid}/members/bob", as_user="ann"),
            None,
            lambda: ("member.removed", "ann", {"type": "member", "id": "bob"}, {"role": "editor"}),
        ),
    ]
    for change, after, expected in steps:
        reply = change()
        assert 200 <= reply.status < 300, reply.body
        if after:
            after(reply)
        now = events(api, pid)
        assert now[1:] == history, "older events never change"
        assert summary(now[0]) == expected()
        history = now

    for event in history:
        assert set(event) == {"id", "at", "actor", "action", "target", "details"}
        assert event["id"].startswith("evt_") and RFC3339_UTC.match(event["at"])
    assert len({e["id"] for e in history}) == len(history) == len(steps) + 1


def test_deleting_a_project_is_recorded_too(api: Api) -> None:
    pid = api.project(owner="ann")
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204
    # The API no longer shows a deleted project, not even its audit trail, which outlives it:
    # read it where it is kept.
    stored = [(e.action, e.actor, e.target_type, e.target_id) for e in AuditEventModel.query(pid)]
    assert stored == [("project.created", "ann", "project", pid), ("project.deleted", "ann", "project", pid)]


def test_no_op_and_refused_changes_write_no_event(api: Api) -> None:
    pid = api.project(owner="ann", bob="editor", vic="viewer")
    role = api.post(f"/v1/projects/{pid}/roles", {"name": "R", "permissions": []}, as_user="ann").json
    before = events(api, pid)

    no_ops = [
        api.put(f"/v1/projects/{pid}/members/bob", {"role": "editor"}, as_user="ann"),
        api.patch(f"/v1/projects/{pid}", {}, as_user="ann"),
        api.patch(f"/v1/projects/{pid}/roles/{role['id']}", {}, as_user="ann"),
    ]
    assert [r.status for r in no_ops] == [200, 200, 200]
    refused = [
        api.post(f"/v1/projects/{pid}/nodes", {"name": "n", "kind": "input"}, as_user="vic"),  # 403
        api.post(f"/v1/projects/{pid}/nodes", {"name": "n", "kind": "nope"}, as_user="ann"),  # 422
        api.put(f"/v1/projects/{pid}/members/ann", {"role": "viewer"}, as_user="ann"),  # 409, last owner
        api.delete(f"/v1/projects/{pid}/members/nobody", as_user="ann"),  # 404
        api.patch(f"/v1/projects/{pid}", {"name": "x"}, as_user="mallory"),  # 404, outsider
    ]
    assert [r.status for r in refused] == [403, 422, 409, 404, 404]
    assert events(api, pid) == before


def test_events_are_listed_newest_first(api: Api) -> None:
    pid = api.project(owner="ann")
    names = [f"node-{i}" for i in range(6)]
    for name in names:
        assert api.post(f"/v1/projects/{pid}/nodes", {"name": name, "kind": "other"}, as_user="ann").status == 201

    listed = events(api, pid)
    assert [e["details"].get("name") for e in listed] == [*reversed(names), "Demo"]
    assert [e["action"] for e in listed] == ["node.created"] * 6 + ["project.created"]
    times = [e["at"] for e in listed]
    assert times == sorted(times, reverse=True)


def test_events_page_with_limit_and_cursor(api: Api) -> None:
    pid = api.project(owner="ann")
    for i in range(7):
        api.post(f"/v1/projects/{pid}/nodes", {"name": f"n{i}", "kind": "input"}, as_user="ann")
    everything = events(api, pid)
    assert len(everything) == 8

    pages, url = [], f"/v1/projects/{pid}/audit-events?limit=3"
    while True:
        page = api.get(url, as_user="ann")
        assert page.status == 200
        pages.append(page.json["items"])
        if page.json["next_cursor"] is None:
            break
        url = f"/v1/projects/{pid}/audit-events?limit=3&cursor={page.json['next_cursor']}"
        assert len(pages) < 10, "the cursor must move forward"
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [e for p in pages for e in p] == everything

    exact = api.get(f"/v1/projects/{pid}/audit-events?limit=8", as_user="ann").json
    assert exact["items"] == everything
    # A cursor after the last item is allowed to exist, but then the next page is empty.
    if exact["next_cursor"] is not None:
        rest = api.get(f"/v1/projects/{pid}/audit-events?cursor={exact['next_cursor']}", as_user="ann").json
        assert rest == {"items": [], "next_cursor": None}


def test_the_default_page_holds_50_events(api: Api) -> None:
    pid = api.project(owner="ann")
    for i in range(50):
        api.post(f"/v1/projects/{pid}/nodes", {"name": f"n{i}", "kind": "input"}, as_user="ann")
    first = api.get(f"/v1/projects/{pid}/audit-events", as_user="ann").json
    assert len(first["items"]) == 50 and first["next_cursor"]
    rest = api.get(f"/v1/projects/{pid}/audit-events?cursor={first['next_cursor']}", as_user="ann").json
    assert [e["action"] for e in rest["items"]] == ["project.created"] and rest["next_cursor"] is None


TAMPERED_CURSORS = [
    "garbage",
    "!!!!",
    "",
    "x" * 3000,
    "é",
    cursor_of(b"not json"),
    cursor_of(b"\xff\xfe\xfd"),
    cursor_of([]),
    cursor_of("evt_x"),
    cursor_of({"id": 1}),
    cursor_of({"id": ""}),
    cursor_of({"id": "x" * 600}),
    cursor_of({"id": "evt_x", "extra": "y"}),
    cursor_of({"user_id": "ann"}),  # a members-list cursor
    cursor_of({"project_id": "prj_x"}),  # a projects-list cursor
]


def test_a_tampered_cursor_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    for cursor in TAMPERED_CURSORS:
        reply = api.get(f"/v1/projects/{pid}/audit-events?cursor={cursor}", as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), cursor[:40]
        assert reply.json["errors"][0]["field"] == "cursor"
        assert b"Traceback" not in reply.body


def test_a_cursor_holding_deeply_nested_json_is_422_not_500(api: Api) -> None:
    # 1,500 nested arrays fit well inside the 2,048 characters a cursor may have, and are
    # deeper than Python's json module recurses.
    pid = api.project(owner="ann")
    cursor = cursor_of(b"[" * 1500)
    assert len(cursor) <= 2048
    reply = api.get(f"/v1/projects/{pid}/audit-events?cursor={cursor}", as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert reply.json["errors"][0]["field"] == "cursor"


def test_a_cursor_from_another_project_stays_in_this_one(api: Api) -> None:
    mine = api.project(owner="ann", name="Mine")
    theirs = api.project(owner="bob", name="Theirs")
    for i in range(4):
        api.post(f"/v1/projects/{theirs}/nodes", {"name": f"secret-{i}", "kind": "input"}, as_user="bob")
    their_cursor = api.get(f"/v1/projects/{theirs}/audit-events?limit=1", as_user="bob").json["next_cursor"]
    assert their_cursor

    reply = api.get(f"/v1/projects/{mine}/audit-events?cursor={their_cursor}", as_user="ann")
    assert reply.status in (200, 422)
    if reply.status == 200:
        my_ids = {e["id"] for e in events(api, mine)}
        assert {e["id"] for e in reply.json["items"]} <= my_ids
        assert not any("secret" in json.dumps(e) for e in reply.json["items"])


def test_a_limit_outside_1_to_100_is_422(api: Api) -> None:
    pid = api.project(owner="ann")
    for limit in ("0", "101", "-1", "abc", "1.5", "", str(10**30)):
        reply = api.get(f"/v1/projects/{pid}/audit-events?limit={limit}", as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), limit
        assert reply.json["errors"][0]["field"] == "limit"
    assert len(api.get(f"/v1/projects/{pid}/audit-events?limit=100", as_user="ann").json["items"]) == 1


def test_only_owners_admins_and_system_admins_read_the_audit(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin", eddie="editor", dev="developer", vic="viewer")
    url = f"/v1/projects/{pid}/audit-events"
    expected = {"ann": 200, "adam": 200, "eddie": 403, "dev": 403, "vic": 403, "mallory": 404}
    got = {user: api.get(url, as_user=user).status for user in expected}
    assert got == expected
    root = api.get(url, as_user="root", groups=("keywarden-admins",))
    assert root.status == 200 and root.json == api.get(url, as_user="ann").json
    assert api.get(url, as_user="eddie").code == "forbidden"
    assert api.get(url, as_user="mallory").code == "not_found"
