"""What `make dev` prints: the API function's JSON lines (one per request, EMF metrics of
verifications), and neither the embedded moto's access log nor the HTTP server's.

These tests run a stack of their own, keeping everything it prints from its start.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import READY_LINE, JsonClient, LocalStack, Reply
from tests.e2e.test_framework_errors import request
from tests.e2e.test_keys_over_http import well_formed_key

STOPPED_LINE = "Keywarden local stack stopped"
# werkzeug's (moto's) and http.server's access-log lines: `127.0.0.1 - - [24/Nov/2026 07:30:59] "POST / HTTP/1.1" 200 -`
ACCESS_LOG = re.compile(r'(\bwerkzeug\b|\d+\.\d+\.\d+\.\d+ - - \[[^\]]+\] "|" \d{3} -$)')
LINE_TIMEOUT = 10.0


class RecordingStack(LocalStack):
    """A LocalStack that keeps every line of its stderr (LocalStack keeps the last 200)."""

    def __init__(self) -> None:
        self.all_stderr: list[str] = []
        super().__init__()

    def _on_stderr(self, line: str) -> None:
        self.all_stderr.append(line)
        super()._on_stderr(line)

    def printed(self) -> list[dict[str, Any]]:
        """Every JSON line printed on stdout so far."""
        return [json.loads(line) for line in list(self.stdout) if line.startswith("{")]

    def request_line(self, reply: Reply) -> dict[str, Any]:
        """The one request line of `reply`, waiting for the stack's output to arrive."""
        return self.request_line_of(reply.headers["x-request-id"])

    def request_line_of(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + LINE_TIMEOUT
        while True:
            lines = [line for line in self.printed() if line.get("request_id") == request_id and "status" in line]
            if lines or time.monotonic() > deadline:
                assert len(lines) == 1, (request_id, lines)
                return lines[0]
            time.sleep(0.05)

    def access_log(self) -> list[str]:
        """Lines of an access log, printed anywhere: raw on stderr, or as a JSON line's message."""
        messages = [str(line.get("message", "")) for line in self.printed()]
        return [line for line in self.all_stderr + messages if ACCESS_LOG.search(line) or "HTTP/1." in line]

    def emf(self, request_id: str, count: int = 2) -> list[dict[str, Any]]:
        deadline = time.monotonic() + LINE_TIMEOUT
        while True:
            found = [line for line in self.printed() if "_aws" in line and line.get("request_id") == request_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture(scope="module")
def stack() -> Iterator[RecordingStack]:
    started = RecordingStack()
    try:
        started.wait_ready()
        yield started
    finally:
        started.kill()


@pytest.fixture(scope="module")
def world(stack: RecordingStack) -> dict[str, str]:
    """A project with its service key and a key, arranged over HTTP."""
    assert stack.base_url is not None
    client = JsonClient(stack.base_url)
    token = client.token("olga")
    pid = client.post("/v1/projects", {"name": "Observed"}, token=token).body["id"]
    service_key = client.post(f"/v1/projects/{pid}/secrets/service_key/reveal", token=token).body["value"]
    role = client.post(f"/v1/projects/{pid}/roles", {"name": "r", "permissions": ["orders:read"]}, token=token)
    key = client.post(
        f"/v1/projects/{pid}/keys", {"name": "k", "type": "opaque", "role_id": role.body["id"]}, token=token
    )
    assert key.status == 201, key.body
    return {"pid": pid, "token": token, "service_key": service_key, "key": key.body["secret"]["key"]}


def test_start_prints_the_ready_line_and_no_access_log(stack: RecordingStack) -> None:
    ready_at = next(i for i, line in enumerate(stack.stdout) if READY_LINE.fullmatch(line))
    assert all(line.startswith("{") for line in stack.stdout[:ready_at]), stack.output()
    assert not stack.access_log(), stack.access_log()[:20]


def test_each_request_prints_one_json_line(stack: RecordingStack, world: dict[str, str]) -> None:
    assert stack.base_url is not None
    client = JsonClient(stack.base_url)
    person = client.get(f"/v1/projects/{world['pid']}/members", token=world["token"])
    verified = client.post("/v1/keys/verify", {"key": world["key"]}, token=world["service_key"])
    no_route = client.get("/v1/nothing-here")
    wrong_method = client.delete("/v1/health")
    unknown_method = request(stack.base_url, "BREW", "/v1/health")

    line = stack.request_line(person)
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/projects/{pid}/members", 200)
    assert (line["project"], line["caller"]) == (world["pid"], "olga")
    assert isinstance(line["duration_ms"], float) and line["level"] == "INFO" and line["service"] == "keywarden"

    line = stack.request_line(verified)
    assert (line["route"], line["status"], line["outcome"]) == ("/v1/keys/verify", 200, "VALID")
    assert (line["project"], line["caller"]) == (world["pid"], f"service:{world['pid']}")
    counted, timed = stack.emf(line["request_id"])
    assert counted["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Keywarden"
    assert (counted["outcome"], counted["Verifications"]) == ("VALID", [1.0])
    assert timed["VerificationLatency"] == [line["duration_ms"]]

    # Requests the local server answers itself (API Gateway, in AWS) have their line too.
    for reply, method, route, status in (
        (no_route, "GET", None, 404),
        (wrong_method, "DELETE", "/v1/health", 405),
        (unknown_method, "BREW", "/v1/health", 405),
    ):
        line = stack.request_line(reply)
        assert (line["method"], line["route"], line["status"]) == (method, route, status)
        assert line["project"] is None and line["caller"] is None

    secrets = (world["token"], world["service_key"], world["key"])
    assert not [line for line in stack.stdout + stack.all_stderr if any(secret in line for secret in secrets)]
    assert not stack.access_log(), stack.access_log()[:20]


def test_concurrent_verifications_keep_their_metrics_apart(stack: RecordingStack, world: dict[str, str]) -> None:
    assert stack.base_url is not None
    client = JsonClient(stack.base_url)
    keys = {"VALID": world["key"], "NOT_FOUND": well_formed_key(), "MALFORMED": "kw_short"}
    sends = [code for code in keys for _ in range(12)]

    def verify(code: str) -> Reply:
        return client.post("/v1/keys/verify", {"key": keys[code]}, token=world["service_key"])

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        replies = list(pool.map(verify, sends))

    answered = {reply.headers["x-request-id"]: reply.body["code"] for reply in replies}
    assert sorted(answered.values()) == sorted(sends)
    for request_id, code in answered.items():
        counted, timed = stack.emf(request_id)
        assert (counted["outcome"], counted["Verifications"]) == (code, [1.0])
        assert timed["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
        assert timed["VerificationLatency"] == [stack.request_line_of(request_id)["duration_ms"]]


def test_stopping_prints_the_stopped_line_and_no_access_log(stack: RecordingStack) -> None:
    code, _ = stack.stop(signal.SIGTERM)
    assert code == 0, stack.output()
    assert stack.stdout[-1] == STOPPED_LINE
    ready_at = next(i for i, line in enumerate(stack.stdout) if READY_LINE.fullmatch(line))
    assert all(line.startswith("{") for line in stack.stdout[ready_at + 1 : -1]), stack.output()
    assert not stack.access_log(), stack.access_log()[:20]
