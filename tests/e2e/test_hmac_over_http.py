"""HMAC keys end to end: real clients sign requests to a resource server that asks the local stack.

The resource server is a tiny `http.server` on 127.0.0.1 that, for each request it gets,
posts what it received (method, raw request target, headers, base64 body) to the stack's
`/v1/hmac/verify` with its project's service key, and answers like Azure App Configuration
(a key-value) when the verdict is VALID, 401 otherwise. The clients are the real Azure App
Configuration SDK (connection string `Endpoint=...;Id=<token>;Secret=<secret>`) and
`requests` with Keywarden's `HmacAuth`. Nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from azure.appconfiguration import AzureAppConfigurationClient, ConfigurationSetting
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import RequestsTransport
from keywarden.requests_auth import HmacAuth

from tests.e2e.conftest import JsonClient
from tests.e2e.test_keys_over_http import Project, set_up_project

CACHE_TTL = 5.0  # KEYWARDEN_CACHE_TTL of the stack (its default)


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    verdict: dict[str, Any]


@dataclass
class ResourceServer:
    """An App Configuration look-alike that trusts nobody but Keywarden's verdict."""

    verifier: JsonClient
    service_key: str
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    @property
    def codes(self) -> list[str]:
        return [entry.verdict.get("code", "?") for entry in self.seen]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers.items())
        reply = self.verifier.post(
            "/v1/hmac/verify",
            {
                "method": handler.command,
                "url": handler.path,
                "headers": headers,
                "body": base64.b64encode(body).decode(),
            },
            token=self.service_key,
        )
        verdict = reply.body if reply.status == 200 else {"code": f"HTTP {reply.status}", "detail": reply.body}
        self.seen.append(Seen(handler.command, handler.path, headers, body, verdict))
        if reply.status == 200 and verdict.get("valid") is True:
            status, payload = 200, self._key_value(handler.path, body)
        else:
            status, payload = 401, {"error": verdict.get("code")}
        raw = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/vnd.microsoft.appconfig.kv+json; charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.send_header("ETag", '"etag-1"')
        handler.end_headers()
        handler.wfile.write(raw)

    @staticmethod
    def _key_value(target: str, body: bytes) -> dict[str, Any]:
        """A key-value as App Configuration returns it (the SDK's KeyValue model)."""
        path = target.split("?", 1)[0]
        key = path.rsplit("/", 1)[-1]
        sent = json.loads(body) if body else {}
        return {
            "key": key,
            "label": sent.get("label"),
            "content_type": sent.get("content_type"),
            "value": sent.get("value", "y"),
            "last_modified": "2026-11-23T10:00:00+00:00",
            "tags": sent.get("tags") or {},
            "locked": False,
            "etag": "etag-1",
        }


@pytest.fixture
def resource_server(client: JsonClient, project: Project) -> Iterator[ResourceServer]:
    server_state = ResourceServer(client, project.service_key)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server_state.handle(self)

        do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return set_up_project(client, f"hmac-owner-{unique}")


def issue_hmac(project: Project, **fields: Any) -> tuple[dict[str, Any], str, str]:
    reply = project.client.post(
        project.path("/keys"),
        {"name": "signer", "type": "hmac", "role_id": project.role_id, **fields},
        token=project.token,
    )
    assert reply.status == 201, reply.body
    return reply.body["key"], reply.body["secret"]["token"], reply.body["secret"]["secret"]


def no_proxy_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # only 127.0.0.1, never a proxy from the environment
    return session


def azure_client(endpoint: str, token: str, secret: str) -> AzureAppConfigurationClient:
    return AzureAppConfigurationClient.from_connection_string(
        f"Endpoint={endpoint};Id={token};Secret={secret}",
        transport=RequestsTransport(session=no_proxy_session(), session_owner=False, use_env_settings=False),
        retry_total=0,
    )


def test_the_azure_sdk_signs_requests_that_verify(project: Project, resource_server: ResourceServer) -> None:
    key, token, secret = issue_hmac(project)
    config = azure_client(resource_server.url, token, secret)

    setting = config.get_configuration_setting(key="x")
    assert setting is not None and (setting.key, setting.value) == ("x", "y")
    assert resource_server.codes == ["VALID"]
    seen = resource_server.seen[0]
    assert seen.verdict["key_id"] == key["id"] and seen.verdict["project_id"] == project.pid
    assert seen.method == "GET" and seen.target.startswith("/kv/x?")
    lower = {name.lower(): value for name, value in seen.headers.items()}
    assert lower["host"] == resource_server.url.removeprefix("http://")
    assert lower["authorization"].startswith(
        f"HMAC-SHA256 Credential={token}&SignedHeaders=x-ms-date;host;x-ms-content-sha256&"
    )

    # A write, with a body that the content hash covers, and a label in the query.
    written = config.set_configuration_setting(
        ConfigurationSetting(key="feature", label="prod", value="on", content_type="text/plain", tags={"a": "b"})
    )
    assert (written.key, written.value, written.label) == ("feature", "on", "prod")
    assert resource_server.codes == ["VALID", "VALID"]
    put = resource_server.seen[1]
    assert put.method == "PUT" and put.body and json.loads(put.body)["value"] == "on"
    assert "label=prod" in put.target

    # Keys that need percent-encoding: the path the SDK signed is the path that arrived.
    for name in ("app:color", "a b/c", "ключ"):
        assert config.get_configuration_setting(key=name) is not None, name
    assert resource_server.codes[2:] == ["VALID"] * 3, [(s.target, s.verdict) for s in resource_server.seen[2:]]

    # The same SDK with the wrong secret: 401 from the resource server.
    wrong = azure_client(resource_server.url, token, base64.b64encode(b"\1" * 32).decode())
    with pytest.raises(ClientAuthenticationError):
        wrong.get_configuration_setting(key="x")
    assert resource_server.codes[-1] == "INVALID_SIGNATURE"


def test_requests_with_hmac_auth_verifies_and_a_byte_for_byte_replay_does_not(
    project: Project, resource_server: ResourceServer
) -> None:
    key, token, secret = issue_hmac(project)
    session = no_proxy_session()
    ok = session.get(resource_server.url + "/kv/x?label=dev", auth=HmacAuth(token, secret), timeout=15)
    assert ok.status_code == 200, (ok.status_code, ok.text, resource_server.seen)
    assert ok.json()["value"] == "y"
    assert resource_server.seen[-1].verdict["key_id"] == key["id"]
    posted = session.post(
        resource_server.url + "/kv/new", json={"value": "z"}, auth=HmacAuth(token, secret), timeout=15
    )
    assert posted.status_code == 200 and posted.json()["value"] == "z"
    assert resource_server.codes == ["VALID", "VALID"]

    # Captured on the wire and sent again, unchanged: refused.
    prepared = session.prepare_request(
        requests.Request(
            "PUT", resource_server.url + "/kv/pay?n=1", data=b'{"value": "10"}', auth=HmacAuth(token, secret)
        )
    )
    first, second = session.send(prepared, timeout=15), session.send(prepared, timeout=15)
    assert (first.status_code, second.status_code) == (200, 401)
    assert resource_server.codes[-2:] == ["VALID", "REPLAYED"]
    assert resource_server.seen[-1].headers == resource_server.seen[-2].headers

    # Tampered on the way (another body under the same headers): refused, and the genuine one still passes.
    genuine = session.prepare_request(
        requests.Request(
            "PUT", resource_server.url + "/kv/pay?n=2", data=b'{"value": "10"}', auth=HmacAuth(token, secret)
        )
    )
    forged = genuine.copy()
    forged.prepare_body(b'{"value": "1000"}', None)
    assert session.send(forged, timeout=15).status_code == 401
    assert resource_server.codes[-1] == "INVALID_SIGNATURE"
    assert session.send(genuine, timeout=15).status_code == 200

    # Sent first to another path (or with another method) under the genuine headers: refused, and
    # since its signature did not match, the genuine request it was copied from still passes, once.
    genuine = session.prepare_request(
        requests.Request("GET", resource_server.url + "/kv/pay?n=3", auth=HmacAuth(token, secret))
    )
    for path_url, method in (("/kv/admin?n=3", "GET"), ("/kv/pay?n=3", "DELETE")):
        forged = genuine.copy()
        forged.url, forged.method = resource_server.url + path_url, method
        assert session.send(forged, timeout=15).status_code == 401
        assert resource_server.codes[-1] == "INVALID_SIGNATURE"
    assert session.send(genuine, timeout=15).status_code == 200
    assert resource_server.codes[-1] == "VALID"
    assert session.send(genuine, timeout=15).status_code == 401
    assert resource_server.codes[-1] == "REPLAYED"


def test_the_same_request_signed_twice_within_a_second_verifies_twice(
    project: Project, resource_server: ResourceServer
) -> None:
    _, token, secret = issue_hmac(project)
    session = no_proxy_session()
    auth = HmacAuth(token, secret)
    time.sleep(1.02 - time.time() % 1)  # just past a second boundary: both are signed within one second
    first, second = (
        session.prepare_request(requests.Request("GET", resource_server.url + "/kv/x?label=dev", auth=auth))
        for _ in range(2)
    )
    # The same second; only the microseconds of x-ms-date (`Nov, 23 2026 19:07:46.358681 GMT`) differ.
    assert first.headers["x-ms-date"][:-11] == second.headers["x-ms-date"][:-11]
    assert first.headers["authorization"] != second.headers["authorization"]
    assert session.send(first, timeout=15).status_code == 200
    assert session.send(second, timeout=15).status_code == 200
    assert resource_server.codes == ["VALID", "VALID"]


def test_a_revoked_key_stops_within_the_cache_ttl(project: Project, resource_server: ResourceServer) -> None:
    key, token, secret = issue_hmac(project)
    config = azure_client(resource_server.url, token, secret)
    session = no_proxy_session()
    assert config.get_configuration_setting(key="before") is not None
    assert project.client.delete(project.path(f"/keys/{key['id']}"), token=project.token).status == 204

    deadline = time.monotonic() + CACHE_TTL + 2
    n = 0
    while True:
        n += 1
        reply = session.get(f"{resource_server.url}/kv/poll?n={n}", auth=HmacAuth(token, secret), timeout=15)
        if reply.status_code == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reply.status_code == 401
    assert resource_server.codes[-1] == "REVOKED"
    with pytest.raises(ClientAuthenticationError):
        config.get_configuration_setting(key="after")
    assert resource_server.codes[-1] == "REVOKED"
    assert all(code in ("VALID", "REVOKED") for code in resource_server.codes), resource_server.codes
