"""Over real HTTP: a header, query parameter or JSON member the service reads once, sent twice,
is 400 `malformed_request` naming it (the local server passes every header line to the app
as API Gateway does, in `multiValueHeaders`)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import JsonClient, assert_problem
from tests.e2e.test_framework_errors import request


@pytest.mark.parametrize(
    ("name", "second"),
    [("Authorization", "Authorization"), ("Authorization", "authorization"), ("Content-Type", "Content-Type")],
)
def test_a_header_read_once_and_sent_twice_is_400(
    stack_url: str, client: JsonClient, unique: str, name: str, second: str
) -> None:
    ann, eve = client.token(f"ann-{unique}"), client.token(f"eve-{unique}")
    values = {
        "Authorization": (f"Bearer {ann}", f"Bearer {eve}"),
        "Content-Type": ("application/json", "text/plain"),
    }[name]
    headers = [("Authorization", f"Bearer {ann}")] if name != "Authorization" else []
    reply = request(stack_url, "GET", "/v1/projects", [*headers, (name, values[0]), (second, values[1])])
    problem = assert_problem(reply, 400, "malformed_request")
    assert name in problem["detail"]
    assert ann.encode() not in reply.raw and eve.encode() not in reply.raw
    # Once, it is read as always.
    alone = request(stack_url, "GET", "/v1/projects", [("Authorization", f"Bearer {ann}")])
    assert alone.status == 200, alone.body


def test_a_query_parameter_sent_twice_is_400(client: JsonClient, unique: str) -> None:
    token = client.token(f"ann-{unique}")
    reply = client.get("/v1/projects?limit=1&limit=50", token=token)
    assert "'limit'" in assert_problem(reply, 400, "malformed_request")["detail"]
    assert client.get("/v1/projects?limit=1", token=token).status == 200


def test_a_json_member_sent_twice_is_400(client: JsonClient, unique: str) -> None:
    token = client.token(f"ann-{unique}")
    body = f'{{"name": "twice {unique}", "name": "other {unique}"}}'.encode()
    reply = client.post("/v1/projects", data=body, token=token)
    assert "'name'" in assert_problem(reply, 400, "malformed_request")["detail"]
    listed = client.get("/v1/projects?limit=100", token=token)
    assert listed.status == 200 and listed.body["items"] == []
