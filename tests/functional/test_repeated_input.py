"""What the service reads as one value must come once: a repeated JSON member, query parameter
or header (Authorization, Content-Type, Idempotency-Key) is 400 `malformed_request`, naming
what was repeated and never echoing its values.

Before, `{"type": "opaque", "type": "jwt"}` made a JWT key (msgspec keeps the last member),
`?limit=1&limit=50` listed 50, and of two Authorization headers chalice's local server took
the first while API Gateway's event names the last in `headers`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functional.conftest import Api, Reply
from tests.functional.test_path_parameters import _rest_proxy_event
from tests.functional.test_verify import Project


def assert_malformed_naming(reply: Reply, name: str) -> str:
    assert (reply.status, reply.code) == (400, "malformed_request"), reply.body
    detail: str = reply.json["detail"]
    assert name in detail, detail
    return detail


def keys_of(api: Api, pid: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/projects/{pid}/keys", as_user="ann")
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


# --- JSON members ---------------------------------------------------------------------


def test_a_repeated_member_makes_no_key_of_either_type(api: Api) -> None:
    project = Project(api)
    role = project.role(["orders:read"])
    body = f'{{"name": "k", "type": "opaque", "type": "jwt", "role_id": "{role}"}}'
    reply = api.post(f"/v1/projects/{project.pid}/keys", body=body, as_user="ann")
    assert_malformed_naming(reply, "'type'")
    assert keys_of(api, project.pid) == []


@pytest.mark.parametrize(
    "body",
    [
        '{{"name": "k", "type": "opaque", "role_id": "{role}", "meta": {{"tier": "a", "tier": "b"}}}}',
        # The same name, spelt with an escape: JSON reads both as "type".
        '{{"name": "k", "type": "opaque", "typ\\u0065": "jwt", "role_id": "{role}"}}',
        # Repeated and invalid too (no such type): the repetition is the first thing wrong.
        '{{"name": "k", "type": "opaque", "type": "nonsense", "role_id": "{role}"}}',
    ],
    ids=["nested-in-meta", "escaped-name", "before-validation"],
)
def test_a_repeated_member_anywhere_is_400(api: Api, body: str) -> None:
    project = Project(api)
    role = project.role(["orders:read"])
    reply = api.post(f"/v1/projects/{project.pid}/keys", body=body.format(role=role), as_user="ann")
    assert (reply.status, reply.code) == (400, "malformed_request"), reply.body
    assert "appears more than once" in reply.json["detail"]
    assert keys_of(api, project.pid) == []


def test_one_name_in_different_objects_is_no_repetition(api: Api) -> None:
    project = Project(api)
    role = project.role(["orders:read"])
    body = {"name": "k", "type": "opaque", "role_id": role, "meta": {"name": "m", "type": "t"}}
    assert api.post(f"/v1/projects/{project.pid}/keys", body, as_user="ann").status == 201


def test_verification_with_a_repeated_key_member_is_400_without_echoing_either(api: Api) -> None:
    project = Project(api)
    _, key = project.issue()
    body = json.dumps({"key": key})[:-1] + ', "key": "kw_other"}'
    service = {"authorization": f"Bearer {project.service_key}"}
    reply = api.post("/v1/keys/verify", body=body, headers=service)
    assert_malformed_naming(reply, "'key'")
    assert key.encode() not in reply.body and b"kw_other" not in reply.body
    # The single-member body (no second colon, so no second parse) verifies as always.
    assert project.code(key) == "VALID"
    assert project.code(key, ["orders:read"]) == "VALID"


# --- query parameters -------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?limit=1&limit=50", "?cursor=a&limit=5&cursor=b"])
def test_a_repeated_query_parameter_is_400(api: Api, query: str) -> None:
    api.project(owner="ann")
    reply = api.get(f"/v1/projects{query}", as_user="ann")
    assert_malformed_naming(reply, query.split("&")[-1].split("=")[0])
    assert api.get("/v1/projects?limit=1", as_user="ann").status == 200


# --- behind API Gateway: the REST proxy event -------------------------------------------


def _projects_event(token: str) -> dict[str, Any]:
    return _rest_proxy_event("GET", "/v1/projects", "/v1/projects", {}, token, None)


def _answer(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from app import app

    response = app(event, None)
    return response["statusCode"], json.loads(response["body"])


def test_behind_api_gateway_the_event_as_sent_is_answered(api: Api) -> None:
    api.project(owner="ann")
    event = _projects_event(api.token("ann"))
    event["multiValueQueryStringParameters"] = {"limit": ["1"]}
    event["queryStringParameters"] = {"limit": "1"}
    status, body = _answer(event)
    assert status == 200, body
    assert len(body["items"]) == 1


@pytest.mark.parametrize("second_name", ["Authorization", "authorization"])
def test_behind_api_gateway_two_authorization_headers_are_400(api: Api, second_name: str) -> None:
    api.project(owner="ann")
    ann, eve = api.token("ann"), api.token("eve")
    event = _projects_event(ann)
    if second_name == "Authorization":
        event["multiValueHeaders"]["Authorization"] = [f"Bearer {ann}", f"Bearer {eve}"]
    else:  # however the carrier groups names that differ only in case
        event["multiValueHeaders"]["authorization"] = [f"Bearer {eve}"]
    status, body = _answer(event)
    assert (status, body["code"]) == (400, "malformed_request"), body
    assert "Authorization" in body["detail"]
    assert ann not in json.dumps(body) and eve not in json.dumps(body)


def test_behind_api_gateway_two_query_values_are_400(api: Api) -> None:
    api.project(owner="ann")
    event = _projects_event(api.token("ann"))
    # API Gateway's `queryStringParameters` holds the last; `multiValue...` every value.
    event["multiValueQueryStringParameters"] = {"limit": ["1", "50"]}
    event["queryStringParameters"] = {"limit": "50"}
    status, body = _answer(event)
    assert (status, body["code"]) == (400, "malformed_request"), body
    assert "'limit'" in body["detail"]
