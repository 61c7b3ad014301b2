"""The rights table of API.md, checked cell by cell for every role, an outsider and a system admin."""

from __future__ import annotations

import pytest

from chalicelib.domain.policy import Action, MemberRole, authorize, authorize_member_change
from chalicelib.domain.principal import Principal
from chalicelib.errors import ForbiddenError, NotFoundError

# API.md, "Membership", written out by hand: a change to RIGHTS that breaks the contract fails here.
# `edit_project` (PATCH the project's name and description) is not a row of API.md; editors are
# "admin with partial access and the right to edit", so editors and up may rename.
# "manage members ... delete project: owner | admin, not owners": admins manage members below
# owner; deleting the project, which revokes every key, is the owner's alone.
_TABLE = """
action               owner  admin  editor  developer  viewer
read_project         yes    yes    yes     yes        yes
hold_keys            yes    yes    yes     yes        no
request_keys         yes    yes    yes     yes        no
manage_app_secrets   yes    yes    yes     no         no
edit_project         yes    yes    yes     no         no
manage_config        yes    yes    yes     no         no
manage_keys          yes    yes    no      no         no
decide_requests      yes    yes    no      no         no
manage_webhooks      yes    yes    no      no         no
read_audit           yes    yes    no      no         no
manage_members       yes    yes    no      no         no
delete_project       yes    no     no      no         no
"""


def _expected() -> dict[tuple[MemberRole, Action], bool]:
    header, *rows = (line.split() for line in _TABLE.strip().splitlines())
    roles = [MemberRole(name) for name in header[1:]]
    table = {}
    for action_name, *cells in rows:
        assert len(cells) == len(roles), action_name
        for role, cell in zip(roles, cells, strict=True):
            assert cell in ("yes", "no"), cell
            table[(role, Action(action_name))] = cell == "yes"
    return table


EXPECTED = _expected()
PERSON = Principal(sub="pat", groups=frozenset(), auth_time=None, is_system_admin=False)
ROOT = Principal(sub="root", groups=frozenset({"keywarden-admins"}), auth_time=None, is_system_admin=True)


def test_the_table_names_every_action_and_every_role() -> None:
    assert {action for _, action in EXPECTED} == set(Action)
    assert {role for role, _ in EXPECTED} == set(MemberRole)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("role", list(MemberRole), ids=lambda r: r.value)
def test_member_rights_follow_the_table(role: MemberRole, action: Action) -> None:
    if EXPECTED[(role, action)]:
        assert authorize(PERSON, role, action) is role
    else:
        with pytest.raises(ForbiddenError) as raised:
            authorize(PERSON, role, action)
        assert raised.value.status == 403


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_outsider_is_told_the_project_does_not_exist(action: Action) -> None:
    with pytest.raises(NotFoundError) as raised:
        authorize(PERSON, None, action)
    assert raised.value.status == 404


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_system_admin_without_membership_acts_as_owner(action: Action) -> None:
    assert authorize(ROOT, None, action) is MemberRole.OWNER


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_system_admin_who_is_a_viewer_still_acts_as_owner(action: Action) -> None:
    assert authorize(ROOT, MemberRole.VIEWER, action) is MemberRole.OWNER


# --- member changes -----------------------------------------------------------------------

OWNER, ADMIN, EDITOR = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.EDITOR
DEVELOPER, VIEWER = MemberRole.DEVELOPER, MemberRole.VIEWER
ALL_ROLES = [OWNER, ADMIN, EDITOR, DEVELOPER, VIEWER]
# (current role of the target: None = not yet a member, new role: None = remove)
ALL_CHANGES = [(None, new) for new in ALL_ROLES] + [
    (current, new) for current in ALL_ROLES for new in [*ALL_ROLES, None]
]


def _change_id(change: tuple[MemberRole | None, MemberRole | None]) -> str:
    current, new = change
    return f"{current.value if current else 'outsider'}->{new.value if new else 'removed'}"


@pytest.mark.parametrize("change", ALL_CHANGES, ids=_change_id)
def test_owner_may_make_any_change_to_anyone(change: tuple[MemberRole | None, MemberRole | None]) -> None:
    authorize_member_change(PERSON, OWNER, "sam", *change)


@pytest.mark.parametrize("change", ALL_CHANGES, ids=_change_id)
def test_system_admin_may_make_any_change_without_membership(
    change: tuple[MemberRole | None, MemberRole | None],
) -> None:
    authorize_member_change(ROOT, None, "sam", *change)


@pytest.mark.parametrize("change", ALL_CHANGES, ids=_change_id)
def test_admin_may_not_make_change_or_remove_an_owner_but_may_do_the_rest(
    change: tuple[MemberRole | None, MemberRole | None],
) -> None:
    current, new = change
    if OWNER in (current, new):
        with pytest.raises(ForbiddenError):
            authorize_member_change(PERSON, ADMIN, "sam", current, new)
    else:
        authorize_member_change(PERSON, ADMIN, "sam", current, new)


@pytest.mark.parametrize("actor", [EDITOR, DEVELOPER, VIEWER], ids=lambda r: r.value)
@pytest.mark.parametrize("change", ALL_CHANGES, ids=_change_id)
def test_editors_developers_and_viewers_may_not_manage_others(
    actor: MemberRole, change: tuple[MemberRole | None, MemberRole | None]
) -> None:
    with pytest.raises(ForbiddenError):
        authorize_member_change(PERSON, actor, "sam", *change)


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
def test_any_member_may_leave(role: MemberRole) -> None:
    authorize_member_change(PERSON, role, PERSON.sub, role, None)


@pytest.mark.parametrize(
    ("role", "new"), [(VIEWER, ADMIN), (VIEWER, DEVELOPER), (DEVELOPER, EDITOR), (EDITOR, ADMIN), (ADMIN, OWNER)]
)
def test_members_may_not_promote_themselves(role: MemberRole, new: MemberRole) -> None:
    with pytest.raises(ForbiddenError):
        authorize_member_change(PERSON, role, PERSON.sub, role, new)


@pytest.mark.parametrize("change", [*ALL_CHANGES, (None, None)], ids=_change_id)
@pytest.mark.parametrize("target", ["sam", PERSON.sub], ids=["other", "self"])
def test_outsider_changing_members_is_told_the_project_does_not_exist(
    target: str, change: tuple[MemberRole | None, MemberRole | None]
) -> None:
    with pytest.raises(NotFoundError):
        authorize_member_change(PERSON, None, target, *change)
