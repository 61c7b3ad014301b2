"""A TCP proxy on loopback that adds a fixed delay to every request/response round trip.

It stands in for the network between a Lambda function and DynamoDB/KMS, so that
benchmarks can state latencies as multiples of one round trip. The delay is paid once
per request: when the client starts sending after the server last spoke.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class DelayProxy:
    def __init__(self, upstream: tuple[str, int], delay_seconds: float) -> None:
        self.upstream = upstream
        self.delay = delay_seconds
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        threading.Thread(target=self._accept, name="delay-proxy", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"last": "down"}
            threading.Thread(target=self._pump, args=(client, server, state, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, "down"), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, state: dict[str, str], direction: str) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                # ACK at once: a server that writes headers and body separately (Nagle on
                # its side) would otherwise wait for our delayed ACK, up to 40 ms a request.
                source.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                if direction == "up" and state["last"] != "up":
                    time.sleep(self.delay)  # a new request: one round trip's worth of delay
                state["last"] = direction
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
