"""Races against the conditional writes of chalicelib/store/members.py.

The owner count lives on the project item and changes in the membership's transaction
(README: "so this holds under concurrency"). Each test lets a request read a membership,
lets a concurrent change commit, then hands the repository what the loser read, and checks
that the loser is refused and the count still equals the owners there are.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.policy import MemberRole
from chalicelib.store import members as member_store
from chalicelib.store.project_models import MemberModel, ProjectModel
from chalicelib.store.projects import get_membership
from tests.functional.conftest import Api
from tests.functional.races import Scene, audit_actions, raw_project, refused


def roles_of(pid: str) -> dict[str, str]:
    return {m.user_id: m.role for m in MemberModel.query(pid, consistent_read=True)}


def owner_count(pid: str) -> int:
    return int(ProjectModel.get(pid, consistent_read=True).owner_count)


def read(pid: str, user_id: str) -> MemberModel:
    member = get_membership(pid, user_id)
    assert member is not None
    return member


def assert_count_matches(pid: str) -> None:
    owners = [u for u, r in roles_of(pid).items() if r == "owner"]
    assert owner_count(pid) == len(owners) >= 1, (owner_count(pid), owners)


# --- the project keeps an owner ---------------------------------------------------------


def test_two_owners_demoting_each_other_at_once_leave_one_owner(api: Api) -> None:
    # Guard: owner_count > 1 in put_member's project condition, evaluated at commit.
    scene = Scene(api, olga="owner")
    project, ann = scene.project(), read(scene.pid, "ann")  # olga's request reads ann as owner
    assert api.put(f"/v1/projects/{scene.pid}/members/olga", {"role": "admin"}, as_user="ann").status == 200

    with refused(409, "conflict"):
        member_store.put_member(project, "ann", MemberRole.ADMIN, ann, "olga")
    assert roles_of(scene.pid) == {"ann": "owner", "olga": "admin"}
    assert_count_matches(scene.pid)


def test_two_owners_removing_each_other_at_once_leave_one_owner(api: Api) -> None:
    # Guard: owner_count > 1 in remove_member's project condition.
    scene = Scene(api, olga="owner")
    project, ann = scene.project(), read(scene.pid, "ann")
    assert api.delete(f"/v1/projects/{scene.pid}/members/olga", as_user="ann").status == 204

    with refused(409, "conflict"):
        member_store.remove_member(project, ann, "olga")
    assert roles_of(scene.pid) == {"ann": "owner"}
    assert_count_matches(scene.pid)


# --- the membership as the request read it (optimistic concurrency) --------------------------


def test_a_member_added_twice_at_once_is_added_once(api: Api) -> None:
    # Guard: MemberModel.user_id.does_not_exist() when put_member adds. The loser read "no such
    # member" and would add bob as a viewer over the owner the winner made him, leaving an owner
    # count of 2 with one owner: ann could then leave the project ownerless.
    scene = Scene(api)
    project = scene.project()
    assert get_membership(scene.pid, "bob") is None
    assert api.put(f"/v1/projects/{scene.pid}/members/bob", {"role": "owner"}, as_user="ann").status == 200
    events = audit_actions(scene.pid)

    with refused(409, "conflict"):
        member_store.put_member(project, "bob", MemberRole.VIEWER, None, "ann")
    assert roles_of(scene.pid) == {"ann": "owner", "bob": "owner"}
    assert_count_matches(scene.pid)
    assert audit_actions(scene.pid) == events


def test_a_role_change_that_read_an_older_role_is_refused(api: Api) -> None:
    # Guard: MemberModel.role == current.role on put_member's update. The loser read bob as a
    # developer (no owner to count) while the winner made him owner.
    scene = Scene(api, bob="developer")
    project, bob = scene.project(), read(scene.pid, "bob")
    assert api.put(f"/v1/projects/{scene.pid}/members/bob", {"role": "owner"}, as_user="ann").status == 200
    events = audit_actions(scene.pid)

    with refused(409, "conflict"):
        member_store.put_member(project, "bob", MemberRole.VIEWER, bob, "ann")
    assert roles_of(scene.pid) == {"ann": "owner", "bob": "owner"}
    assert_count_matches(scene.pid)
    assert audit_actions(scene.pid) == events


def test_a_removal_that_read_an_older_role_is_refused(api: Api) -> None:
    # Guard: MemberModel.role == current.role on remove_member's delete.
    scene = Scene(api, bob="developer")
    project, bob = scene.project(), read(scene.pid, "bob")
    assert api.put(f"/v1/projects/{scene.pid}/members/bob", {"role": "owner"}, as_user="ann").status == 200
    events = audit_actions(scene.pid)

    with refused(409, "conflict"):
        member_store.remove_member(project, bob, "ann")
    assert roles_of(scene.pid) == {"ann": "owner", "bob": "owner"}
    assert_count_matches(scene.pid)
    assert audit_actions(scene.pid) == events


# --- deletion wins ---------------------------------------------------------------------


def test_membership_changes_that_read_the_project_before_its_deletion_began_change_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: live() in the project condition of put_member and remove_member.
    scene = Scene(api, bob="developer")
    project, bob = scene.project(), read(scene.pid, "bob")
    scene.begin_deletion(monkeypatch)
    before, members, events = raw_project(scene.pid), roles_of(scene.pid), audit_actions(scene.pid)

    with refused(404, "not_found"):
        member_store.put_member(project, "carol", MemberRole.OWNER, None, "ann")
    with refused(404, "not_found"):
        member_store.put_member(project, "bob", MemberRole.VIEWER, bob, "ann")
    with refused(404, "not_found"):
        member_store.remove_member(project, bob, "ann")
    assert (raw_project(scene.pid), roles_of(scene.pid), audit_actions(scene.pid)) == (before, members, events)
