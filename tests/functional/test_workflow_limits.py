"""The limits of templates, requests and webhooks that a careless or hostile member meets:
who may make a template approve by itself, how big what a template carries may grow, a claim
that happens exactly once, bulk changes whose events stay within DynamoDB's item size, and
an endpoint that trickles its answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from chalicelib.services import webhook_delivery
from tests.functional.conftest import Api
from tests.functional.test_templates import Project, node_name_ref
from tests.functional.test_webhook_dispatch import only_delivery
from tests.functional.test_webhooks import Receiver, Scene, dispatch, serving


@pytest.fixture
def project(api: Api) -> Project:
    return Project(api)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


# --- who may make a template approve by itself ---------------------------------------


def test_an_editor_may_not_make_a_template_approve_by_itself(project: Project) -> None:
    role = project.role("everything", ("*",))
    refused = project.create_template(role, as_user="ed", auto_approve=True)
    assert (refused.status, refused.code) == (403, "forbidden"), refused.body
    assert project.templates() == []  # nothing was made
    plain = project.template(role)  # made by ann without auto_approve
    turned_on = project.patch_template(plain["id"], {"auto_approve": True}, as_user="ed")
    assert (turned_on.status, turned_on.code) == (403, "forbidden"), turned_on.body
    assert project.get_template(plain["id"]).json["auto_approve"] is False
    # Editors still make and change templates that wait for an approval.
    assert project.create_template(role, as_user="ed", auto_approve=False).status == 201
    assert project.patch_template(plain["id"], {"auto_approve": False}, as_user="ed").status == 200
    # Owners and admins may do both.
    assert project.create_template(role, as_user="alice", auto_approve=True).status == 201
    turned_on = project.patch_template(plain["id"], {"auto_approve": True}, as_user="ann")
    assert (turned_on.status, turned_on.json["auto_approve"]) == (200, True), turned_on.body


def test_an_editor_may_not_change_a_template_that_approves_by_itself(project: Project) -> None:
    auto = project.template(project.role(), auto_approve=True)
    other_role = project.role("everything", ("*",))
    changed = project.patch_template(auto["id"], {"role_id": other_role}, as_user="ed")
    assert (changed.status, changed.code) == (403, "forbidden"), changed.body
    assert project.get_template(auto["id"]).json["role_id"] == auto["role_id"]
    assert project.patch_template(auto["id"], {"role_id": other_role}, as_user="alice").status == 200
    # What editors may do with it: delete it (that takes the power away).
    assert project.delete_template(auto["id"], as_user="ed").status == 204


# --- how big a template's fields may grow ------------------------------------------------


def test_info_fields_too_large_to_store_are_refused_on_save(project: Project) -> None:
    wide = [{"name": f"F{i}", "value": "€" * 4096} for i in range(8)]  # 32,768 characters, 196 KB stored
    refused = project.create_template(project.role(), info_fields=wide)
    assert (refused.status, refused.code) == (422, "validation_failed"), refused.body
    assert refused.json["errors"][0]["field"] == "info_fields"


def test_info_fields_that_could_resolve_too_large_are_refused_on_save(project: Project) -> None:
    node = project.node("🚀" * 128)
    fields = [{"name": f"F{i}", "value": node_name_ref(node) * 90} for i in range(5)]
    refused = project.create_template(project.role(), info_fields=fields)
    assert (refused.status, refused.code) == (422, "validation_failed"), refused.body
    assert "resolve" in refused.json["errors"][0]["message"]


def test_the_largest_template_allowed_is_issued_and_claimed(project: Project) -> None:
    node = project.node("🚀" * 128)
    fields = [{"name": "F0", "value": node_name_ref(node) * 40}, {"name": "F1", "value": "Ж" * 4000}]
    template = project.template(info_fields=fields)
    claimed = project.issued(template["id"])
    assert claimed["secrets"] == {"F0": "🚀" * 128 * 40, "F1": "Ж" * 4000}


# --- a claim, exactly once ---------------------------------------------------------------


def test_a_claim_is_not_replayed_for_its_idempotency_key(project: Project) -> None:
    request = project.request(project.template()["id"])
    project.approve(request["id"])
    path = f"{project.path}/key-requests/{request['id']}/claim"
    headers = {"idempotency-key": "claim-once"}
    first = project.api.post(path, {}, as_user="dave", headers=headers)
    assert first.status == 200, first.body
    again = project.api.post(path, {}, as_user="dave", headers=headers)
    assert (again.status, again.code) == (409, "conflict"), again.body
    assert first.json["secret"]["key"].encode() not in again.body
    assert "idempotent-replayed" not in {name.lower() for name in again.headers}


# --- bulk changes and item sizes -------------------------------------------------------------


def test_revoking_many_keys_with_large_descriptions_announces_each(api: Api, receiver: Receiver) -> None:
    scene = Scene(api)
    scene.subscribe(receiver.url(), ["key.revoked"])
    keys_path = f"{scene.path}/keys"
    wide = {"description": "Описание " * 110, "meta": {"note": "Ж" * 1000}}
    ids = [scene.issue(name="Ключ " * 20, **wide)["key"]["id"] for _ in range(40)]
    deleted = api.post(f"{keys_path}/batch-delete", {"key_ids": ids, "confirm": True}, as_user="ann")
    assert deleted.status == 200, deleted.body
    assert sorted(deleted.json["deleted"]) == sorted(ids)
    dispatch()
    assert sorted(m["data"]["id"] for m in receiver.messages()) == sorted(ids)


# --- an endpoint that trickles ------------------------------------------------------------------


class _Trickler:
    """Accepts a connection and sends one byte of a response every `pause` seconds, forever."""

    def __init__(self, pause: float) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.pause = pause
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if self.stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.pause)


def test_an_endpoint_that_trickles_its_answer_is_cut_off_at_the_timeout(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 1.0)
    trickler = _Trickler(pause=0.2)  # each byte well within a socket timeout of 1 s
    try:
        scene = Scene(api)
        webhook, _ = scene.subscribe(trickler.url, ["key.created"])
        scene.issue()
        started = time.monotonic()
        dispatch()
        assert time.monotonic() - started < 4
        (attempt, *_) = only_delivery(scene, webhook)["attempts"]
        assert attempt["error"] == "timed out after 1 s"
    finally:
        trickler.stop.set()
        trickler.server.close()
