"""The local stack takes a burst of connections, as `make dev` must for load tests against it."""

from __future__ import annotations

import selectors
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CONNECTIONS = 200
DEADLINE_SECONDS = 60.0


@dataclass
class _Exchange:
    sock: socket.socket
    request: bytes
    sent: int = 0
    received: bytearray = field(default_factory=bytearray)
    error: str | None = None
    done: bool = False

    @property
    def status(self) -> int | None:
        head = bytes(self.received).split(b"\r\n", 1)[0].split()
        return int(head[1]) if len(head) >= 2 and head[1].isdigit() else None


def burst(host: str, port: int, path: str, count: int, deadline: float) -> list[_Exchange]:
    """Opens `count` connections at once (non-blocking connects, one selector), sends each one
    `GET path` with Connection: close, and reads each answer to EOF, until `deadline`."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    selector = selectors.DefaultSelector()
    exchanges = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        exchange = _Exchange(sock, request)
        exchanges.append(exchange)
        selector.register(sock, selectors.EVENT_WRITE, exchange)
    pending = count
    try:
        while pending and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
                exchange = key.data
                try:
                    if exchange.sent < len(exchange.request):
                        exchange.sent += exchange.sock.send(exchange.request[exchange.sent :])
                        if exchange.sent == len(exchange.request):
                            selector.modify(exchange.sock, selectors.EVENT_READ, exchange)
                        continue
                    chunk = exchange.sock.recv(65536)
                    if chunk:
                        exchange.received += chunk
                        continue
                except OSError as error:
                    exchange.error = f"{type(error).__name__}: {error}"
                exchange.done = True
                selector.unregister(exchange.sock)
                pending -= 1
    finally:
        selector.close()
        for exchange in exchanges:
            exchange.sock.close()
    return exchanges


def test_200_simultaneous_connections_are_all_answered(stack_url: str) -> None:
    parts = urlsplit(stack_url)
    assert parts.hostname == "127.0.0.1" and parts.port is not None
    started = time.monotonic()
    exchanges = burst(parts.hostname, parts.port, "/v1/health", CONNECTIONS, started + DEADLINE_SECONDS)
    elapsed = time.monotonic() - started

    unanswered = [
        e.error or ("no answer in time" if not e.done else "closed without an answer")
        for e in exchanges
        if e.status is None
    ]
    statuses = [e.status for e in exchanges if e.status is not None]
    assert not unanswered, (
        f"{len(unanswered)} of {CONNECTIONS} got no answer in {elapsed:.1f} s: {sorted(set(unanswered))}"
    )
    assert statuses == [200] * CONNECTIONS, sorted(set(statuses))
    assert all(e.received.endswith(b'{"status":"ok"}') for e in exchanges)
