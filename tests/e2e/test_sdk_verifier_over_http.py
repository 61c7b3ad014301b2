"""The SDK's `Verifier` against the local stack: what it refuses offline, how it fails closed,
how it lives through fork(), and the Flask middleware on a real WSGI server."""

from __future__ import annotations

import base64
import json
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, g
from keywarden import KeywardenError, Verifier
from keywarden.flask import KeywardenFlask
from keywarden.httpx_auth import HmacAuth
from keywarden.signing import sign_request
from werkzeug.serving import make_server

from tests.e2e.conftest import JsonClient
from tests.e2e.test_sdk_fastapi_over_http import Project


class Switchable(httpx.BaseTransport):
    """The network between the verifier and the service, counted, and cut on demand."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: Counter[str] = Counter()
        self.sent: list[dict[str, Any]] = []  # the JSON bodies of the POSTs
        self.down = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("the network is down", request=request)
        self.calls[request.url.path] += 1
        if request.method == "POST":
            self.sent.append(json.loads(request.read()))
        return self.inner.handle_request(request)


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


@pytest.fixture
def network() -> Switchable:
    return Switchable()


@pytest.fixture
def verifier(stack_url: str, project: Project, network: Switchable) -> Iterator[Verifier]:
    with Verifier(stack_url, project.service_key, transport=network, stale_after=3.0) as running:
        running.start()
        yield running


def forged(claims: dict[str, Any], kid: str, **header: Any) -> str:
    """A token shaped like ours but signed by a key the service never published."""
    key = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": "apikey+jwt", **header})


def test_tokens_the_service_did_not_sign_for_this_project_are_refused_offline(
    verifier: Verifier, project: Project, network: Switchable, client: JsonClient, unique: str
) -> None:
    _, token = project.issue("jwt", project.reader)
    assert verifier.verify(token).valid
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    other = Project(client, unique + "-other")
    _, foreign = other.issue("jwt", other.reader)
    asked = network.calls["/v1/keys/verify"]

    # Our kid, our claims, another key; with a `jku` naming where "its" key is: not followed.
    assert verifier.verify(forged(claims, kid, jku="http://127.0.0.1:9/jwks.json")).code == "INVALID_SIGNATURE"
    tampered = token.rsplit(".", 1)[0] + "." + forged(claims, kid).rsplit(".", 1)[1]
    assert verifier.verify(tampered).code == "INVALID_SIGNATURE"
    assert verifier.verify(foreign).code == "NOT_FOUND"  # another project's key, signed by the service
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": kid, "typ": "apikey+jwt"})
    assert not verifier.verify(none).valid
    assert network.calls["/v1/keys/verify"] == asked + 1  # only the `none` token, not ours, went to the service
    assert verifier.verify(token).valid


def test_an_unknown_kid_is_asked_of_the_service(verifier: Verifier, project: Project, network: Switchable) -> None:
    _, token = project.issue("jwt", project.reader)
    claims = jwt.decode(token, options={"verify_signature": False})
    verdict = verifier.verify(forged(claims, "a-kid-nobody-published"))
    assert (verdict.valid, verdict.code) == (False, "INVALID_SIGNATURE")
    assert network.calls["/v1/keys/verify"] == 1


def test_when_the_feed_cannot_be_read_jwt_keys_are_not_trusted_offline(
    verifier: Verifier, project: Project, network: Switchable
) -> None:
    _, token = project.issue("jwt", project.reader)
    assert verifier.verify(token).valid
    assert verifier.verify(token).offline

    network.down = True
    # Past the feed's staleness bound and the kept answer's lifetime (KEYWARDEN_CACHE_TTL):
    time.sleep(max(verifier.stale_after, verifier._knowledge.answers.ttl) + 1.5)
    # the feed is stale, so a key that may have been revoked meanwhile is not let in.
    with pytest.raises(KeywardenError, match="could not be reached"):
        verifier.verify(token)

    network.down = False
    deadline = time.monotonic() + 10
    while True:
        try:
            if verifier.verify(token).valid:
                break
        except KeywardenError:
            pass
        assert time.monotonic() < deadline, "the verifier did not recover"
        time.sleep(0.2)


def _verify_in_child(verifier: Verifier, token: str, results: Any) -> None:
    first = verifier.verify(token)
    results.put((first.valid, first.offline))
    deadline = time.monotonic() + 10
    while verifier.verify(token).valid and time.monotonic() < deadline:
        time.sleep(0.05)
    results.put(verifier.verify(token).code)


def test_a_forked_worker_verifies_and_hears_of_revocations_on_its_own(verifier: Verifier, project: Project) -> None:
    key_id, token = project.issue("jwt", project.reader)
    assert verifier.verify(token).valid  # vouched in the parent, before the fork (gunicorn --preload)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_verify_in_child, args=(verifier, token, results))
    child.start()
    try:
        assert results.get(timeout=10) == (True, True)  # offline in the child: what the parent learned
        project.revoke(key_id)
        assert results.get(timeout=15) == "REVOKED"  # the child's own poller heard of it
    finally:
        child.join(timeout=10)
    assert child.exitcode == 0


@pytest.fixture
def flask_app(verifier: Verifier) -> Iterator[str]:
    app = Flask("orders")
    keys = KeywardenFlask(verifier)

    @app.get("/orders")
    @keys.require("orders:read")
    def orders() -> dict[str, Any]:
        return {"owner_id": g.keywarden.owner_id, "offline": g.keywarden.offline}

    @app.post("/orders")
    @keys.require("orders:write")
    def place() -> tuple[dict[str, Any], int]:
        return {"placed_by": g.keywarden.owner_id}, 201

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_the_flask_decorator_lets_in_refuses_and_checks_hmac(flask_app: str, project: Project) -> None:
    _, reader = project.issue("opaque", project.reader)
    _, token = project.issue("jwt", project.reader)
    _, signing = project.issue("hmac", project.writer)
    with httpx.Client(base_url=flask_app, timeout=10) as http:
        for key in (reader, token):
            ok = http.get("/orders", headers={"x-api-key": key})
            assert ok.status_code == 200 and ok.json()["owner_id"] == project.owner, ok.text
        forbidden = http.post("/orders", headers={"authorization": f"Bearer {reader}"})
        assert (forbidden.status_code, forbidden.json()["code"]) == (403, "insufficient_permissions")
        assert forbidden.headers["content-type"] == "application/problem+json"
        missing = http.get("/orders")
        assert (missing.status_code, missing.json()["code"]) == (401, "unauthenticated")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        bad = http.get("/orders", headers={"authorization": "Bearer kw_typo"})
        assert (bad.status_code, bad.json()["reason"]) == (401, "MALFORMED")

    with httpx.Client(base_url=flask_app, auth=HmacAuth(signing["token"], signing["secret"]), timeout=10) as signed:
        listed = signed.get("/orders", params={"q": "tea & cake"})
        assert listed.status_code == 200, listed.text
        placed = signed.post("/orders", json={"item": "tea"})
        assert placed.status_code == 201, placed.text


def test_the_feed_window_moves_on_when_nothing_changes(stack_url: str, project: Project) -> None:
    asked: list[str] = []

    class Recording(httpx.BaseTransport):
        inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/key-changes"):
                asked.append(request.url.params["since"])
            return self.inner.handle_request(request)

    with Verifier(stack_url, project.service_key, transport=Recording(), poll_interval=0.5) as running:
        running.start()
        time.sleep(3)
    # Each poll reads from a minute before the service's "now", not from when the verifier started.
    assert len(asked) >= 4 and asked[-1] > asked[0], asked


def test_hmac_requests_send_only_the_signed_headers_and_no_body(
    verifier: Verifier, project: Project, network: Switchable
) -> None:
    _, signing = project.issue("hmac", project.writer)
    body = b'{"item": "tea"}'
    signed = sign_request(signing["token"], signing["secret"], "POST", "https://api.example.com/orders?n=1", body)
    received = {**signed, "cookie": "session=private", "x-api-key": "kw_someone_elses", "content-length": "15"}

    verdict = verifier.verify_hmac("POST", "/orders?n=1", received, body, ["orders:write"])
    assert verdict.valid, verdict
    payload = network.sent[-1]
    assert set(payload["headers"]) == {"host", "x-ms-date", "x-ms-content-sha256", "authorization"}
    assert "body" not in payload and "private" not in json.dumps(payload)

    asked = network.calls["/v1/hmac/verify"]
    assert verifier.verify_hmac("POST", "/orders?n=1", received, b'{"item": "cake"}').code == "INVALID_SIGNATURE"
    assert network.calls["/v1/hmac/verify"] == asked  # a body that is not the one signed: refused here

    oversized = {**received, "x-ms-date": "x" * 9000}  # past the service's limit on a header value
    assert verifier.verify_hmac("POST", "/orders?n=1", oversized, body).code == "MALFORMED"


def test_offline_answers_repeat_what_the_service_said_of_the_key(verifier: Verifier, project: Project) -> None:
    _, token = project.issue("jwt", project.reader, meta={"tenant": "t-1"})
    online = verifier.verify(token)
    assert online.valid and not online.offline
    time.sleep(verifier._knowledge.answers.ttl + 0.2)  # past the kept answer: the signature is checked
    offline = verifier.verify(token)
    assert offline.offline
    assert (offline.meta, offline.role_id, offline.permissions, offline.expires_at) == (
        online.meta,
        online.role_id,
        online.permissions,
        online.expires_at,
    )


def test_a_hostile_token_is_an_answer_not_an_error(verifier: Verifier) -> None:
    nested = base64.urlsafe_b64encode(b"[" * 5000).rstrip(b"=").decode()
    assert verifier.verify(f"{nested}.e30.c2ln").code == "MALFORMED"
    assert verifier.verify("kw_" + "A" * 40_000).code == "MALFORMED"
