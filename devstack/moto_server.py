"""moto's server on 127.0.0.1, made to keep the two promises of DynamoDB the service relies on.

moto applies TransactWriteItems by snapshotting the tables it touches and restoring the
snapshot when the transaction fails, with no lock: a failed transaction running beside a
successful one can undo the successful one's acknowledged write. DynamoDB serializes
transactions, so `SerializedApp` lets one request at a time into moto's WSGI app.

moto also ignores TransactWriteItems' ClientRequestToken, so a retry of a transaction whose
response was lost runs again (and fails the conditions the first attempt already changed).
`SerializedApp` remembers each token for 10 minutes, as DynamoDB does: a repeat with the
same request gets the first response, a repeat with another request a 400
IdempotentParameterMismatchException.

    python -m devstack.moto_server --port 5000    # a server of its own (bench/verify.py)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HOST = "127.0.0.1"
TRANSACT_WRITE_ITEMS = "DynamoDB_20120810.TransactWriteItems"
TOKEN_TTL_SECONDS = 600.0
MAX_TOKENS = 10_000
_AMZ_JSON = "application/x-amz-json-1.0"
_MISMATCH = "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"

Headers = list[tuple[str, str]]


class _Response(NamedTuple):
    status: str
    headers: Headers
    body: bytes


class _Remembered(NamedTuple):
    fingerprint: str
    response: _Response
    expires_at: float


class SerializedApp:
    """A WSGI app that runs `app` for one request at a time and honours ClientRequestToken.

    The lock is held for the whole request: reading its body, moto's work, and producing
    the whole response body (a WSGI body may be a generator that still reads moto's state).
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        token_ttl_seconds: float = TOKEN_TTL_SECONDS,
        max_tokens: int = MAX_TOKENS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._token_ttl = token_ttl_seconds
        self._max_tokens = max_tokens
        self._clock = clock
        # Insertion order is completion order, so the oldest token is always first.
        self._tokens: OrderedDict[str, _Remembered] = OrderedDict()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            response = self._handle(environ)
        start_response(response.status, response.headers)
        return [response.body]

    @property
    def remembered_tokens(self) -> int:
        """How many client request tokens are remembered now (bounded by `max_tokens`)."""
        with self._lock:
            return len(self._tokens)

    def _handle(self, environ: WSGIEnvironment) -> _Response:
        body = _read_body(environ)
        if environ.get("HTTP_X_AMZ_TARGET") != TRANSACT_WRITE_ITEMS:
            return self._call_app(environ)
        token, fingerprint = _token_and_fingerprint(body)
        if token is None:
            return self._call_app(environ)
        now = self._clock()
        self._forget_expired(now)
        seen = self._tokens.get(token)
        if seen is not None:
            if seen.fingerprint != fingerprint:
                return _mismatch(token)
            return seen.response
        response = self._call_app(environ)
        # A 5xx says nothing about the outcome a retry should see; DynamoDB's own advice for
        # one is to retry with the same token, so the retry must run, not replay the error.
        if int(response.status.split()[0]) < 500:
            self._tokens[token] = _Remembered(fingerprint, response, now + self._token_ttl)
            while len(self._tokens) > self._max_tokens:
                self._tokens.popitem(last=False)
        return response

    def _forget_expired(self, now: float) -> None:
        while self._tokens:
            oldest = next(iter(self._tokens.values()))
            if oldest.expires_at > now:
                return
            self._tokens.popitem(last=False)

    def _call_app(self, environ: WSGIEnvironment) -> _Response:
        started: list[tuple[str, Headers]] = []
        chunks: list[bytes] = []

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], object]:
            started.append((status, list(headers)))
            return chunks.append

        result = self._app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not started:
            raise RuntimeError("the wrapped WSGI app returned without calling start_response")
        status, headers = started[-1]
        return _Response(status, headers, b"".join(chunks))


def _read_body(environ: WSGIEnvironment) -> bytes:
    """Reads the request body and puts it back in `environ` as a fresh stream."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        body = stream.read()  # chunked: werkzeug ends the stream where the body ends
    else:
        # A socket's stream never ends by itself: read exactly the announced length.
        body = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def _token_and_fingerprint(body: bytes) -> tuple[str | None, str]:
    """The request's ClientRequestToken and a digest of the request as DynamoDB compares it."""
    try:
        request = json.loads(body)
    except ValueError:
        return None, ""
    token = request.get("ClientRequestToken") if isinstance(request, dict) else None
    if not isinstance(token, str) or not token:
        return None, ""
    # Parameters, not bytes: the same request serialized with its keys in another order is the same.
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":")).encode()
    return token, hashlib.sha256(canonical).hexdigest()


def _mismatch(token: str) -> _Response:
    body = json.dumps(
        {
            "__type": _MISMATCH,
            "message": f"ClientRequestToken {token} was used within the last 10 minutes with other parameters",
        }
    ).encode()
    headers = [
        ("Content-Type", _AMZ_JSON),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", os.urandom(16).hex()),
    ]
    return _Response("400 Bad Request", headers, body)


class EmbeddedMotoServer:
    """moto's WSGI app behind `SerializedApp`, served by werkzeug in threads on 127.0.0.1 only.

    Without werkzeug's access log: a line per AWS call the service makes (60 while the local
    stack provisions itself) would bury the service's own request lines. Errors still log.
    """

    def __init__(self, port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class QuietRequestHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        self.app = SerializedApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(HOST, port, self.app, threaded=True, request_handler=QuietRequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the server listens: `http://127.0.0.1:<port>`."""
        return f"http://{HOST}:{self._server.server_port}"

    def start(self) -> None:
        """Serves in a daemon thread; returns at once (the socket is already listening)."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Serves in the calling thread until the process ends."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stops serving and closes the listening socket."""
        if self._thread is not None:
            # shutdown() waits for serve_forever() to return: only call it when that runs.
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


def main(argv: list[str] | None = None) -> None:
    """`python -m devstack.moto_server [--port N]`: serves until the process is stopped."""
    parser = argparse.ArgumentParser(description="moto, serialized, on 127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    EmbeddedMotoServer(args.port).serve_forever()


if __name__ == "__main__":
    main()
