"""The SDK and key restrictions against the local stack over real HTTP: a FastAPI app behind a
proxy it names in `trusted_proxies`, whose clients' addresses decide a key's IP allowlist, and
the `Verifier` hearing a key disabled, enabled or restricted through the key-changes feed.

Two loopback addresses play two hosts: requests from 127.0.0.1 come through "the proxy" the app
trusts, requests from 127.0.0.2 come from a client that reached the app directly.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import Depends, FastAPI, Request
from keywarden import Verifier
from keywarden.fastapi import KeywardenAuth

from tests.e2e.conftest import JsonClient
from tests.e2e.test_sdk_fastapi_over_http import AsyncCounted, Counted, Project, refused_with

PROXY, DIRECT = "127.0.0.1", "127.0.0.2"
ALLOWED, ELSEWHERE = "203.0.113.7", "198.51.100.7"
# Heard from the feed within a poll (2 s), then the service's answer within its cache bound (5 s).
POLL, CACHE_BOUND, MARGIN = 2.0, 5.0, 1.0


def restricted_app(verifier: Verifier, trusted_proxies: list[str]) -> FastAPI:
    auth = KeywardenAuth(verifier, trusted_proxies=trusted_proxies)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        verifier.start()
        yield
        await verifier.aclose()

    app = FastAPI(lifespan=lifespan)
    auth.install(app)

    @app.get("/orders", dependencies=[Depends(auth.require("orders:read"))])
    async def orders(request: Request) -> dict[str, Any]:
        verdict = request.state.keywarden
        return {"key_id": verdict.key_id, "offline": verdict.offline}

    return app


class BehindProxy:
    """The app on a real port, trusting 127.0.0.1 as its proxy; clients on either loopback address."""

    def __init__(self, stack_url: str, service_key: str) -> None:
        self.calls: Counter[str] = Counter()
        self.verifier = Verifier(
            stack_url, service_key, transport=Counted(self.calls), async_transport=AsyncCounted(self.calls)
        )
        # proxy_headers=False: uvicorn would otherwise rewrite the peer from X-Forwarded-For for
        # 127.0.0.1 itself, and these tests would check uvicorn's reading rather than the SDK's.
        config = uvicorn.Config(
            restricted_app(self.verifier, [PROXY]), host="127.0.0.1", port=0, log_level="warning", proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the app did not start"
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.clients = {
            source: httpx.Client(base_url=self.url, timeout=10, transport=httpx.HTTPTransport(local_address=source))
            for source in (PROXY, DIRECT)
        }

    def get(self, key: str, source: str, forwarded_for: str | None = None) -> httpx.Response:
        headers = {"authorization": f"Bearer {key}"}
        if forwarded_for is not None:
            headers["x-forwarded-for"] = forwarded_for
        return self.clients[source].get("/orders", headers=headers)

    def stop(self) -> None:
        for http in self.clients.values():
            http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


@pytest.fixture
def app(stack_url: str, project: Project) -> Iterator[BehindProxy]:
    served = BehindProxy(stack_url, project.service_key)
    yield served
    served.stop()


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_a_forwarded_address_counts_only_from_the_trusted_proxy(app: BehindProxy, project: Project, kind: str) -> None:
    _, key = project.issue(kind, project.reader, ip_allowlist=["203.0.113.0/24"])

    # Through the proxy: the address it appended (the rightmost) is the client's.
    assert app.get(key, PROXY, ALLOWED).status_code == 200
    assert app.get(key, PROXY, f"{ELSEWHERE}, {ALLOWED}").status_code == 200  # the left part is the client's word
    refused_with(app.get(key, PROXY, ELSEWHERE), 403, "ip_not_allowed", "IP_NOT_ALLOWED")
    refused_with(app.get(key, PROXY, f"{ALLOWED}, {ELSEWHERE}"), 403, "ip_not_allowed", "IP_NOT_ALLOWED")
    refused_with(app.get(key, PROXY), 403, "ip_not_allowed", "IP_NOT_ALLOWED")  # the proxy's own address

    # Straight from a client: its X-Forwarded-For names an allowed address, and is not read.
    spoofed = app.get(key, DIRECT, ALLOWED)
    problem = refused_with(spoofed, 403, "ip_not_allowed", "IP_NOT_ALLOWED")
    assert "203.0.113" not in problem["detail"], "the key's allowlist is not told to whoever holds the key"


def test_a_direct_clients_own_address_is_judged_whatever_it_forwards(app: BehindProxy, project: Project) -> None:
    _, key = project.issue("jwt", project.reader, ip_allowlist=[f"{DIRECT}/32"])
    assert app.get(key, DIRECT).status_code == 200
    assert app.get(key, DIRECT, ELSEWHERE).status_code == 200
    refused_with(app.get(key, PROXY, DIRECT + "0"), 403, "ip_not_allowed", "IP_NOT_ALLOWED")  # 127.0.0.20
    assert app.get(key, PROXY, DIRECT).status_code == 200  # through the proxy, for 127.0.0.2


# --- the Verifier hears restrictions through the key-changes feed ----------------------------------


@pytest.fixture
def verifier(stack_url: str, project: Project) -> Iterator[tuple[Verifier, Counter[str]]]:
    calls: Counter[str] = Counter()
    with Verifier(stack_url, project.service_key, transport=Counted(calls), poll_interval=POLL) as running:
        running.start()
        yield running, calls


def until(verifier: Verifier, key: str, wanted: str, **kwargs: Any) -> float:
    started = time.monotonic()
    while (code := verifier.verify(key, **kwargs).code) != wanted:
        elapsed = time.monotonic() - started
        assert elapsed <= POLL + CACHE_BOUND + MARGIN, f"still {code} {elapsed:.2f} s after the change"
        time.sleep(0.05)
    return time.monotonic() - started


def patch(project: Project, key_id: str, **changes: Any) -> None:
    reply = project.client.patch(f"/v1/projects/{project.pid}/keys/{key_id}", changes, token=project.token)
    assert reply.status == 200, reply.body


def test_an_offline_jwt_key_stops_when_disabled_and_comes_back_when_enabled(
    verifier: tuple[Verifier, Counter[str]], project: Project
) -> None:
    sdk, calls = verifier
    key_id, token = project.issue("jwt", project.reader)
    assert sdk.verify(token).valid  # its first use asks the service, which vouches for it
    asked = calls["/v1/keys/verify"]
    for _ in range(20):
        assert sdk.verify(token).offline
    assert calls["/v1/keys/verify"] == asked, "verified offline: no call per request"

    patch(project, key_id, enabled=False)
    stopped = until(sdk, token, "DISABLED")
    print(f"\nSDK Verifier, offline JWT key: disable (PATCH answered) -> DISABLED {stopped * 1000:.0f} ms")
    assert stopped <= POLL + CACHE_BOUND
    assert sdk.verify(token).code == "DISABLED"

    patch(project, key_id, enabled=True)
    resumed = until(sdk, token, "VALID")
    print(f"SDK Verifier, offline JWT key: enable (PATCH answered) -> VALID {resumed * 1000:.0f} ms")
    assert resumed <= POLL + CACHE_BOUND


def test_an_allowlist_given_to_an_offline_jwt_key_is_heard_and_judged_per_request(
    verifier: tuple[Verifier, Counter[str]], project: Project
) -> None:
    sdk, _ = verifier
    key_id, token = project.issue("jwt", project.reader)
    assert sdk.verify(token, client_ip=ELSEWHERE).valid

    patch(project, key_id, ip_allowlist=["203.0.113.0/24"])
    until(sdk, token, "IP_NOT_ALLOWED", client_ip=ELSEWHERE)
    assert sdk.verify(token, client_ip=ALLOWED).valid
    assert sdk.verify(token).code == "IP_NOT_ALLOWED"
