"""Webhook delivery, as a receiver sees it: every event arrives signed (Standard Webhooks), with the
key or request and never a secret; failures are retried on the schedule, 410 turns the endpoint
off, a message reaches each endpoint once however often the dispatcher runs, and the deployed
entry points (the outbox stream, the schedule) do the same through chalice's test client."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.jobs import run_job
from chalicelib.services import webhook_delivery
from chalicelib.store import deliveries as delivery_store
from chalicelib.store.webhook_models import DeliveryModel, OutboxModel
from tests.functional.conftest import ROOT, Api
from tests.functional.test_stages_and_docs import Stage, dev_stage  # noqa: F401 (dev_stage: a fixture)
from tests.functional.test_webhooks import (
    Answer,
    Hit,
    Receiver,
    Scene,
    dev_project,
    dispatch,
    fake_dns,
    idp,
    retry_schedule,
    serving,
    verified,
)

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DEFAULT_FIRST_RETRY = 5.0  # API.md: the first retry comes 5 s after the first attempt


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


@pytest.fixture
def scene(api: Api) -> Scene:
    return Scene(api, dev="developer", vic="viewer")


def outbox_items() -> list[OutboxModel]:
    return list(OutboxModel.scan(consistent_read=True))


def outbox_of(key_id: str) -> OutboxModel:
    """The outbox item whose messages announce something of key `key_id`."""
    (item,) = [i for i in outbox_items() if any(m["data"].get("id") == key_id for m in i.messages)]
    return item


def stored(webhook: dict[str, Any], delivery: dict[str, Any]) -> DeliveryModel:
    return DeliveryModel.get(webhook["id"], delivery["id"], consistent_read=True)


def only_delivery(scene: Scene, webhook: dict[str, Any]) -> dict[str, Any]:
    (delivery,) = scene.deliveries(webhook["id"])
    return delivery


def codes(delivery: dict[str, Any]) -> list[int | None]:
    """The response codes of the delivery's attempts, newest first."""
    return [a["response_code"] for a in delivery["attempts"]]


def assert_well_formed(hit: Hit, secret: str) -> dict[str, Any]:
    """The hit is a Standard Webhooks message that `secret` verifies, with the body of API.md."""
    message = verified(hit, secret)
    assert set(message) == {"type", "timestamp", "data"}, message
    assert RFC3339_UTC.match(message["timestamp"]), message
    assert hit.headers["content-type"] == "application/json"
    assert re.fullmatch(r"msg_[0-9A-Za-z]+", hit.headers["webhook-id"])
    return message


def by_type(receiver: Receiver, secret: str) -> dict[str, list[dict[str, Any]]]:
    """Every message the receiver got, verified, grouped by type."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for hit in receiver.hits:
        message = assert_well_formed(hit, secret)
        grouped.setdefault(message["type"], []).append(message["data"])
    return grouped


# --- every event, with its object -------------------------------------------------------------


def test_key_events_carry_the_key_as_get_shows_it(scene: Scene, receiver: Receiver) -> None:
    webhook, secret = scene.subscribe(receiver.url())
    api, keys = scene.api, f"{scene.path}/keys"
    first = scene.issue()["key"]
    rerolled = api.post(f"{keys}/{first['id']}/reroll", {"grace_seconds": 60}, as_user="ann")
    assert rerolled.status == 200, rerolled.body
    successor = rerolled.json["key"]
    assert api.delete(f"{keys}/{successor['id']}", as_user="ann").status == 204
    batch = [scene.issue()["key"]["id"] for _ in range(3)]
    deleted = api.post(f"{keys}/batch-delete", {"key_ids": batch, "confirm": True}, as_user="ann")
    assert deleted.status == 200, deleted.body

    summary = dispatch()
    assert summary["sent"] == {"succeeded": 9}, summary

    def current(key_id: str) -> dict[str, Any]:
        found: dict[str, Any] = api.get(f"{keys}/{key_id}", as_user="ann").json
        return found

    grouped = by_type(receiver, secret)
    assert sorted(grouped) == ["key.created", "key.rerolled", "key.revoked"]
    # Deliveries go out in parallel: in no particular order.
    created = {k["id"]: k for k in grouped["key.created"]}
    assert sorted(created) == sorted([first["id"], *batch])
    assert created[first["id"]] == first  # as the creation answered it
    (old,) = grouped["key.rerolled"]
    assert old == current(first["id"]) | {"rerolled_to": successor["id"]}  # with its shortened life
    # One message per revoked key, a batch's included, each as GET shows the key afterwards.
    revoked = grouped["key.revoked"]
    assert sorted(k["id"] for k in revoked) == sorted([successor["id"], *batch])
    for key in revoked:
        assert key == current(key["id"]) and key["status"] == "revoked"
    # Each message has its own webhook-id, and the endpoint lists one delivery for each.
    assert len({hit.headers["webhook-id"] for hit in receiver.hits}) == 9
    listed = scene.deliveries(webhook["id"])
    assert {d["message_id"] for d in listed} == {hit.headers["webhook-id"] for hit in receiver.hits}
    assert all(d["status"] == "succeeded" and d["attempt_count"] == 1 for d in listed)
    assert {json.dumps(d["payload"], sort_keys=True) for d in listed} == {
        json.dumps(hit.message, sort_keys=True) for hit in receiver.hits
    }


def test_secret_rotations_are_announced_without_the_value(scene: Scene, receiver: Receiver) -> None:
    _, secret = scene.subscribe(receiver.url(), ["secret.rotated"])
    secrets = f"{scene.path}/secrets"
    service = scene.api.post(f"{secrets}/service_key/rotate", {"grace_seconds": 60}, as_user="ann")
    imported = "Imported-secure-key-0123456789"
    secure = scene.api.post(f"{secrets}/secure_key/rotate", {"value": imported}, as_user="ann")
    assert service.status == secure.status == 200, (service.body, secure.body)
    dispatch()

    grouped = by_type(receiver, secret)
    listed = {s["name"]: s for s in scene.api.get(secrets, as_user="ann").json["items"]}
    assert sorted(grouped) == ["secret.rotated"]
    assert sorted(grouped["secret.rotated"], key=lambda data: data["name"]) == sorted(
        [
            {
                "project_id": scene.pid,
                "name": "service_key",
                "rotated_at": listed["service_key"]["rotated_at"],
                "previous_valid_until": service.json["previous_valid_until"],
            },
            {
                "project_id": scene.pid,
                "name": "secure_key",
                "rotated_at": listed["secure_key"]["rotated_at"],
                "previous_valid_until": None,
            },
        ],
        key=lambda data: data["name"],
    )
    for hit in receiver.hits:
        assert service.json["value"].encode() not in hit.body and imported.encode() not in hit.body


def test_key_request_events_carry_the_request(scene: Scene, receiver: Receiver) -> None:
    _, secret = scene.subscribe(receiver.url(), ["key_request.created", "key_request.approved"])
    _, late = scene.subscribe(receiver.url("/decisions"), ["key_request.denied", "key_request.cancelled"])
    api = scene.api
    template = api.post(
        f"{scene.path}/key-templates", {"name": "orders", "role_id": scene.role_id, "type": "opaque"}, as_user="ann"
    )
    assert template.status == 201, template.body

    def ask() -> dict[str, Any]:
        made = api.post(f"{scene.path}/key-requests", {"template_id": template.json["id"]}, as_user="dev")
        assert made.status == 201, made.body
        request: dict[str, Any] = made.json
        return request

    def act(request: dict[str, Any], verb: str, as_user: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = api.post(f"{scene.path}/key-requests/{request['id']}/{verb}", body, as_user=as_user)
        assert reply.status == 200, reply.body
        decided: dict[str, Any] = reply.json
        return decided

    approved_one = ask()
    approved = act(approved_one, "approve", "ann", {"note": "ok"})
    denied = act(ask(), "deny", "ann", {"reason": "no"})
    cancelled = act(ask(), "cancel", "dev", {})
    dispatch()

    created = {
        hit.message["data"]["id"]: verified(hit, secret)["data"]
        for hit in receiver.on("/hook")
        if hit.message["type"] == "key_request.created"
    }
    assert len(created) == 3 and all(data["status"] == "pending" for data in created.values())
    assert created[approved_one["id"]] == approved_one
    (approval,) = [hit.message["data"] for hit in receiver.on("/hook") if hit.message["type"] == "key_request.approved"]
    assert approval == approved and approval["key_id"]
    decisions = {m["type"]: m["data"] for m in (assert_well_formed(h, late) for h in receiver.on("/decisions"))}
    assert decisions == {"key_request.denied": denied, "key_request.cancelled": cancelled}
    assert decisions["key_request.denied"]["reason"] == "no"


def test_a_request_from_an_auto_approving_template_announces_its_request_and_key(
    scene: Scene, receiver: Receiver
) -> None:
    # One transaction makes the request, approves it and issues its key, with three events. It
    # once checked the project twice in that transaction, which DynamoDB refuses ("Transaction
    # request cannot include multiple operations on one item"): the request answered 500.
    _, secret = scene.subscribe(receiver.url(), ["key_request.created", "key_request.approved", "key.created"])
    template = scene.api.post(
        f"{scene.path}/key-templates",
        {"name": "t", "role_id": scene.role_id, "type": "opaque", "auto_approve": True},
        as_user="ann",
    )
    assert template.status == 201, template.body
    request = scene.api.post(f"{scene.path}/key-requests", {"template_id": template.json["id"]}, as_user="dev")
    assert request.status == 201, request.body
    assert request.json["status"] == "approved"
    dispatch()

    grouped = by_type(receiver, secret)
    assert sorted(grouped) == ["key.created", "key_request.approved", "key_request.created"]
    (key,) = grouped["key.created"]
    assert key["request_id"] == request.json["id"] and key["owner_id"] == "dev"
    assert grouped["key_request.approved"] == [request.json]
    assert [data["status"] for data in grouped["key_request.created"]] == ["pending"]


def test_an_endpoint_gets_only_what_it_subscribed_to_and_nothing_while_disabled(
    scene: Scene, receiver: Receiver
) -> None:
    scene.subscribe(receiver.url("/created"), ["key.created"])
    scene.subscribe(receiver.url("/revoked"), ["key.revoked", "key_request.created"])
    off, _ = scene.subscribe(receiver.url("/off"))
    assert scene.patch(off["id"], {"enabled": False}).status == 200
    key = scene.issue()["key"]
    assert scene.api.delete(f"{scene.path}/keys/{key['id']}", as_user="ann").status == 204
    dispatch()

    assert [h.message["type"] for h in receiver.on("/created")] == ["key.created"]
    assert [h.message["type"] for h in receiver.on("/revoked")] == ["key.revoked"]
    assert receiver.on("/off") == [] and scene.deliveries(off["id"]) == []
    assert len(receiver.hits) == 2


def test_no_secret_is_ever_in_a_webhook_body(scene: Scene, receiver: Receiver) -> None:
    webhook, signing_secret = scene.subscribe(receiver.url())
    api = scene.api
    secrets: list[str] = [signing_secret.removeprefix("whsec_")]
    for key_type in ("opaque", "hmac", "jwt"):
        issued = scene.issue(key_type)
        secrets += list(issued["secret"].values())
        rerolled = api.post(f"{scene.path}/keys/{issued['key']['id']}/reroll", {}, as_user="ann")
        assert rerolled.status == 200, rerolled.body
        secrets += list(rerolled.json["secret"].values())
    imported = "Imported-secure-key-0123456789"
    secrets.append(imported)
    rotations = f"{scene.path}/secrets"
    assert api.post(f"{rotations}/secure_key/rotate", {"value": imported}, as_user="ann").status == 200
    service = api.post(f"{rotations}/service_key/rotate", {}, as_user="ann")
    assert service.status == 200
    secrets.append(service.json["value"])
    template = api.post(
        f"{scene.path}/key-templates", {"name": "t", "role_id": scene.role_id, "type": "hmac"}, as_user="ann"
    )
    request = api.post(f"{scene.path}/key-requests", {"template_id": template.json["id"]}, as_user="dev")
    assert request.status == 201, request.body
    assert api.post(f"{scene.path}/key-requests/{request.json['id']}/approve", {}, as_user="ann").status == 200
    claimed = api.post(f"{scene.path}/key-requests/{request.json['id']}/claim", as_user="dev")
    assert claimed.status == 200, claimed.body
    secrets += list(claimed.json["secret"].values())
    dispatch()

    seen = {m["type"] for m in receiver.messages()}
    assert seen >= {"key.created", "key.rerolled", "secret.rotated", "key_request.created", "key_request.approved"}
    assert len(secrets) == 13 and all(len(s) >= 20 for s in secrets)
    kept = [hit.body.decode() for hit in receiver.hits]
    kept += [json.dumps(d["payload"]) for d in scene.deliveries(webhook["id"])]
    kept += [json.dumps(item.messages) for item in outbox_items()]
    for text in kept:
        for value in secrets:
            assert value not in text


# --- the outbox --------------------------------------------------------------------------------


def test_an_event_is_written_exactly_when_its_change_commits(scene: Scene, receiver: Receiver) -> None:
    scene.subscribe(receiver.url())
    keys = f"{scene.path}/keys"
    before = len(outbox_items())
    refused = [
        scene.api.post(keys, {"name": "k", "type": "opaque", "role_id": "rol_unknown"}, as_user="ann"),
        scene.api.post(
            keys, {"name": "k", "type": "opaque", "role_id": scene.role_id, "owner_id": "vic"}, as_user="ann"
        ),
        scene.api.post(keys, {"name": "k", "type": "opaque", "role_id": scene.role_id}, as_user="mallory"),
        scene.api.delete(f"{keys}/key_00000000000000000000000000", as_user="ann"),
        scene.api.post(f"{scene.path}/secrets/service_key/rotate", {}, as_user="ann", auth_age=3600),
    ]
    assert [r.status for r in refused] == [422, 422, 404, 404, 401], [r.body for r in refused]
    # Audited changes that are not webhook events write nothing to the outbox either.
    assert scene.api.post(f"{scene.path}/roles", {"name": "r2", "permissions": []}, as_user="ann").status == 201
    assert len(outbox_items()) == before

    key = scene.issue()["key"]
    assert len(outbox_items()) == before + 1
    item = outbox_of(key["id"])
    assert [(m["type"], m["data"]) for m in item.messages] == [("key.created", key)]

    others = [scene.issue()["key"]["id"] for _ in range(2)]
    assert scene.api.post(f"{keys}/batch-delete", {"key_ids": others, "confirm": True}, as_user="ann").status == 200
    assert len(outbox_items()) == before + 5  # two creations, and the revocation of each (an item per message)
    dispatch()
    assert Counter(m["type"] for m in receiver.messages()) == {"key.created": 3, "key.revoked": 2}
    assert not any(item.unsent for item in outbox_items())


# --- retries -----------------------------------------------------------------------------------


def test_a_failing_receiver_gets_the_same_message_until_it_succeeds(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    retry_schedule(monkeypatch, "0,0,0")
    receiver.answer(500, 500, 200)
    webhook, secret = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    for _ in range(4):
        dispatch()

    assert len(receiver.hits) == 3
    assert len({hit.headers["webhook-id"] for hit in receiver.hits}) == 1
    assert len({hit.body for hit in receiver.hits}) == 1
    for hit in receiver.hits:
        assert_well_formed(hit, secret)
    delivery = only_delivery(scene, webhook)
    assert delivery["message_id"] == receiver.hits[0].headers["webhook-id"]
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == ("succeeded", 3, None)
    assert codes(delivery) == [200, 500, 500]  # newest first
    assert [a["status"] for a in delivery["attempts"]] == ["succeeded", "failed", "failed"]
    assert delivery["attempts"][0]["at"] >= delivery["attempts"][-1]["at"]


def test_the_first_retry_comes_five_seconds_later_give_or_take_a_tenth(scene: Scene, receiver: Receiver) -> None:
    receiver.answer(500)
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    started = time.time()
    dispatch()
    ended = time.time()
    dispatch()  # not due yet
    assert len(receiver.hits) == 1

    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], codes(delivery)) == ("pending", [500])
    due = float(stored(webhook, delivery).next_attempt_at)
    assert started + 0.9 * DEFAULT_FIRST_RETRY <= due <= ended + 1.1 * DEFAULT_FIRST_RETRY
    assert delivery["next_attempt_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))


def test_a_spent_schedule_fails_the_delivery_and_a_manual_retry_sends_it_again(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    retry_schedule(monkeypatch, "0")
    receiver.default = Answer(503)
    webhook, secret = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    for _ in range(3):
        dispatch()
    assert len(receiver.hits) == 2
    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == ("failed", 2, None)
    assert codes(delivery) == [503, 503]

    # A manual retry queues one attempt (202, pending); failed again, it is not put back on the schedule.
    queued = scene.retry(webhook["id"], delivery["id"])
    assert queued.status == 202, queued.body
    assert (queued.json["status"], queued.json["message_id"]) == ("pending", delivery["message_id"])
    dispatch()
    failed_again = only_delivery(scene, webhook)
    assert (failed_again["status"], failed_again["next_attempt_at"]) == ("failed", None)
    dispatch()
    assert codes(only_delivery(scene, webhook)) == [503, 503, 503]

    receiver.default = Answer(200)
    assert scene.retry(webhook["id"], delivery["id"]).status == 202
    dispatch()
    retried = only_delivery(scene, webhook)
    assert (retried["status"], retried["attempt_count"]) == ("succeeded", 4)
    assert codes(retried) == [200, 503, 503, 503]
    assert len(receiver.hits) == 4
    assert {hit.headers["webhook-id"] for hit in receiver.hits} == {delivery["message_id"]}
    assert verified(receiver.hits[-1], secret) == delivery["payload"]

    again = scene.retry(webhook["id"], delivery["id"])  # it succeeded
    assert (again.status, again.code) == (409, "conflict"), again.body

    retry_schedule(monkeypatch, "60")
    receiver.answer(500)
    scene.issue()
    dispatch()
    pending = scene.deliveries(webhook["id"])[0]
    assert pending["status"] == "pending"
    early = scene.retry(webhook["id"], pending["id"])  # it is still on its schedule
    assert (early.status, early.code) == (409, "conflict"), early.body
    assert len(receiver.hits) == 5


def test_a_receiver_that_answers_410_is_turned_off_until_re_enabled(scene: Scene, receiver: Receiver) -> None:
    receiver.answer(410)
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    dispatch()
    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], delivery["attempt_count"], codes(delivery)) == ("failed", 1, [410])
    turned_off = scene.webhook(webhook["id"])
    assert turned_off["enabled"] is False and "410" in turned_off["disabled_reason"]
    assert scene.audit_events()[0]["action"] == "webhook.disabled"

    scene.issue()
    dispatch()
    assert len(receiver.hits) == 1 and len(scene.deliveries(webhook["id"])) == 1

    on = scene.patch(webhook["id"], {"enabled": True})
    assert on.status == 200 and (on.json["enabled"], on.json["disabled_reason"]) == (True, None)
    third = scene.issue()["key"]
    dispatch()
    assert len(receiver.hits) == 2 and receiver.hits[1].message["data"]["id"] == third["id"]


def test_a_receiver_asking_to_wait_is_retried_no_sooner_up_to_the_longest_wait(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.answer(Answer(429, {"Retry-After": "3600"}))
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    started = time.time()
    dispatch()
    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], codes(delivery)) == ("pending", [429])
    assert started + 3600 <= float(stored(webhook, delivery).next_attempt_at) <= time.time() + 3600

    # A wait longer than the schedule's longest is cut to that.
    retry_schedule(monkeypatch, "1,2")
    receiver.answer(Answer(503, {"Retry-After": "3600"}))
    scene.issue()
    started = time.time()
    dispatch()
    latest = scene.deliveries(webhook["id"])[0]
    assert (latest["status"], codes(latest)) == ("pending", [503])
    assert started + 2 <= float(stored(webhook, latest).next_attempt_at) <= time.time() + 2


def test_answers_that_will_not_change_fail_at_once_and_redirects_are_not_followed(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    retry_schedule(monkeypatch, "0,0")
    receiver.answer(404, path="/missing")
    receiver.answer(400, path="/refusing")
    receiver.answer(Answer(302, {"Location": receiver.url("/elsewhere")}), path="/moved")
    webhooks = {
        path: scene.subscribe(receiver.url(path), ["key.created"])[0] for path in ("/missing", "/refusing", "/moved")
    }
    scene.issue()
    dispatch()
    dispatch()  # a retry would be due at once

    assert sorted(hit.path for hit in receiver.hits) == ["/missing", "/moved", "/refusing"]
    for path, code in (("/missing", 404), ("/refusing", 400), ("/moved", 302)):
        delivery = only_delivery(scene, webhooks[path])
        assert (delivery["status"], delivery["next_attempt_at"], codes(delivery)) == ("failed", None, [code]), path
    assert "redirect" in only_delivery(scene, webhooks["/moved"])["attempts"][0]["error"]


def test_a_receiver_slower_than_the_timeout_is_retried(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 0.5)
    retry_schedule(monkeypatch, "0")
    receiver.answer(Answer(200, delay=2.0))
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    started = time.monotonic()
    dispatch()
    assert time.monotonic() - started < 1.9  # the sender did not wait for the answer
    delivery = only_delivery(scene, webhook)
    (attempt,) = delivery["attempts"]
    assert delivery["status"] == "pending" and attempt["response_code"] is None
    assert "timed out" in attempt["error"]

    dispatch()
    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], codes(delivery)) == ("succeeded", [200, None])
    assert len(receiver.hits) == 2


# --- once per endpoint ------------------------------------------------------------------------


def test_each_message_reaches_each_endpoint_once_however_often_the_dispatcher_runs(
    scene: Scene, receiver: Receiver
) -> None:
    for path in ("/a", "/b"):
        scene.subscribe(receiver.url(path), ["key.created"])
    scene.issue()
    dispatch()
    dispatch()
    assert sorted(hit.path for hit in receiver.hits) == ["/a", "/b"]

    key = scene.issue()["key"]
    event = outbox_of(key["id"])
    first = webhook_delivery.dispatch_events([event.id])  # the stream handler
    second = webhook_delivery.dispatch_events([event.id, event.id])  # a redelivered batch
    assert (first["deliveries"], first["sent"]) == (2, {"succeeded": 2})
    assert (second["deliveries"], second["sent"]) == (0, {})
    dispatch()
    assert sorted(hit.path for hit in receiver.hits) == ["/a", "/a", "/b", "/b"]
    assert Counter(hit.headers["webhook-id"] for hit in receiver.hits).most_common(1)[0][1] == 2  # per endpoint


def test_dispatchers_running_at_once_send_a_due_delivery_once(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: the lease's condition (pending, due, not leased) in store/deliveries.lease.
    retry_schedule(monkeypatch, "0,0")
    receiver.answer(500)
    webhook, _ = scene.subscribe(receiver.url(), ["key.created"])
    scene.issue()
    dispatch()  # the first attempt fails: the retry is due at once

    # Every dispatcher has read the due delivery before any leases it; the leases are then
    # taken one at a time, since moto's writes are not atomic (PLATFORM.md).
    real_lease = delivery_store.lease
    everyone_read = threading.Barrier(4, timeout=30)
    one_writer = threading.Lock()

    def gated(*args: Any, **kwargs: Any) -> Any:
        everyone_read.wait()
        with one_writer:
            return real_lease(*args, **kwargs)

    monkeypatch.setattr(delivery_store, "lease", gated)
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: results.append(run_job("webhook-dispatch"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4, results
    assert len(receiver.hits) == 2
    assert sorted(str(r["sent"]) for r in results) == sorted([str({"succeeded": 1})] + [str({"skipped": 1})] * 3)
    delivery = only_delivery(scene, webhook)
    assert (delivery["status"], codes(delivery)) == ("succeeded", [200, 500])


# --- the deployed entry points ----------------------------------------------------------------


def stream_record(outbox_id: str, event_name: str = "INSERT", sequence: int = 1) -> dict[str, Any]:
    """One record of the outbox table's stream, as Lambda hands it over."""
    from app import OUTBOX_STREAM_ARN

    return {
        "eventID": f"event-{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": time.time(),
            "Keys": {"id": {"S": outbox_id}},
            "SequenceNumber": f"{sequence:021d}",
            "SizeBytes": 120,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": OUTBOX_STREAM_ARN,
    }


def test_the_stream_handler_and_the_schedule_deliver_through_the_deployed_wiring(
    scene: Scene, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import app

    retry_schedule(monkeypatch, "0")
    webhook, secret = scene.subscribe(receiver.url(), ["key.created"])
    key = scene.issue()["key"]
    event = outbox_of(key["id"])
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        # The fan-out's own update (MODIFY) and a TTL deletion (REMOVE) start nothing.
        ignored = client.lambda_.invoke(
            "webhook_events", {"Records": [stream_record(event.id, "MODIFY"), stream_record(event.id, "REMOVE", 2)]}
        )
        assert ignored.payload["events"] == 0 and receiver.hits == []
        sent = client.lambda_.invoke("webhook_events", {"Records": [stream_record(event.id, sequence=3)]})
        assert sent.payload["sent"] == {"succeeded": 1}, sent.payload
        (hit,) = receiver.hits
        assert verified(hit, secret)["data"] == key
        # The stream delivers a record again after a failure elsewhere in its batch: nothing is sent twice.
        client.lambda_.invoke("webhook_events", {"Records": [stream_record(event.id, sequence=3)]})
        assert len(receiver.hits) == 1

        # A failed first attempt is retried by the scheduled function.
        receiver.answer(500)
        second = outbox_of(scene.issue()["key"]["id"])
        client.lambda_.invoke("webhook_events", {"Records": [stream_record(second.id, sequence=4)]})
        assert scene.deliveries(webhook["id"])[0]["status"] == "pending"
        scheduled = client.events.generate_cw_event(
            source="aws.events",
            detail_type="Scheduled Event",
            detail={},
            resources=["arn:aws:events:us-east-1:123456789012:rule/keywarden-webhook-dispatch"],
        )
        retried = client.lambda_.invoke("webhook-dispatch", scheduled)
        assert retried.payload["sent"] == {"succeeded": 1}, retried.payload
    assert len(receiver.hits) == 3
    assert scene.deliveries(webhook["id"])[0]["status"] == "succeeded"


def test_outside_the_local_stage_a_name_that_turns_inner_is_refused_at_send(
    dev_stage: Stage,  # noqa: F811 (the fixture imported above)
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS rebinding: the name is public when the endpoint is saved, loopback when a delivery is sent.
    answers = {"rebind.example": ["93.184.216.34"]}
    asked = fake_dns(monkeypatch, answers.get)
    api, headers = dev_stage.api, idp(dev_stage)
    pid = dev_project(dev_stage)
    path = f"/v1/projects/{pid}"
    role = api.post(f"{path}/roles", {"name": "r", "permissions": ["a:b"]}, headers=headers)
    created = api.post(
        f"{path}/webhooks",
        {"url": f"https://rebind.example:{receiver.port}/hook", "events": ["key.created"]},
        headers=headers,
    )
    assert role.status == created.status == 201, (role.body, created.body)
    assert asked == ["rebind.example"]
    webhook_id = created.json["webhook"]["id"]

    answers["rebind.example"] = ["127.0.0.1"]
    issued = api.post(f"{path}/keys", {"name": "k", "type": "opaque", "role_id": role.json["id"]}, headers=headers)
    assert issued.status == 201, issued.body
    dispatch()

    assert asked == ["rebind.example", "rebind.example"]  # looked up again to send
    assert receiver.connections == 0
    (delivery,) = api.get(f"{path}/webhooks/{webhook_id}/deliveries", headers=headers).json["items"]
    (attempt,) = delivery["attempts"]
    assert delivery["status"] == "failed" and attempt["response_code"] is None
    assert attempt["error"].startswith("refused"), attempt
