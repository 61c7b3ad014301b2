"""Webhook endpoints over HTTP: who may manage them, which URLs they may have, and the signing
secret that is shown once, kept sealed, and rotated without a receiver missing a delivery.

The real HTTP receiver and the small helpers here are shared with test_webhook_dispatch.py.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from chalicelib.config import reset_settings
from chalicelib.domain.events import EVENT_TYPES
from chalicelib.jobs import run_job
from chalicelib.store.webhook_models import WebhookModel
from tests.functional.conftest import Api, Reply
from tests.functional.test_stages_and_docs import Stage, dev_stage  # noqa: F401 (dev_stage: a fixture)

ALL_EVENTS = list(EVENT_TYPES)  # API.md, "Webhooks": the nine event types
MISSING_WEBHOOK = "whk_00000000000000000000000000"
MISSING_DELIVERY = "dlv_00000000000000000000000000"


# --- a real HTTP receiver ---------------------------------------------------------------


@dataclass
class Answer:
    """What the receiver answers to one request: a status, headers, after a delay."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def message(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every request and answers from a script,
    then 200 (or `default`). `connections` counts TCP connections, requests or not."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.connections = 0
        self.default = Answer()
        self._scripts: dict[str | None, list[Answer]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: Any, client_address: Any) -> bool:
                with receiver._lock:
                    receiver.connections += 1
                return True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a sender that timed out closed the socket before the answer

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: Answer | int, path: str | None = None) -> None:
        """The answers to the next requests (to `path`, or to any), in order; a bare number is a status."""
        with self._lock:
            self._scripts[path] = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        with self._lock:
            self.hits.append(Hit(handler.path, {k.lower(): v for k, v in handler.headers.items()}, body))
            script = self._scripts.get(handler.path) or self._scripts.get(None)
            answer = script.pop(0) if script else self.default
        if answer.delay:
            time.sleep(answer.delay)
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.send_header("content-length", "0")
        handler.end_headers()

    def on(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def messages(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [hit.message for hit in self.hits if event_type is None or hit.message["type"] == event_type]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving() -> Iterator[Receiver]:
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


def verified(hit: Hit, secret: str) -> dict[str, Any]:
    """The body of `hit` as a Standard Webhooks receiver holding `secret` accepts it (else raises)."""
    message: dict[str, Any] = Webhook(secret).verify(hit.body, hit.headers)
    return message


def verifies(hit: Hit, secret: str) -> bool:
    try:
        verified(hit, secret)
    except WebhookVerificationError:
        return False
    return True


def retry_schedule(monkeypatch: pytest.MonkeyPatch, schedule: str) -> None:
    """KEYWARDEN_WEBHOOK_RETRY_SCHEDULE for the rest of the test ("0,0": two retries at once)."""
    monkeypatch.setenv("KEYWARDEN_WEBHOOK_RETRY_SCHEDULE", schedule)
    reset_settings()


def dispatch() -> dict[str, Any]:
    """One round of the dispatcher, as the scheduler runs it."""
    return run_job("webhook-dispatch")


# --- a project with webhooks ----------------------------------------------------------------


class Scene:
    """A project owned by ann (with `members`), a role for keys, and its webhooks."""

    def __init__(self, api: Api, **members: str) -> None:
        self.api = api
        self.pid = api.project(owner="ann", **members)
        self.path = f"/v1/projects/{self.pid}"
        role = api.post(f"{self.path}/roles", {"name": "r", "permissions": ["a:b"]}, as_user="ann")
        assert role.status == 201, role.body
        self.role_id: str = role.json["id"]

    def create_reply(self, url: str, events: list[str] | None = None, as_user: str = "ann", **fields: Any) -> Reply:
        body = {"url": url, "events": ALL_EVENTS if events is None else events, **fields}
        return self.api.post(f"{self.path}/webhooks", body, as_user=as_user)

    def subscribe(self, url: str, events: list[str] | None = None, **fields: Any) -> tuple[dict[str, Any], str]:
        """A new endpoint: (the webhook, its secret)."""
        reply = self.create_reply(url, events, **fields)
        assert reply.status == 201, reply.body
        return reply.json["webhook"], reply.json["secret"]

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        reply = self.api.get(f"{self.path}/webhooks/{webhook_id}", as_user="ann")
        assert reply.status == 200, reply.body
        found: dict[str, Any] = reply.json
        return found

    def patch(self, webhook_id: str, changes: dict[str, Any]) -> Reply:
        return self.api.patch(f"{self.path}/webhooks/{webhook_id}", changes, as_user="ann")

    def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        reply = self.api.get(f"{self.path}/webhooks/{webhook_id}/deliveries", as_user="ann")
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.json["items"]
        return items

    def retry(self, webhook_id: str, delivery_id: str) -> Reply:
        return self.api.post(f"{self.path}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", as_user="ann")

    def issue(self, key_type: str = "opaque", **fields: Any) -> dict[str, Any]:
        """A new key of ann's: {"key": ..., "secret": ...}."""
        body = {"name": "k", "type": key_type, "role_id": self.role_id, **fields}
        reply = self.api.post(f"{self.path}/keys", body, as_user="ann")
        assert reply.status == 201, reply.body
        issued: dict[str, Any] = reply.json
        return issued

    def audit_events(self) -> list[dict[str, Any]]:
        reply = self.api.get(f"{self.path}/audit-events?limit=100", as_user="ann")
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.json["items"]
        return items


@pytest.fixture
def scene(api: Api) -> Scene:
    return Scene(api, alice="admin", ed="editor", dev="developer", vic="viewer")


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: Callable[[str], list[str] | None]) -> list[str]:
    """`socket.getaddrinfo` answers `answers(host)` for the names it knows (None: ask the real
    resolver); returns the names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        addresses = answers(str(host))
        if addresses is None:
            return real(host, port, *args, **kwargs)
        asked.append(str(host))
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0)))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


# --- who may manage webhooks -------------------------------------------------------------------


def routes(webhook_id: str, delivery_id: str) -> list[tuple[str, str, Any]]:
    """Every webhook route, as (method, path below the project, body)."""
    hook = f"/webhooks/{webhook_id}"
    return [
        ("GET", "/webhooks", None),
        ("POST", "/webhooks", {"url": "http://127.0.0.1:9/other", "events": ["key.created"]}),
        ("GET", hook, None),
        ("PATCH", hook, {"description": "changed"}),
        ("POST", f"{hook}/rotate-secret", None),
        ("GET", f"{hook}/deliveries", None),
        ("POST", f"{hook}/deliveries/{delivery_id}/retry", None),
        ("DELETE", hook, None),
    ]


def delivered_webhook(scene: Scene, receiver: Receiver) -> tuple[str, str]:
    """A webhook with one succeeded delivery: (webhook id, delivery id)."""
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    dispatch()
    (delivery,) = scene.deliveries(webhook["id"])
    assert delivery["status"] == "succeeded", delivery
    return webhook["id"], delivery["id"]


def test_owners_admins_and_system_administrators_manage_webhooks(scene: Scene, receiver: Receiver) -> None:
    for who, groups in (("ann", ()), ("alice", ()), ("root", ("keywarden-admins",))):
        webhook_id, delivery_id = delivered_webhook(scene, receiver)
        statuses = [
            scene.api.request(method, scene.path + path, json_body=body, as_user=who, groups=groups).status
            for method, path, body in routes(webhook_id, delivery_id)
        ]
        # The retry is refused for what the delivery is (it succeeded), not for who asks.
        assert statuses == [200, 201, 200, 200, 200, 200, 409, 204], who
        for created in scene.api.get(f"{scene.path}/webhooks", as_user="ann").json["items"]:
            assert scene.api.delete(f"{scene.path}/webhooks/{created['id']}", as_user="ann").status == 204


def test_editors_developers_and_viewers_are_forbidden_and_outsiders_find_nothing(
    scene: Scene, receiver: Receiver
) -> None:
    webhook_id, delivery_id = delivered_webhook(scene, receiver)
    before = scene.webhook(webhook_id)
    for who, status, code in (
        ("ed", 403, "forbidden"),
        ("dev", 403, "forbidden"),
        ("vic", 403, "forbidden"),
        ("mallory", 404, "not_found"),
    ):
        for method, path, body in routes(webhook_id, delivery_id):
            reply = scene.api.request(method, scene.path + path, json_body=body, as_user=who)
            assert (reply.status, reply.code) == (status, code), (who, method, path, reply.body)
    # Nothing changed, nothing was sent again, no endpoint was added.
    assert scene.webhook(webhook_id) == before
    assert len(receiver.hits) == 1
    listed = scene.api.get(f"{scene.path}/webhooks", as_user="ann").json["items"]
    assert [w["id"] for w in listed] == [webhook_id]


# --- the signing secret ---------------------------------------------------------------------


def test_the_secret_is_shown_once_and_kept_only_sealed(scene: Scene) -> None:
    created = scene.create_reply("http://127.0.0.1:9/hook", ["key.created"], description="orders")
    assert created.status == 201, created.body
    secret = created.json["secret"]
    assert secret.startswith("whsec_")
    raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    assert len(raw) >= 24  # the spec's minimum for a symmetric secret (we issue 32 bytes)
    webhook = created.json["webhook"]
    assert {k: webhook[k] for k in ("url", "events", "description", "enabled", "disabled_reason")} == {
        "url": "http://127.0.0.1:9/hook",
        "events": ["key.created"],
        "description": "orders",
        "enabled": True,
        "disabled_reason": None,
    }
    webhook_id = webhook["id"]
    assert scene.webhook(webhook_id) == webhook

    # Nothing a manager can read afterwards holds it, in either spelling.
    encoded = secret.removeprefix("whsec_")
    readable = [
        scene.api.get(f"{scene.path}/webhooks/{webhook_id}", as_user="ann"),
        scene.api.get(f"{scene.path}/webhooks", as_user="ann"),
        scene.patch(webhook_id, {"description": "billing"}),
        scene.api.get(f"{scene.path}/webhooks/{webhook_id}/deliveries", as_user="ann"),
        scene.api.get(f"{scene.path}/audit-events", as_user="ann"),
    ]
    for reply in readable:
        assert reply.status == 200, reply.body
        assert encoded.encode() not in reply.body
    assert [e["action"] for e in scene.audit_events()[:2]] == ["webhook.updated", "webhook.created"]

    stored = WebhookModel.get(scene.pid, webhook_id, consistent_read=True)
    assert stored.sealed_secret and encoded not in stored.sealed_secret and secret not in stored.sealed_secret
    item = json.dumps(stored.serialize())
    assert encoded not in item
    assert base64.b64encode(raw).decode() not in item and raw.hex() not in item


def test_rotating_the_secret_signs_with_both_until_receivers_switch(scene: Scene, receiver: Receiver) -> None:
    webhook, old = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    dispatch()
    (before,) = receiver.hits
    assert verifies(before, old)
    assert len(before.headers["webhook-signature"].split(" ")) == 1

    rotated = scene.api.post(f"{scene.path}/webhooks/{webhook['id']}/rotate-secret", as_user="ann")
    assert rotated.status == 200, rotated.body
    new = rotated.json["secret"]
    assert new.startswith("whsec_") and new != old
    until = rotated.json["previous_valid_until"]
    assert rotated.json["webhook"]["previous_secret_valid_until"] == until
    assert scene.webhook(webhook["id"])["previous_secret_valid_until"] == until
    assert new.removeprefix("whsec_").encode() not in scene.api.get(f"{scene.path}/audit-events", as_user="ann").body

    scene.issue()
    dispatch()
    after = receiver.hits[1]
    signatures = after.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    # A receiver holding either secret accepts the delivery; one holding neither does not.
    assert verified(after, new) == verified(after, old) == json.loads(after.body)
    _, stranger = scene.subscribe("http://127.0.0.1:9/elsewhere", ["key.revoked"])
    assert not verifies(after, stranger)


# --- what an endpoint may be -------------------------------------------------------------------

GOOD_URL = "http://127.0.0.1:9/hook"


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"url": GOOD_URL, "events": ["key.exploded"]}, "events"),
    ({"url": GOOD_URL, "events": []}, "events"),
    ({"url": GOOD_URL, "events": "key.created"}, "events"),
    ({"url": GOOD_URL}, "events"),
    ({"events": ["key.created"]}, "url"),
    ({"url": "/hooks/keywarden", "events": ["key.created"]}, "url"),
    ({"url": "hooks.example.com/keywarden", "events": ["key.created"]}, "url"),
    ({"url": "ftp://hooks.example.com/keywarden", "events": ["key.created"]}, "url"),
    ({"url": "http://user:password@127.0.0.1:9/hook", "events": ["key.created"]}, "url"),
    ({"url": GOOD_URL + "/" + "a" * 2048, "events": ["key.created"]}, "url"),
    ({"url": "http://127.0.0.1:9/a hook", "events": ["key.created"]}, "url"),
    ({"url": "http://127.0.0.1:9/hook\n", "events": ["key.created"]}, "url"),
    ({"url": "", "events": ["key.created"]}, "url"),
    ({"url": 443, "events": ["key.created"]}, "url"),
    ({"url": "http://127.0.0.1:99999/hook", "events": ["key.created"]}, "url"),
    ({"url": GOOD_URL, "events": ["key.created"], "secret": "whsec_bXlzZWNyZXQ="}, "secret"),
    ({"url": GOOD_URL, "events": ["key.created"], "enabled": False}, "enabled"),
]


def test_a_bad_endpoint_is_refused_with_the_field_named(api: Api) -> None:
    scene = Scene(api)
    for body, field_name in BAD_BODIES:
        reply = scene.api.post(f"{scene.path}/webhooks", body, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), (body, reply.body)
        assert reply.json["errors"][0]["field"].split(".")[0].split("[")[0] == field_name, (body, reply.body)
    assert scene.api.get(f"{scene.path}/webhooks", as_user="ann").json["items"] == []


def test_a_change_to_a_bad_url_or_no_events_is_refused_and_changes_nothing(scene: Scene) -> None:
    webhook, _ = scene.subscribe(GOOD_URL, ["key.created"])
    bad_changes: list[dict[str, Any]] = [
        {"url": "ftp://hooks.example.com/"},
        {"url": "http://user:pw@127.0.0.1:9/"},
        {"events": []},
        {"events": ["key.created", "nope"]},
        {"enabled": "yes"},
        {"secret": "whsec_bXlzZWNyZXQ="},
    ]
    for changes in bad_changes:
        reply = scene.patch(webhook["id"], changes)
        assert (reply.status, reply.code) == (422, "validation_failed"), (changes, reply.body)
    assert scene.webhook(webhook["id"]) == webhook


def idp(stage: Stage) -> dict[str, str]:
    return {"authorization": f"Bearer {stage.idp_token('ann')}"}


def dev_project(stage: Stage) -> str:
    created = stage.api.post("/v1/projects", {"name": "Deployed"}, headers=idp(stage))
    assert created.status == 201, created.body
    pid: str = created.json["id"]
    return pid


INNER_URLS = [
    "http://hooks.example.com/keywarden",
    "https://127.0.0.1/",
    "https://127.1.2.3:8443/hook",
    "https://10.0.0.1/",
    "https://192.168.1.20/",
    "https://172.16.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://0.0.0.0/",
    "https://localhost/",
    "https://localhost./",
    "https://api.localhost/",
    "https://[::1%25eth0]/",
    # Spellings of 127.0.0.1 that are no address literal, but that the resolver reads as one.
    "https://2130706433/",
    "https://0x7f.0.0.1/",
    "https://127.1/",
    "https://internal.example.com/",  # a name that resolves to a private address
    "https://192.0.0.192/",  # special-purpose (IETF protocol assignments), global to Python 3.11.7
    "https://special.example.com/",  # a name that resolves to one
]


def test_outside_the_local_stage_an_endpoint_is_https_and_public(
    dev_stage: Stage,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(
        monkeypatch,
        lambda host: {
            "internal.example.com": ["10.1.2.3"],
            "special.example.com": ["192.0.0.192"],
            "hooks.example.com": ["93.184.216.34"],
        }.get(host),
    )
    pid = dev_project(dev_stage)
    for url in INNER_URLS:
        reply = dev_stage.api.post(
            f"/v1/projects/{pid}/webhooks", {"url": url, "events": ["key.created"]}, headers=idp(dev_stage)
        )
        assert (reply.status, reply.code) == (422, "validation_failed"), (url, reply.body)
        assert reply.json["errors"][0]["field"] == "url", reply.body

    good = dev_stage.api.post(
        f"/v1/projects/{pid}/webhooks",
        {"url": "https://hooks.example.com/keywarden", "events": ["key.created"]},
        headers=idp(dev_stage),
    )
    assert good.status == 201, good.body
    webhook_id = good.json["webhook"]["id"]
    for url in INNER_URLS:
        reply = dev_stage.api.patch(f"/v1/projects/{pid}/webhooks/{webhook_id}", {"url": url}, headers=idp(dev_stage))
        assert (reply.status, reply.code) == (422, "validation_failed"), (url, reply.body)
    listed = dev_stage.api.get(f"/v1/projects/{pid}/webhooks", headers=idp(dev_stage)).json["items"]
    assert [w["url"] for w in listed] == ["https://hooks.example.com/keywarden"]


# --- changing and deleting ------------------------------------------------------------------


def test_a_manager_changes_url_events_description_and_enabled(scene: Scene, receiver: Receiver) -> None:
    webhook, secret = scene.subscribe(receiver.url("/first"), ["key.revoked"], description="old")
    changed = scene.patch(
        webhook["id"],
        {"url": receiver.url("/second"), "events": ["key.created", "key.created"], "description": "new"},
    )
    assert changed.status == 200, changed.body
    expected = webhook | {"url": receiver.url("/second"), "events": ["key.created"], "description": "new"}
    assert {k: v for k, v in changed.json.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"
    }
    assert scene.webhook(webhook["id"]) == changed.json
    assert scene.audit_events()[0]["action"] == "webhook.updated"
    assert "secret" not in changed.json

    # Deliveries follow the change: the new URL, the new events, the same secret.
    scene.issue()
    dispatch()
    assert [hit.path for hit in receiver.hits] == ["/second"]
    assert verified(receiver.hits[0], secret)["type"] == "key.created"

    off = scene.patch(webhook["id"], {"enabled": False})
    assert off.status == 200 and off.json["enabled"] is False and off.json["disabled_reason"] is None
    scene.issue()
    dispatch()
    assert len(receiver.hits) == 1

    on = scene.patch(webhook["id"], {"enabled": True})
    assert on.status == 200 and on.json["enabled"] is True
    scene.issue()
    dispatch()
    assert len(receiver.hits) == 2

    # An empty change changes nothing.
    same = scene.patch(webhook["id"], {})
    assert same.status == 200 and same.json == on.json


def test_a_deleted_endpoint_is_gone_and_gets_nothing_more(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    retry_schedule(monkeypatch, "0,0")
    receiver.answer(500)
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    dispatch()  # fails: a retry is due at once
    path = f"{scene.path}/webhooks/{webhook['id']}"
    deleted = scene.api.delete(path, as_user="ann")
    assert deleted.status == 204, deleted.body
    for reply in (
        scene.api.get(path, as_user="ann"),
        scene.api.patch(path, {"description": "x"}, as_user="ann"),
        scene.api.post(f"{path}/rotate-secret", as_user="ann"),
        scene.api.get(f"{path}/deliveries", as_user="ann"),
        scene.api.delete(path, as_user="ann"),
    ):
        assert (reply.status, reply.code) == (404, "not_found"), reply.body
    assert scene.api.get(f"{scene.path}/webhooks", as_user="ann").json["items"] == []
    assert scene.audit_events()[0]["action"] == "webhook.deleted"

    # Neither the retry that was due nor a new event reaches it.
    scene.issue()
    dispatch()
    assert len(receiver.hits) == receiver.connections == 1


def test_unknown_webhooks_and_deliveries_are_404(scene: Scene) -> None:
    webhook, _ = scene.subscribe(GOOD_URL, ["key.created"])
    other = Scene(scene.api)
    for path in (
        f"{scene.path}/webhooks/{MISSING_WEBHOOK}",
        f"{scene.path}/webhooks/not-an-id",
        f"{other.path}/webhooks/{webhook['id']}",  # another project's (ann owns both)
    ):
        assert scene.api.get(path, as_user="ann").status == 404, path
    retry = scene.retry(webhook["id"], MISSING_DELIVERY)
    assert (retry.status, retry.code) == (404, "not_found"), retry.body
