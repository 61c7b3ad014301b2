"""Every error over real HTTP is an RFC 9457 problem, the framework's and the server's included.

Wrong methods are answered by the Chalice app; unknown routes, methods http.server does
not know and oversized heads by the local server (devstack.http_server), where API
Gateway answers them in AWS. http.client is used because urllib refuses odd methods.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
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
    [
        ("DELETE", "/v1/health", "GET, HEAD"),
        ("PUT", "/v1/projects", "GET, HEAD, POST"),
        ("PATCH", "/v1/keys/verify", "POST"),
    ],
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
@pytest.mark.parametrize(("path", "allow"), [("/v1/health", "GET, HEAD"), ("/v1/projects", "GET, HEAD, POST")])
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
        reply = _exchange(connection, "HEAD", "/v1/keys/verify")
        assert reply.status == 405 and reply.raw == b""
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.headers["allow"] == "POST"
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


# --- request bodies: framed and bounded by the server, before the app (devstack.request_bodies) ---

LIMIT = 256 * 1024
PROMPTLY = 2.0  # seconds: the answer never waits for a body the server will not read


def _post_head(path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunked(body: bytes, size: int = 65536) -> bytes:
    chunks = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(chunks) + b"0\r\n\r\n"


def timed_exchange(stack_url: str, data: bytes) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = raw_exchange(stack_url, data)
    return reply, time.monotonic() - started


@pytest.mark.parametrize(
    "data",
    [
        _post_head("/v1/dev/token", "Content-Length: 99999999999999") + b"{}",
        # 150 MB announced, the first 64 KiB sent: the answer comes without the rest.
        _post_head("/v1/dev/token", f"Content-Length: {150 * 1024 * 1024}") + b" " * 65536,
        _post_head("/v1/dev/token", f"Content-Length: {LIMIT + 1}") + b" " * (LIMIT + 1),
        _post_head("/v1/dev/token", f"Content-Length: 1{'0' * 5000}"),
        _post_head("/v1/dev/token", "Expect: 100-continue", f"Content-Length: {LIMIT + 1}"),
    ],
    ids=["huge", "150-mb-still-coming", "limit-plus-one", "5000-digits", "expect-100-continue"],
)
def test_a_body_declared_over_the_limit_is_413_at_once(stack_url: str, data: bytes) -> None:
    reply, seconds = timed_exchange(stack_url, data)
    assert_framework_problem(reply, 413, "payload_too_large")
    assert reply.headers["connection"] == "close"
    assert b"100 Continue" not in reply.raw
    assert seconds < PROMPTLY


def test_a_body_of_exactly_the_limit_reaches_the_app(stack_url: str) -> None:
    body = b'{"sub": "limit"}'
    body += b" " * (LIMIT - len(body))  # JSON whitespace: still the same object
    reply, _ = timed_exchange(
        stack_url, _post_head("/v1/dev/token", f"Content-Length: {LIMIT}", "Connection: close") + body
    )
    assert reply.status == 200, reply.body
    assert reply.body["token_type"] == "Bearer"


@pytest.mark.parametrize(
    "lengths",
    [["-5"], ["abc"], ["+2"], ["0x2"], ["2 2"], ["2", "20"], ["2, 20"]],
    ids=["negative", "word", "plus-sign", "hex", "two-numbers-in-one", "two-headers", "a-list"],
)
def test_a_content_length_that_is_no_one_number_is_400(stack_url: str, lengths: list[str]) -> None:
    headers = [f"Content-Length: {value}" for value in lengths]
    reply, seconds = timed_exchange(stack_url, _post_head("/v1/dev/token", *headers) + b"{}")
    assert_framework_problem(reply, 400, "malformed_request")
    assert "Content-Length" in reply.body["detail"]
    assert seconds < PROMPTLY


def test_a_chunked_body_is_read_and_the_connection_goes_on(stack_url: str) -> None:
    body = json.dumps({"sub": "chunked"}).encode()
    connection = _connect(stack_url)
    try:
        connection.putrequest("POST", "/v1/dev/token", skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders(_chunked(body, size=5))
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status == 200, answer
        assert answer["token_type"] == "Bearer"
        # The chunks were read to their end: the next request on the connection is read as one.
        assert _exchange(connection, "GET", "/v1/health").body == {"status": "ok"}
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        (["Transfer-Encoding: chunked"], _chunked(b" " * (LIMIT + 1)), 413, "payload_too_large"),
        (["Transfer-Encoding: chunked"], b"%x\r\n" % (LIMIT + 1), 413, "payload_too_large"),
        (["Transfer-Encoding: chunked", "Content-Length: 5"], b"0\r\n\r\n", 400, "malformed_request"),
        (["Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n", 400, "malformed_request"),
        (["Transfer-Encoding: chunked"], b"zz\r\n{}\r\n0\r\n\r\n", 400, "malformed_request"),
        (["Transfer-Encoding: chunked"], b"2\r\n{}XX0\r\n\r\n", 400, "malformed_request"),
    ],
    ids=["over-the-limit", "one-chunk-announced-over-it", "with-content-length", "gzip", "bad-size", "no-crlf"],
)
def test_a_chunked_body_over_the_limit_or_badly_framed_is_refused(
    stack_url: str, headers: list[str], body: bytes, status: int, code: str
) -> None:
    reply, seconds = timed_exchange(stack_url, _post_head("/v1/dev/token", *headers) + body)
    assert_framework_problem(reply, status, code)
    assert seconds < PROMPTLY


def test_the_server_still_answers_after_refused_bodies(stack_url: str) -> None:
    raw_exchange(stack_url, _post_head("/v1/dev/token", "Content-Length: 99999999999999"))
    raw_exchange(stack_url, _post_head("/v1/dev/token", "Content-Length: abc") + b"{}")
    assert request(stack_url, "GET", "/v1/health").body == {"status": "ok"}
