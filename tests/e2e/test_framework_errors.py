"""Every error over real HTTP is an RFC 9457 problem, the framework's and the server's included.

Wrong methods are answered by the Chalice app; unknown routes, methods http.server does
not know and oversized heads by the local server (devstack.http_server), where API
Gateway answers them in AWS. http.client is used because urllib refuses odd methods.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import REQUEST_TIMEOUT, Reply, assert_problem


def _connect(stack_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(stack_url)
    assert parts.hostname == "127.0.0.1" and parts.port is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)


def _exchange(
    connection: http.client.HTTPConnection, method: str, path: str, headers: Sequence[tuple[str, str]] = ()
) -> Reply:
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    raw = response.read()
    lowered = {name.lower(): value for name, value in response.getheaders()}
    body: Any = json.loads(raw) if raw and "json" in lowered.get("content-type", "") else raw.decode("latin-1")
    return Reply(response.status, lowered, body, raw)


def request(stack_url: str, method: str, path: str, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    """One request on a connection of its own."""
    connection = _connect(stack_url)
    try:
        return _exchange(connection, method, path, headers)
    finally:
        connection.close()


def assert_framework_problem(reply: Reply, status: int, code: str, allow: str | None = None) -> None:
    problem = assert_problem(reply, status, code)
    assert b"<html" not in reply.raw.lower() and b"<!doctype" not in reply.raw.lower()
    assert reply.headers["x-request-id"] == problem["request_id"]
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers.get("allow") == allow


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("DELETE", "/v1/health", "GET"), ("PUT", "/v1/projects", "GET, POST"), ("PATCH", "/v1/keys/verify", "POST")],
)
def test_a_method_the_route_lacks_is_405_with_allow(stack_url: str, method: str, path: str, allow: str) -> None:
    assert_framework_problem(request(stack_url, method, path), 405, "method_not_allowed", allow)


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS", "DELETE"])
@pytest.mark.parametrize("path", ["/v2/health", "/v1/healthz", "/v1/projects/p1/nonsense", "/v1/health/more"])
def test_an_unknown_route_is_404(stack_url: str, method: str, path: str) -> None:
    assert_framework_problem(request(stack_url, method, path), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "OPTIONS", "DELETE"])
def test_the_root_is_no_route_but_for_reading(stack_url: str, method: str) -> None:
    assert_framework_problem(request(stack_url, method, "/"), 404, "not_found")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_root_redirects_to_the_console(stack_url: str, method: str) -> None:
    reply = request(stack_url, method, "/")
    assert reply.status == 302
    assert reply.headers["location"] == "/console/"


def test_an_unknown_route_with_a_token_is_404_too(stack_url: str) -> None:
    # chalice's gateway answers this one with a different 403 (an AWS signature complaint).
    reply = request(stack_url, "GET", "/v1/nowhere", [("Authorization", "Bearer whatever")])
    assert_framework_problem(reply, 404, "not_found")


@pytest.mark.parametrize("method", ["TRACE", "FOOBAR", "CONNECT", "PROPFIND"])
@pytest.mark.parametrize(("path", "allow"), [("/v1/health", "GET"), ("/v1/projects", "GET, POST")])
def test_a_method_http_server_does_not_know_is_405_on_a_route(
    stack_url: str, method: str, path: str, allow: str
) -> None:
    assert_framework_problem(request(stack_url, method, path), 405, "method_not_allowed", allow)


@pytest.mark.parametrize("method", ["TRACE", "FOOBAR"])
def test_a_method_http_server_does_not_know_is_404_off_the_routes(stack_url: str, method: str) -> None:
    assert_framework_problem(request(stack_url, method, "/v1/nowhere"), 404, "not_found")


def test_a_64_kib_header_is_431(stack_url: str) -> None:
    reply = request(stack_url, "GET", "/v1/health", [("X-Large", "a" * 64 * 1024)])
    assert_framework_problem(reply, 431, "headers_too_large")


def test_200_headers_are_431(stack_url: str) -> None:
    reply = request(stack_url, "GET", "/v1/health", [(f"X-Header-{i}", str(i)) for i in range(200)])
    assert_framework_problem(reply, 431, "headers_too_large")


def test_head_on_a_route_without_it_is_405_without_a_body(stack_url: str) -> None:
    connection = _connect(stack_url)
    try:
        reply = _exchange(connection, "HEAD", "/v1/projects")
        assert reply.status == 405 and reply.raw == b""
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["allow"] == "GET, POST"
        # No stray body: the kept-alive connection reads its next answer cleanly.
        assert _exchange(connection, "GET", "/v1/health").body == {"status": "ok"}
    finally:
        connection.close()


def test_the_server_still_answers_after_refusals(stack_url: str) -> None:
    request(stack_url, "FOOBAR", "/v1/health")
    request(stack_url, "GET", "/v1/health", [("X-Large", "a" * 70_000)])
    assert request(stack_url, "GET", "/v1/health").body == {"status": "ok"}


def raw_exchange(stack_url: str, data: bytes) -> Reply:
    """Sends `data` as is and reads the answer to EOF (the server closes after refusing)."""
    parts = urlsplit(stack_url)
    assert parts.hostname == "127.0.0.1" and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=REQUEST_TIMEOUT) as connection:
        connection.sendall(data)
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    return Reply(int(status_line.split()[1]), headers, json.loads(body) if body else None, body)


@pytest.mark.parametrize(
    "data",
    [b"GARBAGE\r\n\r\n", b"GET / HTTP/x.y\r\n\r\n", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"],
    ids=["no-version", "bad-version", "request-line-over-64-kib"],
)
def test_an_unparsable_request_line_is_400(stack_url: str, data: bytes) -> None:
    reply = raw_exchange(stack_url, data)
    assert_framework_problem(reply, 400, "malformed_request")
    assert b"GARBAGE" not in reply.raw and b"x.y" not in reply.raw
