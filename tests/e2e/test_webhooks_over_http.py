"""Key templates, key requests and their webhooks as a customer meets them: over real HTTP, on 127.0.0.1 only.

A project's owner subscribes a receiver to its events; members request keys from
templates, admins decide, requesters claim. The receiver is a `ThreadingHTTPServer` in
this process that checks every delivery with the Standard Webhooks reference library
(`standardwebhooks`) before it answers, as a customer's endpoint would, and answers by a
plan (a 500 or a 410 first, say). The stack's dispatcher runs every second; waits poll
what the receiver got and nudge the dispatcher (`POST /v1/dev/jobs/webhook-dispatch`).
The stack retries after 1 s (KEYWARDEN_WEBHOOK_RETRY_SCHEDULE, set in conftest).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from keywarden.requests_auth import HmacAuth
from standardwebhooks import Webhook

from tests.e2e.conftest import JsonClient, Reply, assert_problem
from tests.e2e.test_hmac_over_http import ResourceServer, no_proxy_session
from tests.e2e.test_keys_over_http import PERMISSIONS, Project, set_up_project

EVENT_TYPES = [
    "key_request.created",
    "key_request.approved",
    "key_request.denied",
    "key_request.cancelled",
    "key.created",
    "key.revoked",
    "key.rerolled",
    "key.expiring",
    "secret.rotated",
]
DEADLINE = 20.0  # seconds a delivery may take; the dispatcher runs every second
TTL_SECONDS = 3600


# --- a customer's webhook endpoint ---------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One POST that passed verification, and what the receiver answered."""

    message_id: str  # the webhook-id header
    type: str
    data: dict[str, Any]
    body: bytes
    answered: int


class Receiver:
    """Verifies every delivery with `standardwebhooks` and answers by `plan` (then 200)."""

    def __init__(self) -> None:
        self.url = ""
        self.secret: str | None = None  # set once the webhook is created
        self.plan: deque[int] = deque()
        self.attempts: list[Attempt] = []
        self.failures: list[str] = []  # deliveries that did not verify (a test asserts none)
        self._lock = threading.Lock()

    @property
    def delivered(self) -> list[Attempt]:
        """The attempts answered 2xx: the events the customer took in."""
        with self._lock:
            return [a for a in self.attempts if 200 <= a.answered < 300]

    def types(self) -> Counter[str]:
        return Counter(a.type for a in self.delivered)

    def of_type(self, event_type: str) -> list[Attempt]:
        return [a for a in self.delivered if a.type == event_type]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        try:
            assert handler.command == "POST" and headers.get("content-type") == "application/json", headers
            assert self.secret is not None, "a delivery before the webhook was created"
            payload = Webhook(self.secret).verify(body, headers)
            assert set(payload) == {"type", "timestamp", "data"}, payload
        except Exception as error:  # any failure is recorded; the test asserts there is none
            with self._lock:
                self.failures.append(f"{headers.get('webhook-id')}: {type(error).__name__}: {error}")
            status = 400
        else:
            with self._lock:
                status = self.plan.popleft() if self.plan else 200
                self.attempts.append(
                    Attempt(headers["webhook-id"], payload["type"], payload["data"], body, answered=status)
                )
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def wait_for(self, client: JsonClient, done: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
        """Polls until `done()`, nudging the dispatcher; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout:.0f} s; got {self.attempts}, failures {self.failures}")
            dispatch(client)
            time.sleep(0.2)
        assert self.failures == [], self.failures

    def wait_for_types(self, client: JsonClient, *types: str) -> None:
        wanted = Counter(types)
        self.wait_for(client, lambda: self.types() >= wanted, f"deliveries of {sorted(wanted.elements())}")


def dispatch(client: JsonClient) -> None:
    reply = client.post("/v1/dev/jobs/webhook-dispatch")
    assert reply.status == 200, reply.body
    assert reply.body["job"] == "webhook-dispatch"


@contextmanager
def serving(handle: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that passes every request to `handle`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            handle(self)

        do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    with serving(state.handle) as base_url:
        state.url = f"{base_url}/hooks/keywarden"
        yield state
    assert state.failures == [], state.failures


# --- a project with a webhook, a template and members --------------------------------


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return set_up_project(client, f"wh-owner-{unique}")


def subscribe(project: Project, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    reply = project.client.post(
        project.path("/webhooks"), {"url": receiver.url, "events": events or EVENT_TYPES}, token=project.token
    )
    assert reply.status == 201, reply.body
    assert reply.body["secret"].startswith("whsec_")
    assert reply.body["webhook"]["enabled"] is True
    receiver.secret = reply.body["secret"]
    webhook: dict[str, Any] = reply.body["webhook"]
    return webhook


def add_member(project: Project, user: str, role: str) -> str:
    """Makes `user` a member with `role`; returns a token for them."""
    reply = project.client.put(project.path(f"/members/{user}"), {"role": role}, token=project.token)
    assert reply.status == 200, reply.body
    return project.client.token(user)


def create_template(project: Project, key_type: str = "opaque", **extra: Any) -> dict[str, Any]:
    body = {"name": f"{key_type} orders reader", "role_id": project.role_id, "type": key_type, **extra}
    reply = project.client.post(project.path("/key-templates"), body, token=project.token)
    assert reply.status == 201, reply.body
    template: dict[str, Any] = reply.body
    return template


def request_key(project: Project, token: str, template_id: str, justification: str = "for CI") -> Reply:
    return project.client.post(
        project.path("/key-requests"), {"template_id": template_id, "justification": justification}, token=token
    )


def pending_request(project: Project, token: str, template_id: str) -> dict[str, Any]:
    reply = request_key(project, token, template_id)
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "pending"
    request: dict[str, Any] = reply.body
    return request


def my_request(project: Project, token: str, template_id: str) -> Any:
    listed = project.client.get(project.path("/key-templates"), token=token)
    assert listed.status == 200, listed.body
    (template,) = [t for t in listed.body["items"] if t["id"] == template_id]
    return template["my_request"]


def no_secret_in(receiver: Receiver, *secrets: str) -> None:
    for attempt in receiver.attempts:
        for secret in secrets:
            assert secret not in attempt.body.decode(), (attempt.type, attempt.message_id)


# --- the whole flow ---------------------------------------------------------------------


def request_approve_claim(project: Project, receiver: Receiver, developer: str, key_type: str) -> dict[str, Any]:
    """The issue's "done when": a template, a developer's request, the owner's approval, the
    claim, and their events at the receiver. Returns what the claim answered."""
    client = project.client
    node = client.post(project.path("/nodes"), {"name": "orders-api", "kind": "output"}, token=project.token)
    assert node.status == 201, node.body
    subscribe(project, receiver)
    fields = [
        {"name": "PROJECT_ID", "value": "{{project.id}}"},
        {
            "name": "ORDERS_URL",
            "description": "the API",
            "value": f"https://{{{{node:{node.body['id']}.name}}}}.example/v1",
        },
    ]
    template = create_template(project, key_type, ttl_seconds=TTL_SECONDS, info_fields=fields)
    assert (template["type"], template["ttl_seconds"], template["my_request"]) == (key_type, TTL_SECONDS, None)

    dev_token = add_member(project, developer, "developer")
    assert my_request(project, dev_token, template["id"]) is None

    created = request_key(project, dev_token, template["id"])
    assert created.status == 201, created.body
    request = created.body
    assert (request["status"], request["requester_id"], request["template_id"]) == (
        "pending",
        developer,
        template["id"],
    )
    assert (request["key_id"], request["decided_by"], request["justification"]) == (None, None, "for CI")
    assert my_request(project, dev_token, template["id"]) == {"id": request["id"], "status": "pending"}
    assert_problem(request_key(project, dev_token, template["id"]), 409, "conflict")  # one pending per template

    approved = client.post(project.path(f"/key-requests/{request['id']}/approve"), {"note": "ok"}, token=project.token)
    assert approved.status == 200, approved.body
    assert (approved.body["status"], approved.body["decided_by"], approved.body["note"]) == (
        "approved",
        project.owner,
        "ok",
    )
    key_id = approved.body["key_id"]
    assert key_id
    assert my_request(project, dev_token, template["id"]) == {"id": request["id"], "status": "approved"}

    claimed = client.post(project.path(f"/key-requests/{request['id']}/claim"), token=dev_token)
    assert claimed.status == 200, claimed.body
    key = claimed.body["key"]
    assert (key["id"], key["request_id"], key["template_id"], key["owner_id"]) == (
        key_id,
        request["id"],
        template["id"],
        developer,
    )
    assert (key["type"], key["role_id"], key["permissions"], key["status"]) == (
        key_type,
        project.role_id,
        PERMISSIONS,
        "active",
    )
    # ttl_seconds from the approval (expires_at is rounded up, decided_at down, to whole seconds)
    lifetime = datetime.fromisoformat(key["expires_at"]) - datetime.fromisoformat(approved.body["decided_at"])
    assert lifetime.total_seconds() in (TTL_SECONDS, TTL_SECONDS + 1), (key["expires_at"], approved.body)
    orders_url = "https://orders-api.example/v1"
    assert claimed.body["secrets"] == {"PROJECT_ID": project.pid, "ORDERS_URL": orders_url}
    assert claimed.body["dotenv"] == f"PROJECT_ID={project.pid}\nORDERS_URL={orders_url}\n"
    assert my_request(project, dev_token, template["id"]) == {"id": request["id"], "status": "claimed"}

    again = client.post(project.path(f"/key-requests/{request['id']}/claim"), token=dev_token)
    assert_problem(again, 409, "conflict")
    assert "secret" not in again.body

    # The three events, each with its object; a claim is no webhook event.
    receiver.wait_for_types(client, "key_request.created", "key_request.approved", "key.created")
    dispatch(client)
    assert receiver.types() == Counter(["key_request.created", "key_request.approved", "key.created"])
    assert len({a.message_id for a in receiver.delivered}) == 3
    (on_created,) = receiver.of_type("key_request.created")
    (on_approved,) = receiver.of_type("key_request.approved")
    (on_key,) = receiver.of_type("key.created")
    # Each carries the object as the API showed it at that moment.
    assert on_created.data == request
    assert on_approved.data == approved.body
    assert on_key.data == key
    claimed_body: dict[str, Any] = claimed.body
    return claimed_body


def test_a_developer_requests_the_owner_approves_and_the_claimed_key_verifies(
    project: Project, receiver: Receiver, unique: str
) -> None:
    developer = f"dev-{unique}"
    claimed = request_approve_claim(project, receiver, developer, "opaque")
    secret = claimed["secret"]["key"]
    assert secret.startswith("kw_")
    no_secret_in(receiver, secret)

    verdict = project.verdict(secret, ["orders:read"])
    assert (verdict["valid"], verdict["code"]) == (True, "VALID"), verdict
    assert (verdict["key_id"], verdict["owner_id"], verdict["role_id"]) == (
        claimed["key"]["id"],
        developer,
        project.role_id,
    )
    assert verdict["project_id"] == project.pid and verdict["permissions"] == PERMISSIONS
    assert project.verdict(secret, ["orders:write"])["code"] == "INSUFFICIENT_PERMISSIONS"


def test_a_claimed_hmac_key_signs_requests_that_verify(
    client: JsonClient, project: Project, receiver: Receiver, unique: str
) -> None:
    developer = f"dev-{unique}"
    claimed = request_approve_claim(project, receiver, developer, "hmac")
    token, secret = claimed["secret"]["token"], claimed["secret"]["secret"]
    assert token.startswith("kwh_")
    no_secret_in(receiver, token, secret)

    # A resource server that asks the stack's /v1/hmac/verify, called with the client package's signer.
    resource = ResourceServer(client, project.service_key)
    with serving(resource.handle) as resource.url:
        session = no_proxy_session()
        reply = session.get(f"{resource.url}/kv/x?label=dev", auth=HmacAuth(token, secret), timeout=15)
        posted = session.post(f"{resource.url}/kv/y", json={"value": "z"}, auth=HmacAuth(token, secret), timeout=15)
    assert (reply.status_code, posted.status_code) == (200, 200), resource.seen
    assert resource.codes == ["VALID", "VALID"]
    verdict = resource.seen[0].verdict
    assert (verdict["key_id"], verdict["owner_id"], verdict["permissions"]) == (
        claimed["key"]["id"],
        developer,
        PERMISSIONS,
    )


# --- delivery: retries, 410 ------------------------------------------------------------


def deliveries(project: Project, webhook_id: str) -> list[dict[str, Any]]:
    reply = project.client.get(project.path(f"/webhooks/{webhook_id}/deliveries"), token=project.token)
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.body["items"]
    return items


def test_a_delivery_is_retried_with_the_same_webhook_id_until_it_succeeds(project: Project, receiver: Receiver) -> None:
    webhook = subscribe(project, receiver, ["key.created"])
    receiver.plan.extend([500, 503])
    key, _ = project.create_key()

    receiver.wait_for_types(project.client, "key.created")
    assert [a.answered for a in receiver.attempts] == [500, 503, 200]
    assert len({a.message_id for a in receiver.attempts}) == 1
    assert len({a.body for a in receiver.attempts}) == 1  # the same event each time
    assert receiver.attempts[0].data["id"] == key["id"]

    # The receiver answers before the dispatcher records the attempt: poll until it has.
    deadline = time.monotonic() + DEADLINE
    while (listed := deliveries(project, webhook["id"]))[0]["status"] != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.2)
    (delivery,) = listed
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == ("succeeded", 3, None)
    assert delivery["message_id"] == receiver.attempts[0].message_id
    assert delivery["event_type"] == "key.created" and delivery["payload"]["data"]["id"] == key["id"]
    attempts = delivery["attempts"]
    assert [(a["status"], a["response_code"]) for a in attempts] == [
        ("succeeded", 200),
        ("failed", 503),
        ("failed", 500),
    ]
    assert [a["at"] for a in attempts] == sorted((a["at"] for a in attempts), reverse=True)  # newest first


def test_a_410_disables_the_webhook_until_it_is_enabled_again(project: Project, receiver: Receiver) -> None:
    webhook = subscribe(project, receiver, ["key.created"])
    path = project.path(f"/webhooks/{webhook['id']}")
    receiver.plan.append(410)
    project.create_key("first")
    receiver.wait_for(project.client, lambda: len(receiver.attempts) == 1, "first attempt")

    deadline = time.monotonic() + DEADLINE
    while (shown := project.client.get(path, token=project.token).body)["enabled"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert shown["enabled"] is False and shown["disabled_reason"], shown
    (delivery,) = deliveries(project, webhook["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("failed", 1)

    # Disabled: a later event is not delivered, not even after a few rounds of the dispatcher.
    second, _ = project.create_key("second")
    for _ in range(3):
        dispatch(project.client)
        time.sleep(0.5)
    assert len(receiver.attempts) == 1

    enabled = project.client.patch(path, {"enabled": True}, token=project.token)
    assert enabled.status == 200, enabled.body
    assert (enabled.body["enabled"], enabled.body["disabled_reason"]) == (True, None)
    third, _ = project.create_key("third")
    receiver.wait_for_types(project.client, "key.created")
    assert [a.data["id"] for a in receiver.delivered] == [third["id"]]
    assert second["id"] not in {a.data["id"] for a in receiver.attempts}


# --- the other decisions ---------------------------------------------------------------


def test_deny_and_cancel_emit_their_events(project: Project, receiver: Receiver, unique: str) -> None:
    subscribe(project, receiver, ["key_request.denied", "key_request.cancelled", "key.created"])
    template = create_template(project)
    dev_token = add_member(project, f"dev-{unique}", "developer")

    first = pending_request(project, dev_token, template["id"])
    denied = project.client.post(
        project.path(f"/key-requests/{first['id']}/deny"), {"reason": "use the shared key"}, token=project.token
    )
    assert denied.status == 200, denied.body
    assert (denied.body["status"], denied.body["reason"], denied.body["key_id"]) == (
        "denied",
        "use the shared key",
        None,
    )
    assert my_request(project, dev_token, template["id"]) == {"id": first["id"], "status": "denied"}

    second = pending_request(project, dev_token, template["id"])  # a new one, now that the first is decided
    cancelled = project.client.post(project.path(f"/key-requests/{second['id']}/cancel"), token=dev_token)
    assert cancelled.status == 200, cancelled.body
    assert cancelled.body["status"] == "cancelled"
    again = project.client.post(project.path(f"/key-requests/{second['id']}/approve"), token=project.token)
    assert_problem(again, 409, "conflict")

    receiver.wait_for_types(project.client, "key_request.denied", "key_request.cancelled")
    dispatch(project.client)
    assert receiver.types() == Counter(["key_request.denied", "key_request.cancelled"])  # and no key
    (on_denied,) = receiver.of_type("key_request.denied")
    (on_cancelled,) = receiver.of_type("key_request.cancelled")
    assert on_denied.data == denied.body
    assert on_cancelled.data == cancelled.body


def test_an_auto_approve_template_emits_created_approved_and_key_created_on_one_post(
    project: Project, receiver: Receiver, unique: str
) -> None:
    subscribe(project, receiver)
    template = create_template(project, auto_approve=True)
    developer = f"dev-{unique}"
    dev_token = add_member(project, developer, "developer")

    # BUG (chalicelib/store/key_requests.py, create_request): for an auto_approve template the one
    # transaction checks the project twice, once by `project_is_live` and once more inside
    # `keys.add_key_items`. DynamoDB refuses two operations on one item in a transaction
    # ("Transaction request cannot include multiple operations on one item"), so every request
    # from an auto_approve template is a 500 internal_error (no request, no key, no event).
    created = request_key(project, dev_token, template["id"])
    assert created.status == 201, created.body
    request = created.body
    assert (request["status"], request["decided_by"]) == ("approved", "keywarden:auto-approve")
    assert request["key_id"]

    receiver.wait_for_types(project.client, "key_request.created", "key_request.approved", "key.created")
    (on_created,) = receiver.of_type("key_request.created")
    (on_approved,) = receiver.of_type("key_request.approved")
    (on_key,) = receiver.of_type("key.created")
    assert (on_created.data["id"], on_created.data["status"]) == (request["id"], "pending")
    assert on_approved.data == request
    assert (on_key.data["id"], on_key.data["request_id"], on_key.data["owner_id"]) == (
        request["key_id"],
        request["id"],
        developer,
    )

    claimed = project.client.post(project.path(f"/key-requests/{request['id']}/claim"), token=dev_token)
    assert claimed.status == 200, claimed.body
    assert project.verdict(claimed.body["secret"]["key"])["code"] == "VALID"
    no_secret_in(receiver, claimed.body["secret"]["key"])


# --- concurrency and hostile input -------------------------------------------------------


def test_of_8_parallel_approvals_exactly_one_issues_a_key(project: Project, receiver: Receiver, unique: str) -> None:
    subscribe(project, receiver, ["key_request.approved", "key.created"])
    template = create_template(project)
    requester = f"asker-{unique}"
    asker_token = add_member(project, requester, "admin")  # an admin, who may approve others' requests
    request = pending_request(project, asker_token, template["id"])
    own = project.client.post(project.path(f"/key-requests/{request['id']}/approve"), token=asker_token)
    assert_problem(own, 403, "forbidden")

    approvers = [project.token] + [add_member(project, f"adm-{n}-{unique}", "admin") for n in range(7)]
    barrier = threading.Barrier(len(approvers))

    def approve(token: str) -> Reply:
        barrier.wait(timeout=10)
        return project.client.post(project.path(f"/key-requests/{request['id']}/approve"), token=token)

    with ThreadPoolExecutor(max_workers=len(approvers)) as pool:
        replies = list(pool.map(approve, approvers))
    assert sorted(r.status for r in replies) == [200] + [409] * 7, [(r.status, r.body) for r in replies]
    for reply in replies:
        if reply.status == 409:
            assert_problem(reply, 409, "conflict")
    (winner,) = [r.body for r in replies if r.status == 200]

    listed = project.client.get(project.path("/keys?limit=100"), token=project.token)
    assert listed.status == 200, listed.body
    issued = [k for k in listed.body["items"] if k["request_id"] == request["id"]]
    assert [k["id"] for k in issued] == [winner["key_id"]]

    receiver.wait_for_types(project.client, "key_request.approved", "key.created")
    dispatch(project.client)
    assert receiver.types() == Counter(["key_request.approved", "key.created"])
    assert receiver.of_type("key_request.approved")[0].data == winner
    assert receiver.of_type("key.created")[0].data["id"] == winner["key_id"]


def test_hostile_input_gets_problems_never_a_5xx(
    project: Project, receiver: Receiver, client: JsonClient, unique: str
) -> None:
    hook = client.post(
        project.path("/webhooks"), {"url": receiver.url, "events": ["key.created", "key.exploded"]}, token=project.token
    )
    assert assert_problem(hook, 422, "validation_failed")["errors"][0]["field"].startswith("events")
    assert client.get(project.path("/webhooks"), token=project.token).body["items"] == []

    base = {"name": "t", "role_id": project.role_id, "type": "opaque"}
    bad_name = client.post(
        project.path("/key-templates"),
        {**base, "info_fields": [{"name": "api_url", "value": "x"}]},
        token=project.token,
    )
    problem = assert_problem(bad_name, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == ["info_fields[0].name"]
    other = set_up_project(client, f"other-owner-{unique}")
    their_node = client.post(other.path("/nodes"), {"name": "db", "kind": "other"}, token=other.token).body["id"]
    foreign_node = client.post(
        project.path("/key-templates"),
        {**base, "info_fields": [{"name": "DB", "value": f"{{{{node:{their_node}}}}}"}]},
        token=project.token,
    )
    assert their_node in assert_problem(foreign_node, 422, "validation_failed")["errors"][0]["message"]

    # A request for another project's template.
    dev_token = add_member(project, f"dev-{unique}", "developer")
    intruder_token = add_member(project, f"intruder-{unique}", "developer")
    theirs = create_template(other)
    foreign = request_key(project, dev_token, theirs["id"])
    assert [e["field"] for e in assert_problem(foreign, 422, "validation_failed")["errors"]] == ["template_id"]
    listed = client.get(project.path("/key-requests"), token=project.token)
    assert listed.body["items"] == []

    # A claim by anyone but the requester: 403 to another member or an admin, 404 to an outsider;
    # the requester can still claim afterwards.
    request = pending_request(project, dev_token, create_template(project)["id"])
    approved = client.post(project.path(f"/key-requests/{request['id']}/approve"), token=project.token)
    assert approved.status == 200, approved.body
    claim = project.path(f"/key-requests/{request['id']}/claim")
    # Another member's request: 403, as for any member without the right (one rule for existence).
    assert_problem(client.post(claim, token=intruder_token), 403, "forbidden")
    assert_problem(client.post(claim, token=project.token), 403, "forbidden")
    assert_problem(client.post(claim, token=other.token), 404, "not_found")  # not a member: no such project
    claimed = client.post(claim, token=dev_token)
    assert claimed.status == 200, claimed.body
    assert project.verdict(claimed.body["secret"]["key"])["code"] == "VALID"
    assert claimed.body["secrets"] == {} and claimed.body["dotenv"] == ""
