"""End-to-end tests: the local stack (`python -m devstack`, what `make dev` runs) over real HTTP.

The session's stack is started once, with PORT=0, and every test talks to it on
127.0.0.1 through `JsonClient`, a small JSON client over urllib that never raises on
4xx or 5xx. Nothing but 127.0.0.1 is contacted. Every test in this directory is marked
`e2e` (see `pytest_collection_modifyitems`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
READY_LINE = re.compile(r"Keywarden local stack ready at (?P<url>http://127\.0\.0\.1:(?P<port>\d+))")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0
REQUEST_TIMEOUT = 15.0
_STDERR_TAIL = 200


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so that `-m "not e2e"` leaves these out
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


# --- the stack as a process ------------------------------------------------------


def stack_environment() -> dict[str, str]:
    """A copy of the test environment, with PORT=0 and no AWS or Keywarden endpoint overrides."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_ENDPOINT_URL")
        and not (name.startswith("KEYWARDEN_") and name.endswith("_ENDPOINT"))
    }
    env["PORT"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    # Webhook retries due within seconds, not after the deployed 5 s, 5 min, 30 min, ...: the
    # retry tests watch a delivery fail twice and then succeed, in one test's time.
    env.setdefault("KEYWARDEN_WEBHOOK_RETRY_SCHEDULE", "1,1,1")
    return env


class LocalStack:
    """One `python -m devstack` process, its output collected by two reader threads; `env`
    adds to (or overrides) `stack_environment()`, e.g. a setting a test needs."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.stdout: list[str] = []
        self.stderr: deque[str] = deque(maxlen=_STDERR_TAIL)
        self.base_url: str | None = None
        self.port: int | None = None
        self._ready = threading.Event()
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env={**stack_environment(), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump, args=(self.process.stdout, self._on_stdout), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, self._on_stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _pump(stream: IO[str], sink: Callable[[str], None]) -> None:
        # Drains the pipe until EOF, so the stack never blocks on a full pipe.
        for line in stream:
            sink(line.rstrip("\r\n"))

    def _on_stdout(self, line: str) -> None:
        self.stdout.append(line)
        match = READY_LINE.fullmatch(line)
        if match and not self._ready.is_set():
            self.base_url, self.port = match["url"], int(match["port"])
            self._ready.set()

    def _on_stderr(self, line: str) -> None:
        self.stderr.append(line)

    def output(self) -> str:
        return "--- stdout ---\n{}\n--- stderr (last {} lines) ---\n{}".format(
            "\n".join(self.stdout), _STDERR_TAIL, "\n".join(self.stderr)
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """The base URL once the ready line is printed; fails with the output otherwise."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.process.poll() is not None:
                self._join_readers()
                self.kill()
                pytest.fail(
                    f"the local stack exited with {self.process.returncode} before it was ready\n{self.output()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the local stack printed no ready line within {timeout:.0f} s\n{self.output()}")
        assert self.base_url is not None
        return self.base_url

    def stop(self, signum: int, timeout: float = STOP_TIMEOUT) -> tuple[int, float]:
        """Sends `signum`; returns the exit code and how long the stack took to exit (fails past `timeout`)."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            name = signal.Signals(signum).name
            pytest.fail(f"the local stack was still running {timeout:.0f} s after {name}\n{self.output()}")
        elapsed = time.monotonic() - started
        self._join_readers()
        return code, elapsed

    def kill(self) -> None:
        """Last resort for a stack that a test left running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        self._join_readers()

    def _join_readers(self) -> None:
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="session")
def stack_url() -> Iterator[str]:
    """The base URL of the session's local stack; stopped with SIGTERM, within 5 s, at the end."""
    stack = LocalStack()
    try:
        url = stack.wait_ready()
        yield url
        code, elapsed = stack.stop(signal.SIGTERM)
        assert code == 0, f"the local stack exited with {code} after SIGTERM\n{stack.output()}"
        assert elapsed <= STOP_TIMEOUT
    finally:
        stack.kill()


@pytest.fixture
def own_stack() -> Iterator[LocalStack]:
    """A stack of the test's own, ready; killed afterwards if the test left it running."""
    stack = LocalStack()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.kill()


# --- a JSON client -----------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: Any  # parsed JSON, text when not JSON, None when empty
    raw: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class JsonClient:
    """JSON over urllib.request against the local stack only; 4xx and 5xx are replies, not exceptions."""

    def __init__(self, base_url: str, timeout: float = REQUEST_TIMEOUT) -> None:
        assert urlsplit(base_url).hostname == "127.0.0.1", base_url
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # No proxies: a proxy from the environment must not see (or answer) these requests.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        data: bytes | None = None,
        content_type: str | None = "application/json",
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        assert path.startswith("/"), path
        if json_body is not None:
            data = json.dumps(json_body).encode()
        all_headers = {"Accept": "application/json, application/problem+json"}
        if data is not None and content_type is not None:
            all_headers["Content-Type"] = content_type
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        if data is None and method in ("POST", "PUT", "PATCH"):
            data = b""
        # The URL is always http://127.0.0.1:<port>/... (checked in __init__).
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path, data=data, headers=all_headers, method=method
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, response_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, response_headers, raw = error.code, error.headers, error.read()
            error.close()
        headers_lower = {name.lower(): value for name, value in response_headers.items()}
        return Reply(status, headers_lower, _parse(raw, headers_lower.get("content-type", "")), raw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)

    def token(self, sub: str, groups: list[str] | None = None) -> str:
        """A bearer token for `sub` from the local issuer (POST /v1/dev/token)."""
        reply = self.post("/v1/dev/token", {"sub": sub, "groups": groups or []})
        assert reply.status == 200, reply.body
        token: str = reply.body["access_token"]
        return token


def _parse(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type.lower():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


@pytest.fixture(scope="session")
def client(stack_url: str) -> JsonClient:
    return JsonClient(stack_url)


@pytest.fixture
def unique() -> str:
    """A suffix that keeps this test's users and names apart from other tests' in the shared stack."""
    return uuid.uuid4().hex[:10]


def assert_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """The reply is an RFC 9457 problem with this status and code, and shows no stack trace."""
    assert reply.status == status, (reply.status, reply.body)
    assert reply.content_type == "application/problem+json", reply.headers
    problem = reply.body
    assert isinstance(problem, dict), reply.raw[:500]
    assert problem["type"] == f"urn:keywarden:problem:{code}"
    assert problem["code"] == code
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str)
    assert b"Traceback" not in reply.raw and b'File "' not in reply.raw
    return problem
