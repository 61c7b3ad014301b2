"""Races against the conditional writes of the workflow's stores: chalicelib/store/templates.py,
key_requests.py, webhooks.py, deliveries.py and outbox.py.

As in the other race files, each test reads what a request (or a dispatcher) would read, lets a
concurrent change commit, then hands the store the stale item, and checks what a user would
notice. Already covered beside the features' own tests, not repeated here: concurrent approvals,
claims and requests (test_key_requests.py, the request's _unchanged and the tile's condition in
create_request), concurrent dispatchers leasing one delivery (test_webhook_dispatch.py), a
delivery fanned out twice (DeliveryModel.id.does_not_exist(), same file), and a retry of a delivery
that is no longer failed (DeliveryModel.status == FAILED in requeue: test_webhooks.py and
test_webhook_dispatch.py; requeue writes nothing it read, so a double click is that same case).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain import clock
from chalicelib.domain.clock import now
from chalicelib.errors import ConflictError
from chalicelib.services import key_requests as request_cases
from chalicelib.services import keys as key_cases
from chalicelib.services import templates as template_cases
from chalicelib.services import webhook_delivery
from chalicelib.services import webhooks as webhook_cases
from chalicelib.services.minting import minter
from chalicelib.store import deliveries as delivery_store
from chalicelib.store import key_requests as request_store
from chalicelib.store import outbox as outbox_store
from chalicelib.store import projects as project_store
from chalicelib.store import templates as template_store
from chalicelib.store import webhooks as webhook_store
from chalicelib.store.request_models import KeyRequestTileModel, KeyTemplateModel
from chalicelib.store.webhook_models import OutboxModel, WebhookModel
from tests.functional.conftest import Api, Reply
from tests.functional.races import audit_actions, refused
from tests.functional.test_key_requests import keys_of_request, move_deadline, status_of
from tests.functional.test_key_requests import stored as stored_request
from tests.functional.test_templates import Project, node_ref
from tests.functional.test_webhooks import Answer, Receiver, dispatch, retry_schedule, serving, verifies
from tests.functional.test_webhooks import Scene as Hooks


@pytest.fixture
def project(api: Api) -> Project:
    return Project(api)


@pytest.fixture
def hooks(api: Api) -> Hooks:
    return Hooks(api)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


def begin_deletion(api: Api, pid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deletion of the project that began and stopped before revoking any key (as in races.py)."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise ConflictError("simulated: the deletion stopped here")

    with monkeypatch.context() as patched:
        patched.setattr(key_cases, "revoke_all", interrupted)
        reply = api.delete(f"/v1/projects/{pid}", as_user="ann")
    assert reply.status == 409, reply.body


def stored_templates(pid: str) -> list[dict[str, Any]]:
    return [dict(t.attribute_values) for t in KeyTemplateModel.query(pid, consistent_read=True)]


def stored_webhooks(pid: str) -> list[dict[str, Any]]:
    return [dict(w.attribute_values) for w in WebhookModel.query(pid, consistent_read=True)]


def stored_tiles(pid: str) -> list[dict[str, Any]]:
    return [dict(t.attribute_values) for t in KeyRequestTileModel.query(pid, consistent_read=True)]


def delete_role(project: Project, role_id: str) -> Reply:
    return project.api.delete(f"{project.path}/roles/{role_id}", as_user="ann")


def delete_node(project: Project, node_id: str) -> Reply:
    return project.api.delete(f"{project.path}/nodes/{node_id}", as_user="ann")


def codes(delivery: dict[str, Any]) -> list[int | None]:
    """The response codes of the delivery's attempts, newest first."""
    return [a["response_code"] for a in delivery["attempts"]]


# --- templates: the role and node counts stay exact -----------------------------------------


def test_a_new_template_whose_id_collides_overwrites_nothing(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: KeyTemplateModel.id.does_not_exist() in create_template. An overwrite would leave the
    # first template's role counted as in use with no template naming it: never deletable again.
    first_role, other_role = project.role("first"), project.role("other")
    first = project.template(first_role)
    before, events = stored_templates(project.pid), audit_actions(project.pid)
    monkeypatch.setattr(template_store, "new_id", lambda prefix: first["id"])

    reply = project.create_template(other_role, name="Intruder")
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert stored_templates(project.pid) == before
    assert audit_actions(project.pid) == events
    assert delete_role(project, other_role).status == 204
    assert delete_role(project, first_role).status == 409


def test_a_template_patch_that_read_it_before_another_patch_is_refused(project: Project) -> None:
    # Guard: KeyTemplateModel.version == template.version in update_template. The loser's counts
    # are worked out from what it read: without the guard it would count the first role off a
    # second time and never count off the role the winner set, so a role nobody names would stay
    # in use and a role counted below zero could never be deleted.
    first, second, third = project.role("first"), project.role("second"), project.role("third")
    template = project.template(first)
    stale = template_store.get_template(project.pid, template["id"])
    assert project.patch_template(template["id"], {"role_id": second}).status == 200
    before, events = stored_templates(project.pid), audit_actions(project.pid)

    with refused(409, "conflict"):
        template_cases.update_template(stale, {"role_id": third}, "ed")
    assert stored_templates(project.pid) == before
    assert audit_actions(project.pid) == events
    # A role is deletable exactly when no template names it.
    assert delete_role(project, first).status == 204
    assert delete_role(project, third).status == 204
    assert delete_role(project, second).status == 409


def test_a_template_deletion_that_read_it_before_a_patch_is_refused(project: Project) -> None:
    # Guard: KeyTemplateModel.version == template.version in delete_template. Without it the
    # deletion would count off the role and node it read, not the ones the patch left: the new
    # role would stay in use for good, and the node, counted below zero, could never go.
    first, second = project.role("first"), project.role("second")
    node_id = project.node()
    template = project.template(first, info_fields=[{"name": "DB", "value": node_ref(node_id)}])
    stale = template_store.get_template(project.pid, template["id"])
    patched = project.patch_template(template["id"], {"role_id": second, "info_fields": []})
    assert patched.status == 200, patched.body
    before, events = stored_templates(project.pid), audit_actions(project.pid)

    with refused(409, "conflict"):
        template_store.delete_template(stale, "ed")
    assert stored_templates(project.pid) == before
    assert audit_actions(project.pid) == events
    assert delete_node(project, node_id).status == 204
    assert delete_role(project, first).status == 204
    assert delete_role(project, second).status == 409
    assert project.delete_template(template["id"]).status == 204
    assert delete_role(project, second).status == 204


def test_templates_are_not_created_changed_or_deleted_once_the_projects_deletion_began(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guards: project_is_live() in create_template, update_template and delete_template. The
    # deletion began but stopped, so only the project's state can refuse them.
    role_id = project.role()
    template = project.template(role_id)
    stale = template_store.get_template(project.pid, template["id"])
    begin_deletion(project.api, project.pid, monkeypatch)
    before, events = stored_templates(project.pid), audit_actions(project.pid)
    spec = template_store.TemplateSpec(
        name="Late",
        description="",
        role_id=role_id,
        type="opaque",
        ttl_seconds=None,
        auto_approve=False,
        info_fields=[],
    )

    with refused(404, "not_found"):
        template_cases.create_template(project.pid, spec, "ann")
    with refused(404, "not_found"):
        template_cases.update_template(stale, {"name": "Renamed"}, "ann")
    with refused(404, "not_found"):
        template_store.delete_template(stale, "ann")
    assert stored_templates(project.pid) == before
    assert audit_actions(project.pid) == events


# --- key requests ---------------------------------------------------------------------------


def test_a_lapse_recorded_while_a_new_request_replaced_the_tile_leaves_the_new_tile_alone(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: KeyRequestTileModel.request_id == state.id in _write_transition. The sweep read the
    # tile while it showed the lapsed request; the requester's new request replaced it before the
    # sweep committed. Without the guard the sweep would mark the new request's tile expired: the
    # listing would show the pending request as expired, and a second pending request from the
    # same template would be let in.
    template_id = project.template()["id"]
    lapsed = project.request(template_id)["id"]
    move_deadline(project, lapsed, now() - 1)
    real_get = KeyRequestTileModel.get
    newer: list[str] = []

    def replaced_after_the_read(*args: Any, **kwargs: Any) -> KeyRequestTileModel:
        tile = real_get(*args, **kwargs)
        if not newer:
            newer.append("")
            newer[0] = project.request(template_id)["id"]
        return tile

    monkeypatch.setattr(KeyRequestTileModel, "get", replaced_after_the_read)
    assert request_cases.expire_lapsed() == {"expired": 0, "keys_revoked": 0, "conflicts": 1}
    assert project.my_request(template_id, "dave") == {"id": newer[0], "status": "pending"}
    again = project.create_request(template_id)
    assert (again.status, again.code) == (409, "conflict"), again.body

    # The next round reads the request again and records its lapse; the tile stays the new one's.
    assert request_cases.expire_lapsed() == {"expired": 1, "keys_revoked": 0, "conflicts": 0}
    assert status_of(project, lapsed) == "expired"
    assert project.my_request(template_id, "dave") == {"id": newer[0], "status": "pending"}


def test_a_request_from_a_template_deleted_meanwhile_is_refused(project: Project) -> None:
    # Guard: the condition check KeyTemplateModel.id.exists() in create_request. Without it the
    # request would wait for an approval that can never come (approval needs the template).
    template_id = project.template()["id"]
    stale = template_store.get_template(project.pid, template_id)
    assert project.delete_template(template_id).status == 204
    events = audit_actions(project.pid)

    with refused(404, "not_found"):
        request_cases.create_request(project_store.get_project(project.pid), stale, "dave", "")
    assert [r["id"] for r in project.api.get(f"{project.path}/key-requests", as_user="ann").json["items"]] == []
    assert stored_tiles(project.pid) == []
    assert audit_actions(project.pid) == events


def test_a_new_request_whose_id_collides_overwrites_nothing(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: KeyRequestModel.id.does_not_exist() in create_request. An overwrite would erase the
    # approved request's sealed key: its requester could never claim it.
    first = project.template()["id"]
    approved = project.request(first)["id"]
    project.approve(approved)
    other = project.template(name="Other")["id"]
    before, events = stored_request(project, approved), audit_actions(project.pid)
    real_new_id = request_cases.new_id
    monkeypatch.setattr(request_cases, "new_id", lambda prefix: approved if prefix == "krq" else real_new_id(prefix))

    reply = project.create_request(other, "ed")
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert stored_request(project, approved) == before
    assert audit_actions(project.pid) == events
    assert project.my_request(other, "ed") is None
    claimed = project.claim(approved)
    assert project.verify(claimed["secret"]["key"])["code"] == "VALID"


def test_a_request_whose_deadline_is_now_has_lapsed_for_a_new_request_too(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: KeyRequestTileModel.expires_at <= at (not <) in create_request: a request has lapsed
    # from its deadline on (KeyRequest.status_at, and the listing, say so), so the requester may
    # ask again at that very instant.
    template_id = project.template()["id"]
    first = project.request(template_id)["id"]
    at = now()
    move_deadline(project, first, at)
    monkeypatch.setattr(request_cases, "now", lambda: at)

    second = project.create_request(template_id)
    assert (second.status, second.json["status"]) == (201, "pending"), second.body
    assert project.my_request(template_id, "dave") == {"id": second.json["id"], "status": "pending"}


def test_an_approval_that_read_the_template_before_it_changed_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: the condition check KeyTemplateModel.version == template.version in approve. The
    # template's role was narrowed while the approval ran: without the guard the key would be
    # issued with the role the template no longer grants.
    broad, narrow = project.role("broad", ("orders:read", "orders:write")), project.role("narrow")
    template_id = project.template(broad)["id"]
    request_id = project.request(template_id)["id"]
    before, events = stored_request(project, request_id), audit_actions(project.pid)

    def narrowed_meanwhile(key_type: str) -> Any:
        # Called after the approval read the template, before its transaction commits.
        narrowed = project.patch_template(template_id, {"role_id": narrow})
        assert narrowed.status == 200, narrowed.body
        return minter(key_type)

    monkeypatch.setattr(request_cases, "minter", narrowed_meanwhile)
    with refused(409, "conflict"):
        request_cases.approve(project_store.get_project(project.pid), request_id, "ann", None, None)
    monkeypatch.setattr(request_cases, "minter", minter)
    assert stored_request(project, request_id) == before
    assert keys_of_request(project, request_id) == []
    assert audit_actions(project.pid) == [*events, "template.updated"]

    project.approve(request_id)
    (key,) = keys_of_request(project, request_id)
    assert key["role_id"] == narrow


def test_an_auto_approval_from_a_template_changed_after_it_was_read_is_refused(project: Project) -> None:
    # Guard: the condition check KeyTemplateModel.version == template.version in create_request,
    # for a template that approves by itself: the key is issued from the template as read, so
    # without the guard a role narrowed meanwhile would not apply to it.
    broad, narrow = project.role("broad", ("orders:read", "orders:write")), project.role("narrow")
    template_id = project.template(broad, auto_approve=True)["id"]
    stale = template_store.get_template(project.pid, template_id)
    narrowed = project.patch_template(template_id, {"role_id": narrow})
    assert narrowed.status == 200, narrowed.body
    events = audit_actions(project.pid)

    with refused(409, "conflict"):
        request_cases.create_request(project_store.get_project(project.pid), stale, "dave", "")
    assert [r["id"] for r in project.api.get(f"{project.path}/key-requests", as_user="ann").json["items"]] == []
    assert stored_tiles(project.pid) == []
    assert audit_actions(project.pid) == events

    request = project.request(template_id)
    assert request["status"] == "approved"
    (key,) = keys_of_request(project, request["id"])
    assert key["role_id"] == narrow


def test_no_request_is_made_decided_or_claimed_once_the_projects_deletion_began(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guards: project_is_live() in create_request (without auto-approval: issuing checks it
    # otherwise), in _simple_transition (deny, cancel) and in claim. The deletion began but
    # revoked no key yet: a claim would hand out a working key of a project being deleted.
    first, second = project.template()["id"], project.template(name="Second")["id"]
    pending = project.request(first)["id"]
    approved = project.request(second)["id"]
    project.approve(approved)
    stale_project = project_store.get_project(project.pid)
    stale_template = template_store.get_template(project.pid, first)
    stale_pending = request_store.get_request(project.pid, pending)
    stale_approved = request_store.get_request(project.pid, approved)
    begin_deletion(project.api, project.pid, monkeypatch)
    before = {r: stored_request(project, r) for r in (pending, approved)}
    tiles, events = stored_tiles(project.pid), audit_actions(project.pid)

    with refused(404, "not_found"):
        request_cases.create_request(stale_project, stale_template, "ed", "")
    with refused(404, "not_found"):
        request_cases.deny(stale_pending, "ann", None)
    with refused(404, "not_found"):
        request_cases.cancel(stale_pending, "dave")
    with refused(404, "not_found"):
        request_cases.claim(stale_project, stale_approved, "dave")
    assert {r: stored_request(project, r) for r in (pending, approved)} == before
    assert stored_tiles(project.pid) == tiles
    assert audit_actions(project.pid) == events


# --- webhooks -------------------------------------------------------------------------------


def test_a_new_webhook_whose_id_collides_overwrites_nothing(hooks: Hooks, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: WebhookModel.id.does_not_exist() in create_webhook. An overwrite would give the
    # first endpoint another URL and secret: its receiver would stop verifying its deliveries.
    first, _ = hooks.subscribe("http://127.0.0.1:9/first", ["key.created"])
    before, events = stored_webhooks(hooks.pid), audit_actions(hooks.pid)
    monkeypatch.setattr(webhook_cases, "new_id", lambda prefix: first["id"])

    reply = hooks.create_reply("http://127.0.0.1:9/intruder", ["key.revoked"])
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert stored_webhooks(hooks.pid) == before
    assert audit_actions(hooks.pid) == events


def test_of_two_rotations_that_read_the_same_secret_the_second_is_refused(hooks: Hooks, receiver: Receiver) -> None:
    # Guard: WebhookModel.version == webhook.version in rotate_secret. The loser read the secret
    # the winner replaced: without the guard it would keep that one as the previous secret, and
    # the secret the winner was shown would vanish unseen (its receivers would reject every
    # delivery).
    webhook, original = hooks.subscribe(receiver.url(), ["key.created"])
    stale = webhook_store.get_webhook(hooks.pid, webhook["id"])
    rotated = hooks.api.post(f"{hooks.path}/webhooks/{webhook['id']}/rotate-secret", as_user="ann")
    assert rotated.status == 200, rotated.body
    shown = rotated.json["secret"]

    with refused(409, "conflict"):
        webhook_cases.rotate_secret(stale, "ann")
    assert audit_actions(hooks.pid).count("webhook.secret_rotated") == 1
    hooks.issue()
    dispatch()
    (hit,) = receiver.hits
    assert verifies(hit, shown)
    assert verifies(hit, original)  # within its grace


def test_a_webhook_change_that_raced_its_deletion_does_not_bring_it_back(hooks: Hooks) -> None:
    # Guard: WebhookModel.version == webhook.version in update_webhook (a PATCH racing a DELETE):
    # without it the update would make a bare endpoint again, without a secret.
    webhook, _ = hooks.subscribe("http://127.0.0.1:9/hook", ["key.created"])
    stale = webhook_store.get_webhook(hooks.pid, webhook["id"])
    assert hooks.api.delete(f"{hooks.path}/webhooks/{webhook['id']}", as_user="ann").status == 204
    events = audit_actions(hooks.pid)

    with refused(404, "not_found"):
        webhook_store.update_webhook(stale, {"enabled": True}, "ann")
    assert stored_webhooks(hooks.pid) == []
    assert audit_actions(hooks.pid) == events


def test_a_webhook_deleted_twice_at_once_is_deleted_once(hooks: Hooks) -> None:
    # Guard: WebhookModel.id.exists() in delete_webhook: the loser answers 404, as a DELETE after
    # the first would, and records no second deletion.
    webhook, _ = hooks.subscribe("http://127.0.0.1:9/hook", ["key.created"])
    stale = webhook_store.get_webhook(hooks.pid, webhook["id"])
    assert hooks.api.delete(f"{hooks.path}/webhooks/{webhook['id']}", as_user="ann").status == 204

    with refused(404, "not_found"):
        webhook_store.delete_webhook(stale, "ann")
    assert audit_actions(hooks.pid).count("webhook.deleted") == 1


def test_a_410_from_an_endpoint_deleted_meanwhile_does_not_bring_it_back(hooks: Hooks) -> None:
    # Guard: WebhookModel.id.exists() in disable. The dispatcher read the endpoint, its owner
    # deleted it, then the receiver answered 410: turning it off must not make a bare one again.
    webhook, _ = hooks.subscribe("http://127.0.0.1:9/hook", ["key.created"])
    stale = webhook_store.get_webhook(hooks.pid, webhook["id"])
    assert hooks.api.delete(f"{hooks.path}/webhooks/{webhook['id']}", as_user="ann").status == 204
    events = audit_actions(hooks.pid)

    webhook_store.disable(stale, "the endpoint answered 410 Gone")
    assert stored_webhooks(hooks.pid) == []
    assert audit_actions(hooks.pid) == events


def test_webhooks_are_not_created_changed_rotated_or_deleted_once_the_projects_deletion_began(
    hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guards: project_is_live() in create_webhook, update_webhook, rotate_secret and delete_webhook.
    webhook, _ = hooks.subscribe("http://127.0.0.1:9/hook", ["key.created"])
    stale = webhook_store.get_webhook(hooks.pid, webhook["id"])
    begin_deletion(hooks.api, hooks.pid, monkeypatch)
    before, events = stored_webhooks(hooks.pid), audit_actions(hooks.pid)

    with refused(404, "not_found"):
        webhook_cases.create_webhook(hooks.pid, "http://127.0.0.1:9/late", ["key.created"], "", "ann")
    with refused(404, "not_found"):
        webhook_store.update_webhook(stale, {"description": "changed"}, "ann")
    with refused(404, "not_found"):
        webhook_cases.rotate_secret(stale, "ann")
    with refused(404, "not_found"):
        webhook_store.delete_webhook(stale, "ann")
    assert stored_webhooks(hooks.pid) == before
    assert audit_actions(hooks.pid) == events


# --- deliveries -----------------------------------------------------------------------------


def test_a_dispatcher_that_listed_a_delivery_before_its_attempt_sends_nothing_before_the_retry_is_due(
    hooks: Hooks, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: DeliveryModel.next_attempt_at <= at in lease. Another dispatcher listed the delivery
    # as due, then this one attempted it and put the retry a minute off; the first must not send
    # it again now.
    retry_schedule(monkeypatch, "60")
    receiver.answer(500)
    webhook, _ = hooks.subscribe(receiver.url(), ["key.created"])
    hooks.issue()
    dispatch()
    (delivery,) = hooks.deliveries(webhook["id"])
    assert (delivery["status"], codes(delivery)) == ("pending", [500])

    assert webhook_delivery.send_one(webhook["id"], delivery["id"]) is None
    assert len(receiver.hits) == 1
    assert hooks.deliveries(webhook["id"]) == [delivery]


def test_a_delivery_whose_dispatcher_died_is_sent_once_its_lease_runs_out(
    hooks: Hooks, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: DeliveryModel.leased_until < at in lease: a lease that ran out may be taken over,
    # or a delivery whose dispatcher died holding it would never be sent again.
    retry_schedule(monkeypatch, "0")
    receiver.answer(500)
    webhook, _ = hooks.subscribe(receiver.url(), ["key.created"])
    hooks.issue()
    dispatch()  # the first attempt fails: the retry is due at once
    (delivery,) = hooks.deliveries(webhook["id"])
    assert delivery_store.lease(webhook["id"], delivery["id"], now()) is not None  # and its holder dies

    assert dispatch()["sent"] == {"skipped": 1}
    later = now() + delivery_store.LEASE_SECONDS + 1
    monkeypatch.setattr(webhook_delivery, "now", lambda: later)
    assert dispatch()["sent"] == {"succeeded": 1}
    assert len(receiver.hits) == 2
    (delivery,) = hooks.deliveries(webhook["id"])
    assert (delivery["status"], codes(delivery)) == ("succeeded", [200, 500])


def test_an_attempt_recorded_after_another_dispatcher_took_the_delivery_over_is_refused(
    hooks: Hooks, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: DeliveryModel.lease == delivery.lease in record_attempt. A slow dispatcher's lease ran
    # out and another sent the delivery successfully; the slow one's failure, recorded after,
    # would put the delivery back on the schedule (sent yet again) and drop the success.
    retry_schedule(monkeypatch, "0")
    receiver.answer(500, 200, 500)
    webhook, _ = hooks.subscribe(receiver.url(), ["key.created"])
    hooks.issue()
    dispatch()
    (delivery,) = hooks.deliveries(webhook["id"])
    slow = delivery_store.lease(webhook["id"], delivery["id"], now())
    assert slow is not None

    later = now() + delivery_store.LEASE_SECONDS + 1
    monkeypatch.setattr(webhook_delivery, "now", lambda: later)
    assert webhook_delivery.send_one(webhook["id"], delivery["id"]) == "succeeded"
    with refused(409, "conflict"):
        webhook_delivery.attempt(slow, webhook_store.get_webhook(hooks.pid, webhook["id"]))
    assert len(receiver.hits) == 3
    (delivery,) = hooks.deliveries(webhook["id"])
    assert (delivery["status"], delivery["next_attempt_at"], codes(delivery)) == ("succeeded", None, [200, 500])
    dispatch()
    assert len(receiver.hits) == 3


def test_a_retry_queued_at_the_instant_a_dispatch_runs_is_sent_by_it(
    hooks: Hooks, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: DeliveryModel.next_attempt_at <= at (not <) in lease. A dispatch lists what is due
    # with next_attempt_at <= now and must be able to lease all of it: a retry queued at the very
    # instant the dispatch runs (a clock that has not ticked: a coarse one, or a frozen one) is
    # sent by it, not listed as due and then skipped.
    retry_schedule(monkeypatch, "0")
    receiver.default = Answer(503)
    webhook, _ = hooks.subscribe(receiver.url(), ["key.created"])
    hooks.issue()
    dispatch()
    dispatch()
    (delivery,) = hooks.deliveries(webhook["id"])
    assert (delivery["status"], codes(delivery)) == ("failed", [503, 503])

    receiver.default = Answer(200)
    frozen = now()

    class FrozenTime:
        @staticmethod
        def time() -> float:
            return frozen

    monkeypatch.setattr(clock, "time", FrozenTime)
    queued = hooks.retry(webhook["id"], delivery["id"])
    assert (queued.status, queued.json["status"]) == (202, "pending"), queued.body
    assert dispatch()["sent"] == {"succeeded": 1}
    (delivery,) = hooks.deliveries(webhook["id"])
    assert (delivery["status"], codes(delivery)) == ("succeeded", [200, 503, 503])
    assert len(receiver.hits) == 3


# --- the outbox -----------------------------------------------------------------------------


def test_an_event_whose_outbox_id_collides_loses_no_unsent_event(
    hooks: Hooks, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: OutboxModel.id.does_not_exist() in publish: the change that would overwrite an event
    # not yet sent fails instead, so the first event still reaches its endpoints.
    hooks.subscribe(receiver.url(), ["key.created"])
    first = hooks.issue()["key"]
    (unsent,) = list(OutboxModel.scan(consistent_read=True))
    monkeypatch.setattr(outbox_store, "new_id", lambda prefix: unsent.id)

    reply = hooks.api.post(
        f"{hooks.path}/keys", {"name": "second", "type": "opaque", "role_id": hooks.role_id}, as_user="ann"
    )
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    dispatch()
    assert [m["data"]["id"] for m in receiver.messages("key.created")] == [first["id"]]
