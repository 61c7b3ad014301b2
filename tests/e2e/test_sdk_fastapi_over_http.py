"""The SDK in front of a real resource server: the FastAPI example app (clients/python/examples)
served by uvicorn, its `Verifier` talking to the local stack over HTTP, and requests to the app
over HTTP as its clients would send them.

The verifier's transport counts what the app asks the service, so "without a call per request"
is measured, not assumed.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from keywarden import Verifier
from keywarden.httpx_auth import HmacAuth

from tests.e2e.conftest import JsonClient

EXAMPLE = Path(__file__).resolve().parents[2] / "clients" / "python" / "examples" / "orders_api.py"


def example_app(verifier: Verifier) -> Any:
    """The example's `create_app(verifier)`: loaded from its file (examples are not a package)."""
    spec = importlib.util.spec_from_file_location("orders_api", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app(verifier)


# The feed is polled every second; a revocation must be refused within 5 s.
REVOCATION_BOUND = 5.0


class Counted(httpx.BaseTransport):
    def __init__(self, calls: Counter[str]) -> None:
        self.calls, self.inner = calls, httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.url.path] += 1
        return self.inner.handle_request(request)


class AsyncCounted(httpx.AsyncBaseTransport):
    def __init__(self, calls: Counter[str]) -> None:
        self.calls, self.inner = calls, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.url.path] += 1
        return await self.inner.handle_async_request(request)


class Project:
    """A project with a reader role, a writer role and its service key, made over the API."""

    def __init__(self, client: JsonClient, unique: str) -> None:
        self.client, self.owner = client, f"owner-{unique}"
        self.token = client.token(self.owner)
        reply = client.post("/v1/projects", {"name": "Orders"}, token=self.token)
        assert reply.status == 201, reply.body
        self.pid: str = reply.body["id"]
        revealed = client.post(f"/v1/projects/{self.pid}/secrets/service_key/reveal", token=self.token)
        assert revealed.status == 200, revealed.body
        self.service_key: str = revealed.body["value"]
        self.reader = self.role("reader", ["orders:read"])
        self.writer = self.role("writer", ["orders:*"])

    def role(self, name: str, permissions: list[str]) -> str:
        reply = self.client.post(
            f"/v1/projects/{self.pid}/roles", {"name": name, "permissions": permissions}, token=self.token
        )
        assert reply.status == 201, reply.body
        role_id: str = reply.body["id"]
        return role_id

    def issue(self, kind: str, role_id: str, **fields: Any) -> tuple[str, Any]:
        body = {"name": "k", "type": kind, "role_id": role_id, **fields}
        reply = self.client.post(f"/v1/projects/{self.pid}/keys", body, token=self.token)
        assert reply.status == 201, reply.body
        secret = reply.body["secret"]
        return reply.body["key"]["id"], secret if kind == "hmac" else secret["key"]

    def revoke(self, key_id: str) -> None:
        assert self.client.delete(f"/v1/projects/{self.pid}/keys/{key_id}", token=self.token).status == 204


class OrdersApp:
    """The example app on a real port, and the counter of its calls to Keywarden."""

    def __init__(self, stack_url: str, service_key: str) -> None:
        self.calls: Counter[str] = Counter()
        self.verifier = Verifier(
            stack_url, service_key, transport=Counted(self.calls), async_transport=AsyncCounted(self.calls)
        )
        config = uvicorn.Config(example_app(self.verifier), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the example app did not start"
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def get(self, key: str | None = None, path: str = "/orders", header: str = "authorization") -> httpx.Response:
        headers = {} if key is None else {header: f"Bearer {key}" if header == "authorization" else key}
        return self.http.get(path, headers=headers)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


@pytest.fixture
def app(stack_url: str, project: Project) -> Iterator[OrdersApp]:
    served = OrdersApp(stack_url, project.service_key)
    yield served
    served.stop()


def refused_with(response: httpx.Response, status: int, code: str, reason: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert (problem["status"], problem["code"], problem["type"]) == (status, code, f"urn:keywarden:problem:{code}")
    assert problem.get("reason") == reason
    return problem


def wait_for_refusal(app: OrdersApp, key: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    while True:
        response = app.get(key)
        elapsed = time.monotonic() - started
        if response.status_code != 200 or elapsed > REVOCATION_BOUND + 5:
            return response, elapsed
        time.sleep(0.05)


def test_valid_keys_of_every_kind_get_in_and_jwt_keys_are_checked_offline(app: OrdersApp, project: Project) -> None:
    opaque_id, opaque = project.issue("opaque", project.reader)
    jwt_id, token = project.issue("jwt", project.reader)

    for key, key_id in ((opaque, opaque_id), (token, jwt_id)):
        first = app.get(key)
        assert first.status_code == 200, first.text
        assert (first.json()["key_id"], first.json()["owner_id"]) == (key_id, project.owner)
    assert app.get(opaque, header="x-api-key").status_code == 200

    asked = app.calls["/v1/keys/verify"]
    for _ in range(20):
        response = app.get(token)
        assert response.status_code == 200 and response.json()["offline"] is True
    assert app.calls["/v1/keys/verify"] == asked  # 20 requests, no call to the service


def test_a_revoked_jwt_key_is_refused_within_seconds_without_a_call_per_request(
    app: OrdersApp, project: Project
) -> None:
    key_id, token = project.issue("jwt", project.reader)
    assert app.get(token).status_code == 200
    assert app.get(token).json()["offline"] is True
    asked = app.calls["/v1/keys/verify"]

    project.revoke(key_id)
    response, elapsed = wait_for_refusal(app, token)
    refused_with(response, 401, "invalid_key", "REVOKED")
    assert elapsed < REVOCATION_BOUND, elapsed
    assert app.calls["/v1/keys/verify"] == asked  # every answer before and after came from the feed's state
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert token not in response.text


def test_a_revoked_opaque_key_is_refused_within_seconds(app: OrdersApp, project: Project) -> None:
    key_id, key = project.issue("opaque", project.reader)
    assert app.get(key).status_code == 200
    project.revoke(key_id)
    response, elapsed = wait_for_refusal(app, key)
    refused_with(response, 401, "invalid_key", "REVOKED")
    assert elapsed < REVOCATION_BOUND, elapsed


def test_expired_keys_are_refused(app: OrdersApp, project: Project) -> None:
    keys = [project.issue(kind, project.reader, ttl_seconds=2)[1] for kind in ("jwt", "opaque")]
    assert [app.get(key).status_code for key in keys] == [200, 200]
    time.sleep(3.1)  # the service keeps expiries in whole seconds, rounded up
    for key in keys:
        refused_with(app.get(key), 401, "invalid_key", "EXPIRED")


def test_an_expiry_brought_forward_reaches_an_offline_jwt_key(app: OrdersApp, project: Project) -> None:
    key_id, token = project.issue("jwt", project.reader, ttl_seconds=86_400)
    assert app.get(token).status_code == 200
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    path = f"/v1/projects/{project.pid}/keys/{key_id}"
    patched = project.client.patch(path, {"expires_at": soon}, token=project.token)
    assert patched.status == 200, patched.body
    response, elapsed = wait_for_refusal(app, token)
    refused_with(response, 401, "invalid_key", "EXPIRED")
    assert elapsed < 3 + REVOCATION_BOUND, elapsed


def test_an_owner_who_loses_the_right_loses_their_jwt_keys_and_gets_them_back(
    app: OrdersApp, project: Project, client: JsonClient
) -> None:
    member = f"dev-{project.pid[-8:]}"
    path = f"/v1/projects/{project.pid}/members/{member}"
    assert client.put(path, {"role": "developer"}, token=project.token).status == 200
    _, token = project.issue("jwt", project.reader, owner_id=member)
    assert app.get(token).status_code == 200

    assert client.put(path, {"role": "viewer"}, token=project.token).status == 200
    response, elapsed = wait_for_refusal(app, token)
    refused_with(response, 401, "invalid_key", "OWNER_NOT_PERMITTED")
    assert elapsed < 2 * REVOCATION_BOUND, elapsed  # the feed, then the service's own cache bound

    assert client.put(path, {"role": "developer"}, token=project.token).status == 200
    deadline = time.monotonic() + 2 * REVOCATION_BOUND
    while app.get(token).status_code != 200:
        assert time.monotonic() < deadline, "the key did not come back with the right"
        time.sleep(0.1)


def test_a_key_without_the_routes_permission_is_forbidden(app: OrdersApp, project: Project) -> None:
    for kind in ("opaque", "jwt"):
        _, reader = project.issue(kind, project.reader)
        refused = app.http.post("/orders", json={"item": "tea"}, headers={"authorization": f"Bearer {reader}"})
        problem = refused_with(refused, 403, "insufficient_permissions", "INSUFFICIENT_PERMISSIONS")
        assert "orders:write" in problem["detail"]
        _, writer = project.issue(kind, project.writer)  # orders:* covers orders:write
        placed = app.http.post("/orders", json={"item": "tea"}, headers={"authorization": f"Bearer {writer}"})
        assert placed.status_code == 201, placed.text


def test_requests_without_a_usable_key_are_401_problems(app: OrdersApp, project: Project) -> None:
    missing = app.get(None)
    refused_with(missing, 401, "unauthenticated")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    refused_with(app.get("kw_not-a-key"), 401, "invalid_key", "MALFORMED")
    refused_with(app.get("not.a.jwt"), 401, "invalid_key", "MALFORMED")
    assert app.get(None, path="/health").status_code == 200


def test_hmac_signed_requests_are_verified_by_the_service(app: OrdersApp, project: Project) -> None:
    _, secret = project.issue("hmac", project.writer)
    signer = HmacAuth(secret["token"], secret["secret"])
    with httpx.Client(base_url=app.url, auth=signer, timeout=10) as signed:
        listed = signed.get("/orders", params={"limit": 5, "q": "green tea"})
        assert listed.status_code == 200, listed.text
        placed = signed.post("/orders", json={"item": "tea"})
        assert placed.status_code == 201, placed.text

        replayed = app.http.send(listed.request)  # the same signature again
        refused_with(replayed, 401, "invalid_key", "REPLAYED")

    wrong = HmacAuth(secret["token"], "c2VjcmV0IHRoYXQgaXMgbm90IHRoZSBrZXkncyBzZWNyZXQ=")
    with httpx.Client(base_url=app.url, auth=wrong, timeout=10) as forged:
        refused_with(forged.get("/orders"), 401, "invalid_key", "INVALID_SIGNATURE")
