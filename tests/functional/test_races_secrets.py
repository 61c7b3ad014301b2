"""Races against the conditional writes of chalicelib/store/secrets.py.

Covered elsewhere, not repeated here: a secure-key rotation that read the secret before
another one (test_hardening: 409, not kept for replay) and a rotation after the project's
deletion (test_hardening). A new project's service key colliding with another's is in
test_races_projects.py, where projects are made.
"""

from __future__ import annotations

import pytest

from chalicelib.domain import app_secrets
from chalicelib.services import secrets as secret_cases
from chalicelib.store import secrets as secret_store
from chalicelib.store.pepper import digest
from chalicelib.store.secret_models import ServiceKeyModel
from tests.functional.conftest import Api
from tests.functional.races import Scene, audit_actions, refused


def lookups(pid: str) -> set[str]:
    """The digests of the service-key values that authenticate as `pid`."""
    return {item.digest for item in ServiceKeyModel.scan() if item.project_id == pid}


def rotate(scene: Scene, name: str, grace: int = 0) -> str:
    reply = scene.api.post(f"/v1/projects/{scene.pid}/secrets/{name}/rotate", {"grace_seconds": grace}, as_user="ann")
    assert reply.status == 200, reply.body
    value: str = reply.json["value"]
    return value


def test_a_service_key_rotation_that_read_it_before_another_rotation_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: AppSecretModel.version == secret.version. Without it the loser would record its own
    # value over the winner's while the winner's lookup record stays: a value nobody can see or
    # rotate out would authenticate as the project for good.
    scene = Scene(api)
    stale = secret_store.get_secret(scene.pid, app_secrets.SERVICE_KEY)
    winner = rotate(scene, "service_key")
    events = audit_actions(scene.pid)
    monkeypatch.setattr(secret_store, "get_secret", lambda project_id, name: stale)

    with refused(409, "conflict"):
        secret_cases.rotate(scene.pid, app_secrets.SERVICE_KEY, None, 0, "ann")
    monkeypatch.undo()
    assert scene.reveal("service_key") == winner
    assert lookups(scene.pid) == {digest(winner)}
    assert audit_actions(scene.pid) == [*events, "secret.revealed"]


def test_a_rotated_service_key_that_collides_with_another_projects_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: ServiceKeyModel.digest.does_not_exist() on the new value in rotate. Without it the
    # rotation would take over the other project's lookup record: that project's servers would
    # then authenticate as this one.
    first, second = Scene(api), Scene(api)
    taken, own = first.service_key, second.service_key
    monkeypatch.setattr(secret_cases, "new_value", lambda name: taken)

    reply = api.post(f"/v1/projects/{second.pid}/secrets/service_key/rotate", {"grace_seconds": 0}, as_user="ann")
    assert (reply.status, reply.code) == (409, "conflict")
    assert ServiceKeyModel.get(digest(taken), consistent_read=True).project_id == first.pid
    assert (lookups(first.pid), lookups(second.pid)) == ({digest(taken)}, {digest(own)})
    assert second.authenticates(own)


def test_a_reveal_that_read_the_project_before_its_deletion_began_shows_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: project_is_live() in _audit_use: the reveal's audit event is written before the
    # value is returned, so a deletion that began meanwhile stops the value being shown.
    scene = Scene(api)
    scene.begin_deletion(monkeypatch)
    events = audit_actions(scene.pid)

    with refused(404, "not_found"):
        secret_cases.reveal(scene.pid, app_secrets.SECURE_KEY, "ann")
    with refused(404, "not_found"):
        secret_store.record_signing(scene.pid, ["vk_user_id"], "ann")
    assert audit_actions(scene.pid) == events
