"""The client address the middleware gives the verifier: the peer's, and `X-Forwarded-For`
read only from trusted proxies, right to left (keywarden._client_ip); then both middlewares
(FastAPI through Starlette's TestClient, Flask through its test client) in front of a service
that judges a key's IP allowlist (tests.unit.sdk_service).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from flask import Flask, g
from keywarden._client_ip import TrustedProxies
from keywarden.fastapi import KeywardenAuth
from keywarden.flask import KeywardenFlask
from keywarden.signing import content_hash
from keywarden.verification import Verification
from keywarden.verifier import Verifier

from tests.unit.sdk_service import FakeService, Key

with warnings.catch_warnings():
    # This Starlette would drive its TestClient with `httpx2` rather than httpx, which still works.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PROXIES = ("10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client_ip"),
    [
        # Not from a trusted proxy: X-Forwarded-For is the client's own say, and is not read.
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
        ("192.0.2.11", ["203.0.113.9"], "192.0.2.11"),
        # From one: the rightmost address that is not a trusted proxy's.
        ("10.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("192.0.2.10", ["203.0.113.9"], "203.0.113.9"),
        ("10.0.0.1", ["6.6.6.6, 203.0.113.9"], "203.0.113.9"),  # a spoofed entry to its left
        ("10.0.0.1", ["203.0.113.9, 10.0.0.2 , 10.0.0.3"], "203.0.113.9"),  # through a chain of them
        ("10.0.0.1", ["6.6.6.6, 203.0.113.9", "10.0.0.5"], "203.0.113.9"),  # two headers, in order
        ("10.0.0.1", ["10.0.0.2"], "10.0.0.2"),  # all trusted: the farthest one
        ("10.0.0.1", [], "10.0.0.1"),
        # A malformed entry stops the walk: the last good address stands.
        ("10.0.0.1", ["203.0.113.9, garbage, 10.0.0.3"], "10.0.0.3"),
        ("10.0.0.1", ["203.0.113.9, 198.51.100.1:8080"], "10.0.0.1"),
        ("10.0.0.1", ["203.0.113.9,"], "10.0.0.1"),
        # IPv6, and an IPv4 proxy as a dual-stack socket reports it.
        ("2001:db8:ffff::1", ["2001:db9::7"], "2001:db9::7"),
        ("::ffff:10.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("::ffff:198.51.100.7", ["203.0.113.9"], "::ffff:198.51.100.7"),
        # A peer that is no address (a Unix socket, Starlette's "testclient"): none.
        ("testclient", ["203.0.113.9"], None),
        (None, ["203.0.113.9"], None),
    ],
)
def test_the_client_is_the_rightmost_address_not_of_a_trusted_proxy(
    peer: str | None, forwarded_for: list[str], client_ip: str | None
) -> None:
    assert TrustedProxies(PROXIES).client_ip(peer, forwarded_for) == client_ip


def test_without_trusted_proxies_x_forwarded_for_is_never_read() -> None:
    nobody = TrustedProxies()
    assert not nobody
    assert nobody.client_ip("10.0.0.1", ["203.0.113.9"]) == "10.0.0.1"
    assert nobody.client_ip("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"


def test_a_misconfigured_proxy_list_is_refused_at_start() -> None:
    with pytest.raises(TypeError):
        TrustedProxies("10.0.0.0/8")  # one string, not a list: would be read character by character
    with pytest.raises(ValueError, match=r"proxy\.internal"):
        TrustedProxies(["10.0.0.0/8", "proxy.internal"])
    with pytest.raises(ValueError):
        KeywardenFlask(FakeService().verifier(), trusted_proxies=["10.0.0.0/33"])


# --- the middlewares ------------------------------------------------------------------------

KEY = "imported-key-1"
HMAC_BODY = b'{"item": "tea"}'
HMAC_HEADERS = {
    "x-ms-date": "Tue, 01 Jul 2025 10:00:00 GMT",
    "x-ms-content-sha256": content_hash(HMAC_BODY),
    "authorization": "HMAC-SHA256 Credential=kwh_x&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=s",
}


@pytest.fixture
def service() -> FakeService:
    service = FakeService()
    service.add(KEY, Key("key_1", permissions=("orders:read",), ip_allowlist=("203.0.113.0/24",)))
    service.add("imported-key-2", Key("key_2", permissions=("orders:read",)))
    return service


@pytest.fixture
def verifier(service: FakeService) -> Iterator[Verifier]:
    with service.verifier(cache_ttl=0) as verifier:  # every request asks: each address is seen
        yield verifier


def fastapi_app(verifier: Verifier, **options: Any) -> FastAPI:
    auth = KeywardenAuth(verifier, **options)
    app = FastAPI()
    auth.install(app)

    @app.api_route("/orders", methods=["GET", "POST"])
    async def orders(key: Verification = Depends(auth.require("orders:read"))) -> dict[str, Any]:  # noqa: B008
        return {"key_id": key.key_id}

    return app


def flask_app(verifier: Verifier, **options: Any) -> Flask:
    keys = KeywardenFlask(verifier, **options)
    app = Flask("orders")

    @app.route("/orders", methods=["GET", "POST"])
    @keys.require("orders:read")
    def orders() -> dict[str, Any]:
        return {"key_id": g.keywarden.key_id}

    return app


def test_fastapi_judges_the_peer_and_ignores_a_spoofed_x_forwarded_for(
    verifier: Verifier, service: FakeService
) -> None:
    client = TestClient(fastapi_app(verifier), client=("198.51.100.7", 50000))
    spoofed = client.get("/orders", headers={"x-api-key": KEY, "x-forwarded-for": "203.0.113.9"})
    assert spoofed.status_code == 403
    assert spoofed.json()["code"] == "ip_not_allowed"
    assert spoofed.json()["reason"] == "IP_NOT_ALLOWED"
    assert service.asked[-1]["client_ip"] == "198.51.100.7"
    inside = TestClient(fastapi_app(verifier), client=("203.0.113.9", 50000))
    assert inside.get("/orders", headers={"x-api-key": KEY}).json() == {"key_id": "key_1"}


def test_fastapi_reads_x_forwarded_for_from_a_trusted_proxy(verifier: Verifier, service: FakeService) -> None:
    app = fastapi_app(verifier, trusted_proxies=["10.0.0.0/8"])
    client = TestClient(app, client=("10.0.0.2", 50000))
    forwarded = {"x-api-key": KEY, "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.3"}
    assert client.get("/orders", headers=forwarded).status_code == 200
    assert service.asked[-1]["client_ip"] == "203.0.113.9"
    outside = {"x-api-key": KEY, "x-forwarded-for": "203.0.113.9, 198.51.100.7"}
    assert client.get("/orders", headers=outside).status_code == 403
    assert service.asked[-1]["client_ip"] == "198.51.100.7"
    signed = TestClient(app, client=("10.0.0.2", 50000)).post(
        "/orders", content=HMAC_BODY, headers=HMAC_HEADERS | {"x-forwarded-for": "203.0.113.4"}
    )
    assert signed.status_code == 200
    assert service.asked[-1]["client_ip"] == "203.0.113.4" and "method" in service.asked[-1]


def test_fastapi_sends_no_address_for_a_peer_that_is_not_one(verifier: Verifier, service: FakeService) -> None:
    client = TestClient(fastapi_app(verifier, trusted_proxies=["10.0.0.0/8"]))  # its peer: "testclient"
    assert client.get("/orders", headers={"x-api-key": "imported-key-2", "x-forwarded-for": "10.0.0.1"}).is_success
    assert "client_ip" not in service.asked[-1]
    refused = client.get("/orders", headers={"x-api-key": KEY})
    assert refused.status_code == 403  # a key with an allowlist, from nowhere known


def test_flask_judges_remote_addr_and_ignores_a_spoofed_x_forwarded_for(
    verifier: Verifier, service: FakeService
) -> None:
    client = flask_app(verifier).test_client()
    spoofed = client.get(
        "/orders",
        headers={"X-API-Key": KEY, "X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert spoofed.status_code == 403
    assert spoofed.get_json()["code"] == "ip_not_allowed"
    assert service.asked[-1]["client_ip"] == "198.51.100.7"
    inside = client.get("/orders", headers={"X-API-Key": KEY}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert inside.get_json() == {"key_id": "key_1"}


def test_flask_reads_x_forwarded_for_from_a_trusted_proxy(verifier: Verifier, service: FakeService) -> None:
    client = flask_app(verifier, trusted_proxies=["10.0.0.0/8", "2001:db8::/32"]).test_client()
    proxy = {"REMOTE_ADDR": "2001:db8::10"}
    forwarded = {"X-API-Key": KEY, "X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.3"}
    assert client.get("/orders", headers=forwarded, environ_base=proxy).status_code == 200
    assert service.asked[-1]["client_ip"] == "203.0.113.9"
    malformed = {"X-API-Key": KEY, "X-Forwarded-For": "203.0.113.9, unknown"}
    assert client.get("/orders", headers=malformed, environ_base=proxy).status_code == 403
    assert service.asked[-1]["client_ip"] == "2001:db8::10"  # the walk stopped: the proxy's own
    signed = client.post(
        "/orders",
        data=HMAC_BODY,
        headers=HMAC_HEADERS | {"host": "api.test", "X-Forwarded-For": "203.0.113.4"},
        environ_base=proxy,
    )
    assert signed.status_code == 200
    assert service.asked[-1]["client_ip"] == "203.0.113.4" and "method" in service.asked[-1]
