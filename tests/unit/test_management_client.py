"""The hand-written part of keywarden.management: problems as exceptions, pagination, the session.

The service is played by httpx.MockTransport with the bodies the contract gives; what is
tested is the client's own logic (the e2e tests drive it against the local stack).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from keywarden.management import Keywarden, ProblemError, paginate, unwrap
from keywarden.management._generated.api.api_keys import delete_key, get_key, list_keys, reroll_key
from keywarden.management._generated.api.projects import list_projects
from keywarden.management._generated.models import ListKeysStatus, Reroll

BASE = "https://keys.example.com"
PID = "prj_01"


def key_json(key_id: str, created_at: str = "2026-11-22T10:00:00Z") -> dict[str, Any]:
    return {
        "id": key_id,
        "project_id": PID,
        "type": "opaque",
        "name": f"key {key_id}",
        "description": "",
        "owner_id": "alice",
        "role_id": "rol_1",
        "permissions": ["orders:read"],
        "status": "active",
        "hint": "kw_...abcd",
        "created_at": created_at,
        "created_by": "alice",
        "expires_at": None,
        "revoked_at": None,
        "last_used_at": None,
        "template_id": None,
        "request_id": None,
        "meta": {},
        "ratelimits": [],
        "credits": None,
        "enabled": True,
        "ip_allowlist": [],
        "exposed_at": None,
        "exposed_action": None,
        "identity_id": None,
    }


def problem_json(status: int, code: str, title: str, detail: str) -> dict[str, Any]:
    return {"type": f"urn:keywarden:problem:{code}", "title": title, "status": status, "detail": detail, "code": code}


def session(handler: Callable[[httpx.Request], httpx.Response]) -> Keywarden:
    return Keywarden(BASE, "person-token", httpx_args={"transport": httpx.MockTransport(handler)})


def problem_response(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


# --- pagination ------------------------------------------------------------------------------


def paged_keys(pages: list[list[str]], seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """Answers GET /keys page by page: the cursor of page n is "c<n>"."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        cursor = request.url.params.get("cursor")
        index = 0 if cursor is None else int(cursor[1:])
        next_cursor = f"c{index + 1}" if index + 1 < len(pages) else None
        return httpx.Response(200, json={"items": [key_json(k) for k in pages[index]], "next_cursor": next_cursor})

    return handler


def test_paginate_follows_next_cursor_to_the_last_page_with_the_callers_filters() -> None:
    seen: list[httpx.Request] = []
    kw = session(paged_keys([["k1", "k2"], ["k3", "k4"], ["k5"]], seen))

    keys = kw.paginate(list_keys.sync_detailed, pid=PID, limit=2, status=ListKeysStatus.ACTIVE)

    assert seen == [], "no request before the iteration asks for the first item"
    assert [k.id for k in keys] == ["k1", "k2", "k3", "k4", "k5"]
    assert [r.url.params.get("cursor") for r in seen] == [None, "c1", "c2"]
    assert {r.url.path for r in seen} == {f"/v1/projects/{PID}/keys"}
    assert all(r.url.params["limit"] == "2" and r.url.params["status"] == "active" for r in seen)
    assert all(r.headers["authorization"] == "Bearer person-token" for r in seen)


def test_paginate_starts_at_a_given_cursor_and_stops_early_when_the_caller_does() -> None:
    seen: list[httpx.Request] = []
    kw = session(paged_keys([["k1"], ["k2"], ["k3"]], seen))

    first = next(iter(kw.paginate(list_keys.sync_detailed, pid=PID, cursor="c1")))

    assert first.id == "k2"
    assert [r.url.params.get("cursor") for r in seen] == ["c1"]


def test_paginate_json_keeps_the_services_own_json() -> None:
    kw = session(paged_keys([["k1"], ["k2"]], []))

    items = list(kw.paginate_json(list_keys.sync_detailed, pid=PID))

    assert [i["id"] for i in items] == ["k1", "k2"]
    assert items[0]["created_at"] == "2026-11-22T10:00:00Z"  # as written, not re-serialized as +00:00


def test_an_empty_list_is_one_request_and_no_items() -> None:
    seen: list[httpx.Request] = []
    kw = session(paged_keys([[]], seen))
    assert list(kw.paginate(list_keys.sync_detailed, pid=PID)) == []
    assert len(seen) == 1


def test_a_problem_on_a_later_page_raises_after_the_earlier_items() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "cursor" not in request.url.params:
            return httpx.Response(200, json={"items": [key_json("k1")], "next_cursor": "c1"})
        return problem_response(401, problem_json(401, "unauthenticated", "Unauthenticated", "the token has expired"))

    got: list[str] = []
    with pytest.raises(ProblemError) as raised:
        for key in session(handler).paginate(list_keys.sync_detailed, pid=PID):
            got.append(key.id)
    assert got == ["k1"]
    assert (raised.value.status, raised.value.code) == (401, "unauthenticated")


def test_a_service_that_repeats_a_cursor_does_not_loop_forever() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [key_json("k1")], "next_cursor": "same"})

    with pytest.raises(ProblemError, match="same cursor"):
        list(paginate(list_keys.sync_detailed, pid=PID, client=session(handler).client))


# --- problems ------------------------------------------------------------------------------


def test_a_validation_problem_carries_status_code_title_detail_and_field_errors() -> None:
    body = problem_json(422, "validation_failed", "Validation failed", "2 fields are invalid")
    body["errors"] = [
        {"field": "grace_seconds", "message": "must be at most 604800"},
        {"field": "name", "message": "is required"},
    ]
    body["request_id"] = "req-123"
    kw = session(lambda request: problem_response(422, body))

    with pytest.raises(ProblemError) as raised:
        kw.call(reroll_key.sync_detailed, PID, "key_1", body=Reroll(grace_seconds=10**9))

    problem = raised.value
    assert (problem.status, problem.code, problem.title, problem.detail) == (
        422,
        "validation_failed",
        "Validation failed",
        "2 fields are invalid",
    )
    assert problem.type == "urn:keywarden:problem:validation_failed"
    assert [(e.field, e.message) for e in problem.errors] == [
        ("grace_seconds", "must be at most 604800"),
        ("name", "is required"),
    ]
    assert problem.request_id == "req-123"
    assert str(problem) == "Validation failed: 2 fields are invalid (validation_failed)"


def test_extension_members_of_a_problem_are_kept() -> None:
    body = problem_json(409, "conflict", "Conflict", "this key was already rerolled")
    body["rerolled_to"] = "key_2"
    kw = session(lambda request: problem_response(409, body))

    with pytest.raises(ProblemError) as raised:
        kw.call(reroll_key.sync_detailed, PID, "key_1", body=Reroll())

    assert raised.value.extensions == {"rerolled_to": "key_2"}
    assert raised.value.errors == ()


def test_a_problem_with_a_status_the_document_does_not_list_is_still_read_from_the_body() -> None:
    # GET /keys/{id} lists no 405 (nor 429 from a gateway): the generated code leaves `parsed` empty.
    body = problem_json(429, "rate_limited", "Too many requests", "retry later")
    kw = session(lambda request: problem_response(429, body))

    with pytest.raises(ProblemError) as raised:
        kw.call(get_key.sync_detailed, PID, "key_1")

    assert (raised.value.status, raised.value.code, raised.value.detail) == (429, "rate_limited", "retry later")


def test_an_answer_that_is_not_a_problem_becomes_one_without_repeating_the_body() -> None:
    page = "<html><body>Bad gateway: upstream secret kw_leaked</body></html>"
    kw = session(lambda request: httpx.Response(502, text=page, headers={"content-type": "text/html"}))

    with pytest.raises(ProblemError) as raised:
        kw.call(list_projects.sync_detailed)

    problem = raised.value
    assert (problem.status, problem.code, problem.title) == (502, "unexpected_response", "Bad Gateway")
    assert "kw_leaked" not in str(problem) and "html" not in str(problem)


def test_unwrap_returns_the_model_and_none_for_no_content() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json=key_json("k1"))

    kw = session(handler)
    assert kw.call(get_key.sync_detailed, PID, "k1").id == "k1"
    assert unwrap(delete_key.sync_detailed(PID, "k1", client=kw.client)) is None


def test_a_success_status_the_document_does_not_list_is_not_taken_for_a_result() -> None:
    kw = session(lambda request: httpx.Response(202, json={"accepted": True}))
    with pytest.raises(ProblemError) as raised:
        kw.call(get_key.sync_detailed, PID, "k1")
    assert (raised.value.status, raised.value.code) == (202, "unexpected_response")


def test_the_session_asks_for_json_or_problems_with_the_persons_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    with session(handler) as kw:
        kw.call(list_projects.sync_detailed)
    (request,) = seen
    assert str(request.url) == f"{BASE}/v1/projects?limit=50"
    assert request.headers["authorization"] == "Bearer person-token"
    assert request.headers["accept"] == "application/json, application/problem+json"


def test_importing_keywarden_loads_neither_the_management_client_nor_the_cli() -> None:
    code = (
        "import json, sys, keywarden;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('keywarden.management', 'keywarden.cli')))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert json.loads(done.stdout) == []
