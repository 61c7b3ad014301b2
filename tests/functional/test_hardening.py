"""The defects an outside attack on the service found (issue 6), each reproduced and shown fixed.

Races are reproduced deterministically: the repository is handed what a request read
before a concurrent change committed, which is exactly what a losing request holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.services import keys as key_cases
from chalicelib.services import secrets as secret_cases
from chalicelib.store import key_holders as holder_store
from chalicelib.store import keys as key_store
from chalicelib.store import projects as project_store
from chalicelib.store import secrets as secret_store
from chalicelib.store.audit_models import AuditEventModel
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.project_models import ProjectModel
from chalicelib.store.secret_models import ServiceKeyModel
from tests.functional.conftest import Api, Reply

STALE = 3600  # seconds since login: too old for step-up


def reveal(api: Api, pid: str, name: str, **kw: Any) -> Reply:
    return api.post(f"/v1/projects/{pid}/secrets/{name}/reveal", as_user="ann", **kw)


def service_verify(api: Api, service_key: str, key: str = "kw_x") -> Reply:
    return api.post("/v1/keys/verify", {"key": key}, headers={"authorization": f"Bearer {service_key}"})


def role(api: Api, pid: str) -> str:
    reply = api.post(f"/v1/projects/{pid}/roles", {"name": "r", "permissions": ["a:b"]}, as_user="ann")
    assert reply.status == 201, reply.body
    role_id: str = reply.json["id"]
    return role_id


def create_key(api: Api, pid: str, role_id: str, **extra: Any) -> Reply:
    return api.post(
        f"/v1/projects/{pid}/keys", {"name": "k", "type": "opaque", "role_id": role_id, **extra}, as_user="ann"
    )


def audit_actions(pid: str) -> list[str]:
    return [e.action for e in AuditEventModel.query(pid)]


@pytest.fixture
def project(api: Api) -> Iterator[tuple[str, str]]:
    """A project owned by ann with a role; (project id, role id)."""
    pid = api.project(owner="ann", dev="developer")
    yield pid, role(api, pid)


# --- 1. deletion wins over every concurrent change, and is resumable -------------------


def test_a_rotation_that_read_the_project_before_its_deletion_fails(api: Api, project: tuple[str, str]) -> None:
    pid, _ = project
    old_service_key = reveal(api, pid, "service_key").json["value"]
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204

    # What a rotation that started before the deletion holds: it read the project live.
    with pytest.raises(Exception) as raised:
        secret_cases.rotate(pid, "service_key", None, 0, "ann")
    assert getattr(raised.value, "status", None) == 404
    assert [i for i in ServiceKeyModel.scan() if i.project_id == pid] == []
    assert service_verify(api, old_service_key).status == 401


def test_no_write_succeeds_against_a_project_being_deleted(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    stale = ProjectModel.get(pid, consistent_read=True)  # read before the deletion began
    ProjectModel(pid).update(actions=[ProjectModel.deleting_at.set("2026-11-23T00:00:00Z")])

    for attempt in (
        lambda: secret_cases.rotate(pid, "secure_key", None, 0, "ann"),
        lambda: key_cases.issue_key(stale, _spec(pid, role_id), "ann"),
        lambda: project_store.update_project(stale, {"name": "renamed"}, "ann"),
    ):
        with pytest.raises(Exception) as raised:
            attempt()
        assert getattr(raised.value, "status", None) == 404
    assert list(ApiKeyModel.query(pid)) == []
    # It is gone for everyone at once, even before the deletion finished.
    assert api.get(f"/v1/projects/{pid}", as_user="ann").status == 404
    assert api.put(f"/v1/projects/{pid}/members/zed", {"role": "viewer"}, as_user="ann").status == 404
    assert create_key(api, pid, role_id).status == 404


def _spec(pid: str, role_id: str) -> key_cases.NewKey:
    from chalicelib.store.roles import get_role

    return key_cases.NewKey(
        key_type="opaque",
        name="k",
        description="",
        owner_id="ann",
        role=get_role(pid, role_id),
        expires_at=None,
        meta={},
    )


def test_an_interrupted_deletion_leaves_the_project_gone_and_a_repeat_finishes_it(
    api: Api, project: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, role_id = project
    secret_keys = [create_key(api, pid, role_id).json["secret"]["key"] for _ in range(3)]
    service_key = reveal(api, pid, "service_key").json["value"]
    assert service_verify(api, service_key, secret_keys[0]).json["valid"] is True

    def broken(*args: Any, **kwargs: Any) -> None:
        from chalicelib.errors import ConflictError

        raise ConflictError("simulated: keys kept changing")

    with monkeypatch.context() as patched:
        patched.setattr(key_cases, "revoke_all", broken)
        interrupted = api.delete(f"/v1/projects/{pid}", as_user="ann")
    assert interrupted.status == 409
    # As a user sees it: the project is gone (not live with its keys half revoked)...
    assert api.get(f"/v1/projects/{pid}", as_user="ann").status == 404
    assert pid not in [p["id"] for p in api.get("/v1/projects", as_user="ann").json["items"]]
    # ...and the owner's repeat finishes the job.
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 404
    assert all(k.revoked_at is not None for k in ApiKeyModel.query(pid))
    assert service_verify(api, service_key, secret_keys[0]).status == 401
    assert "project.deleted" in audit_actions(pid)


def test_only_the_owner_may_finish_a_deletion(api: Api, project: tuple[str, str]) -> None:
    pid, _ = project
    api.put(f"/v1/projects/{pid}/members/adam", {"role": "admin"}, as_user="ann")
    ProjectModel(pid).update(actions=[ProjectModel.deleting_at.set("2026-11-23T00:00:00Z")])
    assert api.delete(f"/v1/projects/{pid}", as_user="adam").status == 403
    assert api.delete(f"/v1/projects/{pid}", as_user="mallory").status == 404
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204


def test_deleting_retires_a_service_key_still_in_its_grace_period(api: Api, project: tuple[str, str]) -> None:
    pid, _ = project
    old = reveal(api, pid, "service_key").json["value"]
    rotated = api.post(f"/v1/projects/{pid}/secrets/service_key/rotate", {"grace_seconds": 3600}, as_user="ann")
    new = rotated.json["value"]
    assert service_verify(api, old).status == 200 and service_verify(api, new).status == 200
    assert api.delete(f"/v1/projects/{pid}", as_user="ann").status == 204
    assert service_verify(api, old).status == 401 and service_verify(api, new).status == 401


# --- 2, 3. hostile bodies and timestamps are 4xx, never 500 -----------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_malformed_on_every_kind_of_route(api: Api, project: tuple[str, str], depth: int) -> None:
    pid, role_id = project
    nested = "[" * depth + "]" * depth
    bodies = [
        ("POST", f"/v1/projects/{pid}/keys", '{"name": "k", "type": "opaque", "role_id": "%s", "meta": {"a": %s}}'),
        ("PATCH", f"/v1/projects/{pid}", '{"name": %s}'),
        ("POST", "/v1/projects", '{"name": %s}'),
    ]
    for method, path, template in bodies:
        body = template % ((role_id, nested) if "role_id" in template else (nested,))
        reply = api.request(method, path, body=body, as_user="ann")
        # 400 when the decoder gives up on the depth; 422 when the schema rejects the value first.
        assert (reply.status, reply.code) in {(400, "malformed_request"), (422, "validation_failed")}, (
            method,
            path,
            reply.body[:200],
        )
        if "meta" in template:  # meta takes any JSON: only the depth can stop it
            assert reply.status == 400


def test_meta_nested_past_eight_levels_is_422_on_meta(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    meta: dict[str, Any] = {"v": 1}
    for _ in range(8):
        meta = {"n": meta}
    reply = create_key(api, pid, role_id, meta=meta)
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert [e["field"] for e in reply.json["errors"]] == ["meta"]
    assert create_key(api, pid, role_id, meta=meta["n"]).status == 201


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+00:01"])
def test_timestamps_outside_what_utc_can_hold_are_422_naming_the_field(
    api: Api, project: tuple[str, str], stamp: str
) -> None:
    pid, role_id = project
    created = create_key(api, pid, role_id, expires_at=stamp)
    assert (created.status, created.code) == (422, "validation_failed"), created.body
    assert [e["field"] for e in created.json["errors"]] == ["expires_at"]

    key_id = create_key(api, pid, role_id).json["key"]["id"]
    patched = api.patch(f"/v1/projects/{pid}/keys/{key_id}", {"expires_at": stamp}, as_user="ann")
    assert (patched.status, patched.code) == (422, "validation_failed")
    assert [e["field"] for e in patched.json["errors"]] == ["expires_at"]

    since = stamp.replace("+", "%2B")
    listed = api.get(f"/v1/projects/{pid}/revoked-keys?since={since}", as_user="ann")
    assert (listed.status, listed.code) == (422, "validation_failed"), listed.body
    assert [e["field"] for e in listed.json["errors"]] == ["since"]


def test_the_last_second_of_year_9999_is_a_valid_expiry(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    created = create_key(api, pid, role_id, expires_at="9999-12-31T23:59:59Z")
    assert created.status == 201, created.body
    assert created.json["key"]["expires_at"] == "9999-12-31T23:59:59Z"
    listed = api.get(f"/v1/projects/{pid}/revoked-keys?since=1900-01-01T00:00:00Z", as_user="ann")
    assert listed.status == 200


# --- 7. idempotency: conflicts are not kept; reveals are never replayed -----------------


def test_a_conflict_with_a_concurrent_change_is_not_kept_and_the_retry_runs_again(
    api: Api, project: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, _ = project
    path = f"/v1/projects/{pid}/secrets/secure_key/rotate"
    once = {"idempotency-key": "rotate-once"}
    before = secret_store.get_secret(pid, "secure_key")
    assert api.post(path, {}, as_user="ann").status == 200  # someone else's rotation commits first

    with monkeypatch.context() as patched:
        patched.setattr(secret_store, "get_secret", lambda project_id, name: before)  # our request read before it
        conflicted = api.post(path, {}, as_user="ann", headers=once)
    assert (conflicted.status, conflicted.code) == (409, "conflict")

    retried = api.post(path, {}, as_user="ann", headers=once)
    assert retried.status == 200, retried.body
    assert "idempotent-replayed" not in retried.headers
    again = api.post(path, {}, as_user="ann", headers=once)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json == retried.json


def test_a_reveal_is_never_replayed_it_reads_the_current_value_and_is_audited(
    api: Api, project: tuple[str, str]
) -> None:
    pid, _ = project
    once = {"idempotency-key": "reveal-once"}
    first = reveal(api, pid, "secure_key", headers=once)
    rotated = api.post(f"/v1/projects/{pid}/secrets/secure_key/rotate", {}, as_user="ann").json["value"]
    second = reveal(api, pid, "secure_key", headers=once)
    assert second.status == 200 and "idempotent-replayed" not in second.headers
    assert second.json["value"] == rotated != first.json["value"]
    assert audit_actions(pid).count("secret.revealed") == 2


# --- 8. a key has at most one successor --------------------------------------------------


def test_a_reroll_of_a_rerolled_key_is_409_naming_the_successor(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    key_id = create_key(api, pid, role_id).json["key"]["id"]
    path = f"/v1/projects/{pid}/keys/{key_id}/reroll"
    successor = api.post(path, {"grace_seconds": 60}, as_user="ann")
    assert successor.status == 200
    again = api.post(path, {"grace_seconds": 60}, as_user="ann")
    assert (again.status, again.code) == (409, "conflict")
    assert again.json["rerolled_to"] == successor.json["key"]["id"]


def test_of_concurrent_rerolls_one_makes_a_successor(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    key_id = create_key(api, pid, role_id).json["key"]["id"]
    stale = key_store.get_key(pid, key_id)  # what every racing reroll read
    role_model = _spec(pid, role_id).role
    winner = key_cases.reroll_key(ProjectModel.get(pid), stale, role_model, 60, "ann").key

    with pytest.raises(Exception) as raised:
        key_cases.reroll_key(ProjectModel.get(pid), stale, role_model, 60, "ann")
    assert getattr(raised.value, "status", None) == 409
    assert raised.value.extensions() == {"rerolled_to": winner.id}  # type: ignore[attr-defined]
    assert len(list(ApiKeyModel.query(pid))) == 2  # the key and its one successor


# --- 10. signing launch parameters is as strong as a reveal ------------------------------


def test_signing_launch_parameters_needs_a_fresh_login_and_is_audited_without_values(
    api: Api, project: tuple[str, str]
) -> None:
    pid, _ = project
    path = f"/v1/projects/{pid}/launch-params/sign"
    params = {"vk_user_id": "494075", "vk_app_id": "6736218"}
    stale = api.post(path, {"params": params}, as_user="ann", auth_age=STALE)
    assert (stale.status, stale.code) == (401, "step_up_required")
    assert "insufficient_user_authentication" in stale.headers["www-authenticate"]

    signed = api.post(path, {"params": params}, as_user="ann", headers={"idempotency-key": "sign-1"})
    assert signed.status == 200
    again = api.post(path, {"params": params}, as_user="ann", headers={"idempotency-key": "sign-1"})
    assert "idempotent-replayed" not in again.headers
    events = [e for e in AuditEventModel.query(pid) if e.action == "launch_params.signed"]
    assert len(events) == 2
    assert events[0].details == {"params": ["vk_app_id", "vk_user_id"]}
    stored = json.dumps([e.details for e in AuditEventModel.query(pid)])
    assert "494075" not in stored and signed.json["sign"] not in stored


# --- 11. interoperability: VK's own secure keys, short-lived keys -------------------------


def test_a_secure_key_as_vk_issues_it_can_be_imported(api: Api, project: tuple[str, str]) -> None:
    pid, _ = project
    path = f"/v1/projects/{pid}/secrets/secure_key/rotate"
    vk_example = "wvl68m4dR1UpLrVRli"  # 18 characters, from VK's launch-parameter documentation
    imported = api.post(path, {"value": vk_example}, as_user="ann")
    assert imported.status == 200, imported.body
    assert reveal(api, pid, "secure_key").json["value"] == vk_example
    for bad in ("x" * 15, "x" * 129, "tab\there-1234567", "ключ-ключ-ключ-ключ"):
        reply = api.post(path, {"value": bad}, as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), bad


def test_a_key_may_live_for_one_second(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    assert create_key(api, pid, role_id, ttl_seconds=1).status == 201
    zero = create_key(api, pid, role_id, ttl_seconds=0)
    assert (zero.status, zero.code) == (422, "validation_failed")


# --- 12. parallel creations do not conflict with each other ------------------------------


def test_a_key_issued_while_the_owners_role_changes_without_losing_the_right_is_retried(
    api: Api, project: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, role_id = project
    real = key_cases.owner_role
    calls = {"n": 0}

    def role_changes_after_the_read(project_id: str, owner_id: str) -> Any:
        member = real(project_id, owner_id)
        calls["n"] += 1
        if calls["n"] == 1:  # a concurrent promotion commits between our read and our write
            assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "editor"}, as_user="ann").status == 200
        return member

    monkeypatch.setattr(key_cases, "owner_role", role_changes_after_the_read)
    created = create_key(api, pid, role_id, owner_id="dev")
    assert created.status == 201, created.body
    assert calls["n"] == 2  # read again and retried inside, instead of answering 409


def test_a_key_issued_while_the_owner_loses_the_right_is_refused(
    api: Api, project: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, role_id = project
    real = key_cases.owner_role
    calls = {"n": 0}

    def demoted_after_the_read(project_id: str, owner_id: str) -> Any:
        member = real(project_id, owner_id)
        calls["n"] += 1
        if calls["n"] == 1:
            assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="ann").status == 200
        return member

    monkeypatch.setattr(key_cases, "owner_role", demoted_after_the_read)
    created = create_key(api, pid, role_id, owner_id="dev")
    assert (created.status, created.code) == (422, "owner_not_permitted")
    assert list(ApiKeyModel.query(pid)) == []


def test_a_membership_change_that_read_the_holder_before_a_new_key_still_reaches_it(
    api: Api, project: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, role_id = project
    first = create_key(api, pid, role_id, owner_id="dev").json["secret"]["key"]
    service_key = reveal(api, pid, "service_key").json["value"]
    real = holder_store.add_owner_right
    late: list[str] = []

    def key_issued_after_the_read(*args: Any) -> list[str]:
        digests = real(*args)  # the demotion read dev's keys and put its flips in its transaction
        if not late:  # a key is issued to dev before that transaction commits
            late.append(create_key(api, pid, role_id, owner_id="dev").json["secret"]["key"])
        return digests

    monkeypatch.setattr(holder_store, "add_owner_right", key_issued_after_the_read)
    demoted = api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="ann")
    assert demoted.status == 200, demoted.body  # read again and retried inside, not 409
    for key in (first, *late):
        assert service_verify(api, service_key, key).json["code"] == "OWNER_NOT_PERMITTED"


def test_revocations_racing_each_other_both_succeed(api: Api, project: tuple[str, str]) -> None:
    pid, role_id = project
    ids = [create_key(api, pid, role_id).json["key"]["id"] for _ in range(3)]
    stale = [key_store.get_key(pid, key_id) for key_id in ids]  # what a batch delete read
    assert api.delete(f"/v1/projects/{pid}/keys/{ids[1]}", as_user="ann").status == 204  # someone else was faster

    revoked = key_cases.revoke_keys(pid, stale, "ann")
    assert revoked == [ids[0], ids[2]]  # the one revoked meanwhile is left out, not a 409
    assert all(key_store.get_key(pid, key_id).revoked_at is not None for key_id in ids)
    assert audit_actions(pid).count("key.revoked") == 2
