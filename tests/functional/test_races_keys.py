"""Races against the conditional writes of chalicelib/store/keys.py.

Already covered elsewhere, not repeated here (tests/functional/test_hardening.py): the owner's
role changing while a key is issued (MemberModel.role == member.role), concurrent rerolls
(rerolled_to.does_not_exist()), a key issued or a rotation run after a deletion began
(project_is_live in add_key_items), and a key issued to an owner who already holds one while
their right changes (_holder_unchanged, version > 0).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api import keys as key_routes
from chalicelib.domain import opaque_keys
from chalicelib.domain.clock import now
from chalicelib.services import keys as key_cases
from chalicelib.store import key_holders as holder_store
from chalicelib.store import keys as key_store
from chalicelib.store.key_models import ApiKeyModel, KeyLookupModel
from chalicelib.store.pepper import digest
from chalicelib.store.project_models import RoleModel
from tests.functional.conftest import Api
from tests.functional.races import Scene, audit_actions, refused


def stored_key(pid: str, key_id: str) -> dict[str, Any]:
    return dict(ApiKeyModel.get(pid, key_id, consistent_read=True).attribute_values)


def stored_lookup(secret: str) -> dict[str, Any]:
    return dict(KeyLookupModel.get(digest(secret), consistent_read=True).attribute_values)


def key_ids(pid: str) -> list[str]:
    return [k.id for k in ApiKeyModel.query(pid, consistent_read=True)]


# --- issuing ---------------------------------------------------------------------------


def test_a_key_issued_with_a_role_deleted_meanwhile_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: RoleModel.id.exists() on the role's count in add_key_items. Without it the count's
    # ADD would recreate the deleted role as a bare item, and the key would name a role nobody sees.
    scene = Scene(api)
    role_id = scene.role()
    real = key_routes._role_for_key

    def deleted_after_the_read(project_id: str, wanted: str) -> Any:
        role = real(project_id, wanted)
        assert api.delete(f"/v1/projects/{scene.pid}/roles/{wanted}", as_user="ann").status == 204
        return role

    monkeypatch.setattr(key_routes, "_role_for_key", deleted_after_the_read)
    reply = scene.issue_reply(role_id)
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
    assert [e["field"] for e in reply.json["errors"]] == ["role_id"]
    assert key_ids(scene.pid) == []
    assert list(RoleModel.query(scene.pid, consistent_read=True)) == []


def test_a_new_key_whose_id_collides_overwrites_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: ApiKeyModel.id.does_not_exist(). An overwrite would point the old key's record at the
    # new secret: revoking "the old key" would then leave its secret working.
    scene = Scene(api)
    role_id = scene.role()
    key_id, secret = scene.issue(role_id)
    before, events = stored_key(scene.pid, key_id), audit_actions(scene.pid)
    monkeypatch.setattr(key_cases, "new_id", lambda prefix: key_id)

    reply = scene.issue_reply(role_id, name="second")
    assert (reply.status, reply.code) == (409, "conflict")
    assert stored_key(scene.pid, key_id) == before
    assert key_ids(scene.pid) == [key_id]
    assert scene.verify(secret)["key_id"] == key_id
    assert audit_actions(scene.pid) == events


def test_a_new_key_whose_secret_collides_takes_over_no_lookup_record(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: KeyLookupModel.digest.does_not_exist(). An overwrite would make the old secret
    # verify as the new key (its owner, role and permissions).
    scene = Scene(api)
    key_id, secret = scene.issue(scene.role())
    other_role = scene.role("other")
    before = stored_lookup(secret)
    monkeypatch.setattr(opaque_keys, "generate", lambda prefix="kw": secret)

    reply = scene.issue_reply(other_role, name="second")
    assert (reply.status, reply.code) == (409, "conflict")
    assert stored_lookup(secret) == before
    assert key_ids(scene.pid) == [key_id]
    assert scene.verify(secret)["key_id"] == key_id


# --- changing a key that was revoked meanwhile ------------------------------------------


def test_a_reroll_that_read_the_key_before_its_revocation_is_refused(api: Api) -> None:
    # Guard: ApiKeyModel.revoked_at.does_not_exist() on the old key in reroll_key: a reroll must
    # not give a revoked key a working successor.
    scene = Scene(api)
    role_id = scene.role()
    key_id, secret = scene.issue(role_id)
    stale = key_store.get_key(scene.pid, key_id)
    assert api.delete(f"/v1/projects/{scene.pid}/keys/{key_id}", as_user="ann").status == 204
    before, events = stored_key(scene.pid, key_id), audit_actions(scene.pid)

    with refused(409, "conflict"):
        key_cases.reroll_key(scene.project(), stale, scene.spec(role_id).role, 60, "ann")
    assert key_ids(scene.pid) == [key_id]
    assert stored_key(scene.pid, key_id) == before
    assert scene.verify(secret)["valid"] is False
    assert audit_actions(scene.pid) == events


def test_a_change_that_read_the_key_before_its_revocation_is_refused(api: Api) -> None:
    # Guard: ApiKeyModel.revoked_at.does_not_exist() in update_key (a PATCH racing a DELETE).
    scene = Scene(api)
    key_id, secret = scene.issue(scene.role())
    stale = key_store.get_key(scene.pid, key_id)
    assert api.delete(f"/v1/projects/{scene.pid}/keys/{key_id}", as_user="ann").status == 204
    before, lookup, events = stored_key(scene.pid, key_id), stored_lookup(secret), audit_actions(scene.pid)

    with refused(409, "conflict"):
        key_store.update_key(stale, {"name": "renamed", "expires_at": now() + 3600}, "ann")
    assert (stored_key(scene.pid, key_id), stored_lookup(secret)) == (before, lookup)
    assert audit_actions(scene.pid) == events


def test_a_key_revoked_twice_at_once_is_revoked_once(api: Api) -> None:
    # Guard: ApiKeyModel.revoked_at.does_not_exist() in add_revocations. Revocations commute: the
    # loser reads the key again, finds it revoked and leaves it out (no 409). Without the guard it
    # would revoke it a second time and count it off its role twice: the role would look unused
    # while another key still has it, and could be deleted under that key.
    scene = Scene(api)
    role_id = scene.role()
    first, _ = scene.issue(role_id)
    scene.issue(role_id)
    stale = key_store.get_key(scene.pid, first)
    assert api.delete(f"/v1/projects/{scene.pid}/keys/{first}", as_user="ann").status == 204
    before = stored_key(scene.pid, first)

    assert key_cases.revoke_keys(scene.pid, [stale], "ann") == []  # nothing left for the loser to revoke
    assert stored_key(scene.pid, first) == before
    assert audit_actions(scene.pid).count("key.revoked") == 1
    in_use = api.delete(f"/v1/projects/{scene.pid}/roles/{role_id}", as_user="ann")
    assert (in_use.status, in_use.code) == (409, "conflict")


def test_a_key_change_that_read_the_project_before_its_deletion_began_changes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: project_is_live() in update_key. The deletion began but revoked nothing yet, so
    # only the project's state can refuse the change.
    scene = Scene(api)
    key_id, _ = scene.issue(scene.role())
    stale = key_store.get_key(scene.pid, key_id)
    scene.begin_deletion(monkeypatch)
    before, events = stored_key(scene.pid, key_id), audit_actions(scene.pid)

    with refused(404, "not_found"):
        key_store.update_key(stale, {"name": "renamed"}, "ann")
    assert stored_key(scene.pid, key_id) == before
    assert audit_actions(scene.pid) == events


# --- the owner's right reaches every key -------------------------------------------------


def test_a_demotion_that_read_no_keys_still_reaches_the_first_key_issued_meanwhile(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: _holder_unchanged for an owner without keys (the holder item does not exist yet):
    # the first key issued meanwhile creates it, so the demotion must read it again and retry.
    scene = Scene(api, dev="developer")
    role_id = scene.role()
    real = holder_store.add_owner_right
    late: list[str] = []

    def key_issued_after_the_read(*args: Any) -> list[str]:
        digests = real(*args)
        if not late:
            late.append(scene.issue(role_id, owner_id="dev")[1])
        return digests

    monkeypatch.setattr(holder_store, "add_owner_right", key_issued_after_the_read)
    demoted = api.put(f"/v1/projects/{scene.pid}/members/dev", {"role": "viewer"}, as_user="ann")
    assert demoted.status == 200, demoted.body
    assert scene.verify(late[0])["code"] == "OWNER_NOT_PERMITTED"
