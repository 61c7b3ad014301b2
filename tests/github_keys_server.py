"""A stand-in for GitHub's secret scanning keys endpoint, on loopback, for tests.

It serves `{"public_keys": [{"key_identifier", "key", "is_current"}]}` (the shape of
https://api.github.com/meta/public_keys/secret_scanning) for P-256 keys it makes itself,
signs bodies as GitHub signs its alerts, and counts the requests it answers. `status`,
`body`, `send_length`, `delay` and `drip` make it misbehave.

    with GithubKeysServer() as github:
        key_id = github.add_key()
        keyring = GithubKeyring(github.url)
        assert keyring.check(body, key_id, github.sign(body, key_id)).verified
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    """The `Github-Public-Key-Signature` of `body` by `key`: base64 of the DER signature."""
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


class GithubKeysServer:
    """GitHub's keys document on 127.0.0.1, with keys made here."""

    def __init__(self) -> None:
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.extra_entries: list[Any] = []  # published as they are, before the keys
        self.status = 200
        self.body: bytes | None = None  # raw bytes instead of the document
        self.send_length = True  # without Content-Length the answer ends when the connection closes
        self.delay = 0.0  # seconds before answering
        self.drip = 0.0  # seconds between the answer's bytes
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests += 1
                time.sleep(server.delay)
                body = server.body if server.body is not None else server.document_bytes()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                if server.send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if server.drip:
                        for index in range(len(body)):
                            self.wfile.write(body[index : index + 1])
                            self.wfile.flush()
                            time.sleep(server.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should with a slow or oversize answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: `shutdown()` waits for the serving loop to notice it.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/meta/public_keys/secret_scanning"

    def add_key(self, key_id: str | None = None, private_key: ec.EllipticCurvePrivateKey | None = None) -> str:
        """Publishes a key (a new P-256 one unless given) and returns its id (GitHub's are 64 hex digits)."""
        key = private_key or ec.generate_private_key(ec.SECP256R1())
        key_id = key_id or hashlib.sha256(public_pem(key).encode()).hexdigest()
        self.keys[key_id] = key
        return key_id

    def remove_key(self, key_id: str) -> None:
        del self.keys[key_id]

    def document(self) -> dict[str, Any]:
        entries = [
            {"key_identifier": key_id, "key": public_pem(key), "is_current": index == len(self.keys) - 1}
            for index, (key_id, key) in enumerate(self.keys.items())
        ]
        return {"public_keys": [*self.extra_entries, *entries]}

    def document_bytes(self, padding: int = 0) -> bytes:
        """The document as served; `padding` characters more in a field GitHub does not send."""
        document = self.document()
        if padding:
            document["padding"] = "x" * padding
        return json.dumps(document).encode()

    def sign(self, body: bytes, key_id: str) -> str:
        return sign(self.keys[key_id], body)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> GithubKeysServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
