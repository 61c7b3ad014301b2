"""The rights table of API.md, over HTTP: one representative route per right, for every kind of caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.functional.conftest import Api, Reply

# Every member is named after their role; "mallory" belongs to nothing, "root" is a system admin.
CALLERS: dict[str, dict[str, Any]] = {
    "owner": {"as_user": "owner"},
    "admin": {"as_user": "admin"},
    "editor": {"as_user": "editor"},
    "developer": {"as_user": "developer"},
    "viewer": {"as_user": "viewer"},
    "outsider": {"as_user": "mallory"},
    "system admin": {"as_user": "root", "groups": ("keywarden-admins",)},
}

# API.md, "Membership": the statuses each caller gets. Members without the right get 403,
# outsiders 404 (the project does not exist for them), system administrators act as owners.
EXPECTED: dict[str, dict[str, int]] = {
    "owner": {
        "read project": 200,
        "edit project": 200,
        "manage roles": 201,
        "manage nodes": 201,
        "read audit": 200,
        "manage members": 200,
        "delete project": 204,
    },
    "admin": {
        "read project": 200,
        "edit project": 200,
        "manage roles": 201,
        "manage nodes": 201,
        "read audit": 200,
        "manage members": 200,
        "delete project": 403,
    },
    "editor": {
        "read project": 200,
        "edit project": 200,
        "manage roles": 201,
        "manage nodes": 201,
        "read audit": 403,
        "manage members": 403,
        "delete project": 403,
    },
    "developer": {
        "read project": 200,
        "edit project": 403,
        "manage roles": 403,
        "manage nodes": 403,
        "read audit": 403,
        "manage members": 403,
        "delete project": 403,
    },
    "viewer": {
        "read project": 200,
        "edit project": 403,
        "manage roles": 403,
        "manage nodes": 403,
        "read audit": 403,
        "manage members": 403,
        "delete project": 403,
    },
    "outsider": {
        "read project": 404,
        "edit project": 404,
        "manage roles": 404,
        "manage nodes": 404,
        "read audit": 404,
        "manage members": 404,
        "delete project": 404,
    },
    "system admin": {
        "read project": 200,
        "edit project": 200,
        "manage roles": 201,
        "manage nodes": 201,
        "read audit": 200,
        "manage members": 200,
        "delete project": 204,
    },
}

WRITES = {"edit project", "manage roles", "manage nodes", "manage members"}


def routes(api: Api, pid: str, caller: dict[str, Any]) -> dict[str, Callable[[], Reply]]:
    """One representative call per right; "delete project" comes last, as it ends the project."""
    base = f"/v1/projects/{pid}"
    return {
        "read project": lambda: api.get(base, **caller),
        "edit project": lambda: api.patch(base, {"description": "changed"}, **caller),
        "manage roles": lambda: api.post(f"{base}/roles", {"name": "Reader", "permissions": ["a:read"]}, **caller),
        "manage nodes": lambda: api.post(f"{base}/nodes", {"name": "db", "kind": "input"}, **caller),
        "read audit": lambda: api.get(f"{base}/audit-events", **caller),
        "manage members": lambda: api.put(f"{base}/members/newcomer", {"role": "viewer"}, **caller),
        "delete project": lambda: api.delete(base, **caller),
    }


@pytest.mark.parametrize("who", list(CALLERS))
def test_rights_over_http(api: Api, who: str) -> None:
    pid = api.project(owner="owner", admin="admin", editor="editor", developer="developer", viewer="viewer")
    caller = CALLERS[who]
    audit_url = f"/v1/projects/{pid}/audit-events?limit=100"
    before = {e["id"] for e in api.get(audit_url, as_user="owner").json["items"]}

    got: dict[str, int] = {}
    for right, call in routes(api, pid, caller).items():
        if right == "delete project":
            # What the caller changed, read before the project may be gone.
            after = api.get(audit_url, as_user="owner").json["items"]
            changed_by = [e["actor"] for e in after if e["id"] not in before]
        reply = call()
        got[right] = reply.status
        if reply.status >= 400:
            assert reply.code == {403: "forbidden", 404: "not_found"}.get(reply.status), (right, reply.body)
    assert got == EXPECTED[who]

    # A refused write leaves no trace; an allowed one leaves exactly one event by the caller.
    allowed_writes = [r for r in WRITES if EXPECTED[who][r] < 300]
    assert changed_by == [caller["as_user"]] * len(allowed_writes)
    project_left = api.get(f"/v1/projects/{pid}", as_user="owner").status
    assert project_left == (404 if EXPECTED[who]["delete project"] == 204 else 200)
