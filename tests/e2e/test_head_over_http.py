"""HEAD over real HTTP: wherever GET is, GET's status and headers, and no body on the wire.

Content-Length is the length of the body a GET would carry (RFC 9110 section 8.6), and a
kept-alive connection reads its next answer cleanly after it.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import JsonClient
from tests.e2e.test_framework_errors import _connect, _exchange


def without_request_id(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in ("x-request-id", "date")}


@pytest.mark.parametrize("path", ["/v1/health", "/v1/projects", "/v1/projects/{pid}", "/v1/projects/{pid}/members"])
def test_head_is_get_without_the_body(stack_url: str, client: JsonClient, unique: str, path: str) -> None:
    token = client.token(f"head-{unique}")
    created = client.post("/v1/projects", {"name": f"head {unique}"}, token=token)
    assert created.status == 201, created.body
    path = path.format(pid=created.body["id"])
    authorization = [("Authorization", f"Bearer {token}")]
    connection = _connect(stack_url)
    try:
        got = _exchange(connection, "GET", path, authorization)
        head = _exchange(connection, "HEAD", path, authorization)
        assert (head.status, got.status) == (200, 200), (head.status, got.body)
        assert head.raw == b""
        assert head.headers["content-length"] == str(len(got.raw))
        assert without_request_id(head.headers) == without_request_id(got.headers)
        # No stray body: the connection's next answer is read as one.
        assert _exchange(connection, "GET", "/v1/health").body == {"status": "ok"}
    finally:
        connection.close()


def test_head_refused_as_get_is(stack_url: str) -> None:
    connection = _connect(stack_url)
    try:
        unauthenticated = _exchange(connection, "HEAD", "/v1/projects")
        assert unauthenticated.status == 401 and unauthenticated.raw == b""
        assert unauthenticated.headers["www-authenticate"] == "Bearer"
        assert unauthenticated.headers["content-type"] == "application/problem+json"
        assert _exchange(connection, "GET", "/v1/health").body == {"status": "ok"}
    finally:
        connection.close()
