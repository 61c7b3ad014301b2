"""devstack.moto_server.SerializedApp around a stand-in WSGI app: one request at a time, and
ClientRequestToken as DynamoDB honours it. No server, no moto: the WSGI calls are made directly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.test import EnvironBuilder

from devstack.moto_server import TRANSACT_WRITE_ITEMS, SerializedApp

THREADS = 16
REQUESTS_PER_THREAD = 4


class Probe:
    """A WSGI app that counts the requests inside it, from the call until its body is closed."""

    def __init__(self, dwell_seconds: float = 0.002) -> None:
        self.dwell = dwell_seconds
        self.inside = 0
        self.most_inside = 0
        self.calls = 0
        self._count_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._count_lock:
            self.calls += 1
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        time.sleep(self.dwell)  # lets other threads run, as moto's work would
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return self._body(body)

    def _body(self, body: bytes) -> Iterator[bytes]:
        # The body is produced lazily, as a WSGI app may: it counts as inside until it ends.
        try:
            time.sleep(self.dwell)
            yield body
        finally:
            with self._count_lock:
                self.inside -= 1


def call(app: Any, body: bytes, target: str | None = None) -> tuple[str, dict[str, str], bytes]:
    headers = {"X-Amz-Target": target} if target else {}
    environ = EnvironBuilder(method="POST", path="/", data=body, headers=headers).get_environ()
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, response_headers))

    result = b"".join(app(environ, start_response))
    status, response_headers = started[0]
    return status, dict(response_headers), result


def burst(app: Any) -> list[bytes]:
    """THREADS threads, released together, each sending REQUESTS_PER_THREAD requests; the answers."""
    barrier = threading.Barrier(THREADS)
    answers: list[bytes] = []
    mismatched: list[tuple[bytes, bytes]] = []

    def client(number: int) -> None:
        barrier.wait()
        for i in range(REQUESTS_PER_THREAD):
            sent = f"request {number}.{i}".encode()
            _, _, received = call(app, sent)
            answers.append(received)
            if received != sent:
                mismatched.append((sent, received))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert not mismatched
    return answers


def test_the_probe_sees_overlap_without_the_wrapper() -> None:
    # The control: the burst does put several requests inside an app that is not wrapped.
    probe = Probe()
    burst(probe)
    assert probe.most_inside > 1


def test_one_request_at_a_time_is_inside_the_wrapped_app() -> None:
    probe = Probe()
    answers = burst(SerializedApp(probe))
    assert len(answers) == probe.calls == THREADS * REQUESTS_PER_THREAD
    assert probe.most_inside == 1
    assert probe.inside == 0


# --- ClientRequestToken ---------------------------------------------------------


class Counter:
    """A stand-in for moto: answers each request with how many it has applied."""

    def __init__(self, status: str = "200 OK") -> None:
        self.applied = 0
        self.status = status

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.applied += 1
        start_response(self.status, [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps({"applied": self.applied}).encode()]


def transact(token: str | None, items: list[Any], **extra: Any) -> bytes:
    request: dict[str, Any] = {"TransactItems": items, **extra}
    if token is not None:
        request["ClientRequestToken"] = token
    return json.dumps(request).encode()


ITEMS = [{"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}}}}]
OTHER_ITEMS = [{"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}]


def test_a_repeat_with_the_same_token_and_request_is_replayed_without_applying() -> None:
    moto = Counter()
    app = SerializedApp(moto)
    first = call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    again = call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    assert moto.applied == 1
    assert again == first
    # The same parameters serialized in another key order are the same request.
    reordered = json.dumps({"ClientRequestToken": "t1", "TransactItems": ITEMS}).encode()
    assert call(app, reordered, TRANSACT_WRITE_ITEMS) == first
    assert moto.applied == 1


def test_the_same_token_with_another_request_is_a_mismatch() -> None:
    moto = Counter()
    app = SerializedApp(moto)
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    status, headers, body = call(app, transact("t1", OTHER_ITEMS), TRANSACT_WRITE_ITEMS)
    assert moto.applied == 1
    assert status.startswith("400 ")
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    error = json.loads(body)
    assert error["__type"] == "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"
    assert error["message"]


def test_other_tokens_other_operations_and_no_token_are_applied_each_time() -> None:
    moto = Counter()
    app = SerializedApp(moto)
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    call(app, transact("t2", ITEMS), TRANSACT_WRITE_ITEMS)
    call(app, transact(None, ITEMS), TRANSACT_WRITE_ITEMS)
    call(app, transact(None, ITEMS), TRANSACT_WRITE_ITEMS)
    call(app, transact("t1", ITEMS), "DynamoDB_20120810.PutItem")
    assert moto.applied == 5


def test_a_token_is_forgotten_after_10_minutes() -> None:
    moto = Counter()
    now = [1000.0]
    app = SerializedApp(moto, clock=lambda: now[0])
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    now[0] += 599
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    assert moto.applied == 1
    now[0] += 2
    call(app, transact("t1", OTHER_ITEMS), TRANSACT_WRITE_ITEMS)  # a new request now, not a mismatch
    assert moto.applied == 2
    assert app.remembered_tokens == 1


def test_remembered_tokens_are_bounded_oldest_first() -> None:
    moto = Counter()
    app = SerializedApp(moto, max_tokens=3)
    for token in ("t1", "t2", "t3", "t4", "t5"):
        call(app, transact(token, ITEMS), TRANSACT_WRITE_ITEMS)
    assert app.remembered_tokens == 3
    call(app, transact("t5", ITEMS), TRANSACT_WRITE_ITEMS)  # still remembered
    assert moto.applied == 5
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)  # forgotten: applied again
    assert moto.applied == 6


def test_a_server_error_is_not_remembered() -> None:
    moto = Counter(status="500 Internal Server Error")
    app = SerializedApp(moto)
    call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    moto.status = "200 OK"
    status, _, _ = call(app, transact("t1", ITEMS), TRANSACT_WRITE_ITEMS)
    assert status == "200 OK" and moto.applied == 2
