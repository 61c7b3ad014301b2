"""The local HTTP server: chalice's, made to take load and to answer every error as a problem.

chalice's local server listens with socketserver's backlog of 5, so a burst of
connections is reset; `LocalServer` serves each connection in a daemon thread with a
backlog of 1,024.

Bodies are framed and bounded here, before the app runs (devstack.request_bodies): a
body declared over the app's 256 KiB is 413 before any of it is read, and a chunked one is
read only up to the limit; chalice's own server reads any declared length whole. A
refusal made before the body was read closes the connection, after the answer and a
bounded wait for the client to stop sending (`_linger`).

Every header line reaches the app: chalice passes one value per name (`headers`); the
event also gets all of them as `multiValueHeaders`, as API Gateway's REST proxy event has
them, so that the app refuses a repeated Authorization here as it does deployed.

Some requests never reach the app: a path that is no route (chalice answers API Gateway's
403 `Missing Authentication Token`), a method http.server has no handler for (a 501 HTML
page), header lines too long or too many (a 431 HTML page) and a request line that cannot
be parsed (a 400 HTML page). In AWS, API Gateway answers those, with the gateway responses
the infrastructure configures; here `ProblemRequestHandler` answers them as the contract
says, with RFC 9457 problems built by chalicelib.api.problems.

Every request gets the app's JSON request line (chalicelib.api.request_log), those refused
here too (with `route` null when no route has the path); http.server's own access log is
not printed, and its error messages go to the `keywarden.devstack` logger as JSON.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from typing import Any

from chalice.app import Chalice, Response
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    RouteMatcher,
)

from chalicelib.api import request_log
from chalicelib.api.http import MAX_BODY_BYTES
from chalicelib.api.problems import new_request_id, problem_response, stamped
from chalicelib.errors import (
    HeadersTooLargeError,
    KeywardenError,
    MalformedRequestError,
    MethodNotAllowedError,
    NotFoundError,
)
from devstack import console, request_bodies

BACKLOG = 1024
# What is read, at most, of a refused request before the connection is closed: closing a
# socket with unread input makes the kernel send RST, which can destroy the answer before
# the client has read it.
_DRAIN_BYTES = 1024 * 1024
_DRAIN_SECONDS = 1.0
_NO_ROUTE = "no route has this path"
# A refused request's method as logged, at most: http.server takes any word of the request line.
_LOGGED_METHOD_CHARS = 16

log = logging.getLogger("keywarden.devstack.http")


class LocalServer(ThreadingMixIn, HTTPServer):
    """chalice's threaded server with a backlog that survives a burst of connections."""

    daemon_threads = True  # an idle keep-alive connection must not hold the process at exit
    request_queue_size = BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left before its answer (a browser moving on) is no error; others are logged."""
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError)):
            return
        log.exception("error while serving a connection")


class RouteNotFound(LocalGatewayException):
    """No route has this path: 404 `not_found`, as API Gateway's configured gateway response says."""

    CODE = 404


class HeaderLines(dict[str, Any]):
    """A request's headers as chalice's gateway takes them (one value per name), with every line
    kept in `lines` for the event's `multiValueHeaders`."""

    def __init__(self, headers: Any) -> None:
        super().__init__(headers)  # an email.message.Message: the first value of each name
        self.lines: dict[str, list[str]] = {}
        for name, value in headers.items():
            self.lines.setdefault(name, []).append(value)


class ProblemGateway(LocalGateway):
    """chalice's LocalGateway, with a problem instead of its 403 for a path that is no route."""

    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self.routes = app_object.routes
        self._matcher = RouteMatcher(list(app_object.routes))

    def route_of(self, path: str) -> str | None:
        """The route (`/v1/projects/{pid}`) that `path` names, or None."""
        try:
            return str(self._matcher.match_route(path).route)
        except ValueError:
            return None

    def handle_request(self, method: str, path: str, headers: dict[str, Any], body: bytes | None) -> dict[str, Any]:
        if self.route_of(path) is None:
            started = time.perf_counter()
            response = _problem(NotFoundError(_NO_ROUTE))
            _log_outside_app(method, None, response, started)
            raise RouteNotFound(response.headers, response.body.encode())
        result: dict[str, Any] = super().handle_request(method, path, headers, body)
        return result

    def _generate_lambda_event(
        self, method: str, path: str, headers: dict[str, Any], body: bytes | None
    ) -> dict[str, Any]:
        event: dict[str, Any] = super()._generate_lambda_event(method, path, headers, body)
        if isinstance(headers, HeaderLines):
            event["multiValueHeaders"] = headers.lines
        return event


class ProblemRequestHandler(ChaliceRequestHandler):
    """chalice's request handler, answering the errors of http.server as problems."""

    local_gateway: ProblemGateway
    request_version: str
    # The current request's body framing, once its head passed (request_bodies.framing), and its body.
    _framing: request_bodies.Framing | None = None
    _body: bytes | None = None

    def __init__(
        self, request: bytes, client_address: tuple[str, int], server: HTTPServer, app_object: Chalice, config: Config
    ) -> None:
        # ChaliceRequestHandler.__init__ sets its own gateway and then serves the whole
        # connection, so the gateway has to be in place before BaseHTTPRequestHandler runs.
        self.local_gateway = ProblemGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)  # type: ignore[arg-type]

    def parse_request(self) -> bool:
        """http.server's parsing of the head, then the body's framing: a body refused by its head
        alone (too long, or framed ambiguously) is answered before any of it is read."""
        self._framing = self._body = None
        if not super().parse_request():
            return False
        # handle_expect_100 (run by parse_request) has framed it already, before any 100 Continue.
        return self._framing is not None or self._frame_body()

    def handle_expect_100(self) -> bool:
        """A client waiting for 100 Continue is refused instead, when the head says enough."""
        return self._frame_body() and super().handle_expect_100()

    def _frame_body(self) -> bool:
        try:
            self._framing = request_bodies.framing(self.headers, MAX_BODY_BYTES)
        except KeywardenError as error:
            self._refuse(error)
            return False
        return True

    def _read_body(self) -> bool:
        """Reads the body as framed; False when it was refused (and answered) instead."""
        assert self._framing is not None
        try:
            self._body = request_bodies.read_body(self.rfile, self._framing, MAX_BODY_BYTES)
        except KeywardenError as error:
            self._refuse(error)
            return False
        return True

    def _generic_handle(self) -> None:
        if self._read_body():
            super()._generic_handle()

    # chalice binds its own _generic_handle to each method's name; these take the one above.
    do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _parse_payload(self) -> tuple[dict[str, Any], bytes | None]:
        """What chalice's handler passes to the gateway: the headers, every line kept, and the body read above."""
        return HeaderLines(self.headers), self._body

    def _serve_console_or_app(self) -> None:
        """GET and HEAD: the console's files (devstack.console) under /console/, else the app."""
        path = self.path.split("?", 1)[0]
        if not console.handles(path):
            self._generic_handle()
            return
        # A console file ignores a body, but it must not be read as the connection's next request.
        if not self._read_body():
            return
        started = time.perf_counter()
        answer = console.answer(path)
        if answer is None:
            response = _problem(NotFoundError("the console has no file at this path (`make dev` builds it)"))
            self._send_problem(response, close=False)
        else:
            headers: dict[str, str | list[str]] = {**answer.headers, "X-Request-Id": new_request_id()}
            response = Response(body="", status_code=answer.status, headers=headers)
            self._send(answer.status, headers, answer.body, close=False)
        _log_outside_app(self.command, console.PREFIX, response, started)

    do_GET = do_HEAD = _serve_console_or_app

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answers what http.server refuses (unknown method, oversized head, bad syntax) as a problem."""
        started = time.perf_counter()
        route = None
        if code == HTTPStatus.NOT_IMPLEMENTED and self.command:
            # http.server found no do_<METHOD>: the method is unknown here, whatever the path.
            route = self.local_gateway.route_of(self.path)
            error = self._unknown_method(route)
            self._discard_body()
        elif code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE:
            error = HeadersTooLargeError(
                "a header line is longer than 65,536 bytes, or there are more than 100 headers"
            )
            self._discard_head()
        elif code == HTTPStatus.REQUEST_URI_TOO_LONG:
            error = MalformedRequestError("the request line is longer than 65,536 bytes")
        else:
            # http.server's message quotes the request line: not echoed back.
            error = MalformedRequestError("the request line is not valid HTTP/1.1")
        if self.request_version == "HTTP/0.9":
            # http.server leaves this when the request line was unreadable, and then writes
            # neither status line nor headers; a problem needs both.
            self.request_version = "HTTP/1.0"
        self.close_connection = True
        response = _problem(error)
        self._send_problem(response, close=True)
        _log_outside_app(self.command or None, route, response, started)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Nothing: the request line of chalicelib.api.request_log replaces http.server's access log."""

    def log_message(self, format: str, *args: Any) -> None:
        """http.server's messages (errors, timeouts), as the service's JSON log lines."""
        log.warning(format, *args)

    def _refuse(self, error: KeywardenError) -> None:
        """Answers a request refused before its body was read (whole), and ends the connection."""
        started = time.perf_counter()
        self.close_connection = True
        response = _problem(error)
        self._send_problem(response, close=True)
        self._linger()
        _log_outside_app(self.command, self.local_gateway.route_of(self.path), response, started)

    def _linger(self) -> None:
        """After an answer sent with the body unread: the answer is followed by FIN, and what the client
        still sends is read and dropped until it closes, for at most _DRAIN_SECONDS and _DRAIN_BYTES.
        Closing at once, with its input unread, would make the kernel reset the connection, which can
        destroy the answer before the client has read it."""
        connection: socket.socket = self.connection
        deadline = time.monotonic() + _DRAIN_SECONDS
        drained = 0
        with self._draining():
            self.wfile.flush()
            connection.shutdown(socket.SHUT_WR)
            while drained < _DRAIN_BYTES and (left := deadline - time.monotonic()) > 0:
                connection.settimeout(left)
                chunk = self.rfile.read1(65536)
                if not chunk:
                    return
                drained += len(chunk)

    def _unknown_method(self, route: str | None) -> KeywardenError:
        if route is None:
            return NotFoundError(_NO_ROUTE)
        return MethodNotAllowedError(sorted(self.local_gateway.routes[route]))

    def _send_problem(self, response: Response, *, close: bool) -> None:
        self._send(response.status_code, response.headers, response.body.encode(), close=close)

    def _send(self, status: int, headers: dict[str, Any], body: bytes, *, close: bool) -> None:
        """An answer written here, not by chalice (no body for HEAD, as HTTP has it)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_http_response_with_body(self, code: int, headers: dict[str, Any], body: str | bytes) -> None:
        if self.command == "HEAD":
            # chalice writes the body of a HEAD answer (a 405 problem, say), which a client
            # on a kept-alive connection would read as the start of its next response.
            self.send_response(code)
            data = body if isinstance(body, bytes) else body.encode()
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self._send_headers(headers)
            return
        super()._send_http_response_with_body(code, headers, body)

    def _discard_head(self) -> None:
        """Reads the rest of a refused request's head, so that closing does not reset the answer."""
        with self._draining():
            read = 0
            while read < _DRAIN_BYTES:
                line = self.rfile.readline(65537)
                read += len(line)
                if line in (b"\r\n", b"\n", b""):
                    return

    def _discard_body(self) -> None:
        """Reads a refused request's body (within bounds), for the same reason."""
        # Framed already (parse_request), so the length is a number within the limit.
        remaining = self._framing.length if self._framing else 0
        with self._draining():
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    return
                remaining -= len(chunk)

    @contextlib.contextmanager
    def _draining(self) -> Any:
        connection: socket.socket = self.connection
        previous = connection.gettimeout()
        connection.settimeout(_DRAIN_SECONDS)
        try:
            yield
        except OSError:
            pass  # a slow or vanished client: the answer goes out anyway
        finally:
            with contextlib.suppress(OSError):
                connection.settimeout(previous)


def _log_outside_app(method: str | None, route: str | None, response: Response, started: float) -> None:
    """The request line of a request the app never saw (refused, or a console file; in AWS, API Gateway and
    CloudFront answer these)."""
    facts = request_log.RequestFacts(str(response.headers["X-Request-Id"]))
    method = method[:_LOGGED_METHOD_CHARS] if method else None
    request_log.log_request(facts, method, route, response.status_code, (time.perf_counter() - started) * 1000)


def _problem(error: KeywardenError) -> Response:
    """A problem response with the headers every response of the app carries."""
    request_id = new_request_id()
    return stamped(problem_response(error, request_id), request_id)


def create_local_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """chalice.local.create_local_server, with `LocalServer` and `ProblemRequestHandler`."""
    if not isinstance(app, LocalChalice):
        # What chalice's own create_local_server does: the app keeps its class (and so its
        # __call__) but reads current_request from a thread-local, as threads share the app.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=ProblemRequestHandler, server_cls=LocalServer)
