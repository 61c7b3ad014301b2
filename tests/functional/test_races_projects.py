"""Races against the conditional writes of chalicelib/store/projects.py (and the audit trail's).

Each test reads what a request would read, lets a concurrent change commit, then lets the
stale request go on, and checks what a user would notice: the error, and that nothing the
winner wrote was lost or written twice.
"""

from __future__ import annotations

import pytest

from chalicelib.domain import app_secrets
from chalicelib.domain.clock import now
from chalicelib.domain.ids import new_id
from chalicelib.services import keys as key_cases
from chalicelib.services import projects as project_cases
from chalicelib.services import secrets as secret_cases
from chalicelib.store import audit as audit_store
from chalicelib.store import keys as key_store
from chalicelib.store import nodes as node_store
from chalicelib.store import projects as project_store
from chalicelib.store import roles as role_store
from chalicelib.store.audit_models import AuditEventModel
from chalicelib.store.pepper import digest
from chalicelib.store.project_models import NodeModel, ProjectModel, RoleModel
from chalicelib.store.secret_models import ServiceKeyModel
from tests.functional.conftest import Api
from tests.functional.races import Scene, audit_actions, raw_project, refused


def project_ids(api: Api, user: str) -> list[str]:
    return [p["id"] for p in api.get("/v1/projects?limit=100", as_user=user).json["items"]]


# --- create_project: fresh ids must never overwrite ----------------------------------------


def test_a_new_project_whose_id_collides_with_anothers_overwrites_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guards: ProjectModel.id.does_not_exist() and the app secrets' name.does_not_exist() of the
    # same transaction (a colliding project id collides on both; each alone refuses it).
    first = Scene(api)
    before, secure_key, events = raw_project(first.pid), first.reveal("secure_key"), audit_actions(first.pid)
    monkeypatch.setattr(project_cases, "new_id", lambda prefix: first.pid)

    reply = api.post("/v1/projects", {"name": "Intruder"}, as_user="bob")
    assert (reply.status, reply.code) == (409, "conflict")
    assert raw_project(first.pid) == before  # name, creator, owner count: all the first project's
    assert project_ids(api, "bob") == []
    assert api.get(f"/v1/projects/{first.pid}", as_user="bob").status == 404  # bob did not become a member
    assert first.reveal("secure_key") == secure_key
    assert audit_actions(first.pid) == [*events, "secret.revealed"]


def test_a_new_projects_service_key_that_collides_with_anothers_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: ServiceKeyModel.digest.does_not_exist() in secrets.initial_items. Without it the new
    # project would take over the lookup record, and the first project's servers would act as it.
    first = Scene(api)
    taken = first.reveal("service_key")
    real_new_value = secret_cases.new_value
    monkeypatch.setattr(
        secret_cases, "new_value", lambda name: taken if name == app_secrets.SERVICE_KEY else real_new_value(name)
    )

    reply = api.post("/v1/projects", {"name": "Second"}, as_user="bob")
    assert (reply.status, reply.code) == (409, "conflict")
    assert ServiceKeyModel.get(digest(taken), consistent_read=True).project_id == first.pid
    assert project_ids(api, "bob") == []
    # The first project's servers still verify its keys with it.
    key_id, secret = first.issue(first.role())
    assert first.verify(secret)["key_id"] == key_id


def test_an_audit_event_whose_id_collides_with_an_older_one_replaces_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: AuditEventModel.id.does_not_exist() in audit.record: the change it records fails instead.
    scene = Scene(api)
    (oldest,) = list(AuditEventModel.query(scene.pid, consistent_read=True))
    monkeypatch.setattr(audit_store, "new_id", lambda prefix: oldest.id)

    reply = api.post(f"/v1/projects/{scene.pid}/nodes", {"name": "db", "kind": "input"}, as_user="ann")
    assert (reply.status, reply.code) == (409, "conflict")
    (still,) = list(AuditEventModel.query(scene.pid, consistent_read=True))
    assert (still.action, still.at, still.actor) == ("project.created", oldest.at, oldest.actor)
    assert list(NodeModel.query(scene.pid, consistent_read=True)) == []


# --- live(): every write to a project needs it to exist and not be deleting -----------------


def test_a_rename_that_read_the_project_before_its_deletion_began_changes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: condition=live() in update_project (its deleting_at.does_not_exist() part: the
    # deletion has begun but not finished).
    scene = Scene(api)
    stale = scene.project()
    scene.begin_deletion(monkeypatch)
    before, events = raw_project(scene.pid), audit_actions(scene.pid)

    with refused(404, "not_found"):
        project_store.update_project(stale, {"name": "Renamed"}, "ann")
    assert raw_project(scene.pid) == before
    assert audit_actions(scene.pid) == events


def test_writes_for_a_project_that_does_not_exist_create_nothing(api: Api) -> None:
    # Guard: live()'s ProjectModel.id.exists(). Projects are only deleted softly today, so a
    # project item goes missing only if it is removed by hand (or a purge, later); a write that
    # raced that must not recreate a bare project, nor add data to a project nobody can see.
    pid = new_id("prj")
    ghost = ProjectModel(pid, name="Ghost", created_at="x", created_by="ann", updated_at="x", owner_count=1)

    with refused(404, "not_found"):
        project_store.update_project(ghost, {"name": "Renamed"}, "ann")
    with refused(404, "not_found"):
        role_store.create_role(pid, "r", "", ["a:b"], "ann")
    with refused(404, "not_found"):
        node_store.create_node(pid, "db", "input", "ann")
    assert ProjectModel.count(pid, consistent_read=True) == 0
    assert list(RoleModel.query(pid)) == [] and list(NodeModel.query(pid)) == []
    assert audit_actions(pid) == []


# --- delete_project: one deletion, recorded once -----------------------------------------


def test_a_deletion_that_read_the_project_before_another_deletion_finished_changes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: condition=live() on step 1 of delete_project: the loser finds the project deleted
    # and stops, instead of marking a deleted project as deleting again.
    scene = Scene(api)
    stale = scene.project()
    assert api.delete(f"/v1/projects/{scene.pid}", as_user="ann").status == 204
    before = raw_project(scene.pid)
    later = now() + 60  # the loser runs a minute later, so a rewrite would show
    monkeypatch.setattr(project_store, "now", lambda: later)

    with refused(404, "not_found"):
        project_cases.delete_project(stale, "ann")
    assert raw_project(scene.pid) == before
    assert audit_actions(scene.pid).count("project.deleted") == 1


def test_two_deletions_that_both_began_finish_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard: deleted_at.does_not_exist() on step 3 of delete_project: of two runs past step 1
    # (a slow one and the owner's repeat that took over), only one marks the project deleted.
    scene = Scene(api)
    key_id, _ = scene.issue(scene.role())
    real_revoke_all = key_cases.revoke_all
    repeats: list[int] = []

    def the_owner_repeats_meanwhile(project_id: str, actor: str, reason: str) -> None:
        if not repeats:  # while the first run revokes keys, the owner's repeat runs to the end
            repeats.append(0)
            repeats[0] = api.delete(f"/v1/projects/{scene.pid}", as_user="ann").status
        real_revoke_all(project_id, actor, reason)

    monkeypatch.setattr(key_cases, "revoke_all", the_owner_repeats_meanwhile)
    first = api.delete(f"/v1/projects/{scene.pid}", as_user="ann")
    assert repeats == [204]
    assert (first.status, first.code) == (404, "not_found")  # found it finished by the repeat
    assert audit_actions(scene.pid).count("project.deleted") == 1
    assert key_store.get_key(scene.pid, key_id).revoked_at is not None
