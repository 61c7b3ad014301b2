"""Ctrl-C stops the local stack cleanly: quickly, with exit code 0, and the port is free again."""

from __future__ import annotations

import signal
import socket

import pytest

from tests.e2e.conftest import READY_LINE, STOP_TIMEOUT, JsonClient, LocalStack


def assert_port_free(port: int) -> None:
    """Nobody answers on the port any more, and a new server (`make dev` again) can listen on it."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as again:
        # SO_REUSEADDR as every HTTP server sets it: TIME_WAIT leftovers are fine, a listener is not.
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        again.listen()


def test_ctrl_c_stops_the_stack_within_5_seconds(own_stack: LocalStack) -> None:
    assert own_stack.base_url is not None and own_stack.port is not None
    assert JsonClient(own_stack.base_url).get("/v1/health").status == 200

    code, elapsed = own_stack.stop(signal.SIGINT)

    assert code == 0, own_stack.output()
    assert elapsed <= STOP_TIMEOUT
    assert sum(1 for line in own_stack.stdout if READY_LINE.fullmatch(line)) == 1, own_stack.output()
    assert not any("Traceback" in line for line in own_stack.stderr), own_stack.output()
    assert_port_free(own_stack.port)


def test_ctrl_c_stops_the_stack_while_a_browser_keeps_a_connection_open(own_stack: LocalStack) -> None:
    assert own_stack.port is not None
    with socket.create_connection(("127.0.0.1", own_stack.port), timeout=5) as browser:
        # A keep-alive request, answered; the connection then stays open and idle, as a browser's does.
        browser.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
        assert browser.recv(65536).startswith(b"HTTP/1.1 200")

        code, elapsed = own_stack.stop(signal.SIGINT)

    assert code == 0, own_stack.output()
    assert elapsed <= STOP_TIMEOUT
    assert_port_free(own_stack.port)
