"""Membership use cases: add, change or remove a member, and what it does to their keys.

load the target's membership → decide in the domain (authorize_member_change), once →
one transaction (store.members) with the first chunk of the member's keys → the rest of
their keys, a chunk at a time → forget those keys' cached verification records
"""

from __future__ import annotations

from chalicelib.domain.policy import (
    Action,
    MemberRole,
    authorize_member_change,
    key_right_change,
    may,
    roles_that_may,
)
from chalicelib.domain.principal import Principal
from chalicelib.errors import NotFoundError
from chalicelib.services.keys import forget
from chalicelib.store import key_holders, members, projects
from chalicelib.store.project_models import MemberModel, ProjectModel


def _target(
    project_id: str, actor: Principal, actor_membership: MemberModel | None, user_id: str
) -> MemberModel | None:
    return actor_membership if user_id == actor.sub else projects.get_membership(project_id, user_id)


def put_member(
    project: ProjectModel, actor: Principal, actor_membership: MemberModel | None, user_id: str, role: MemberRole
) -> MemberModel:
    """Adds a member or changes their role (owners manage all; admins all but owners)."""
    current = _target(project.id, actor, actor_membership, user_id)
    old_role = MemberRole(current.role) if current else None
    actor_role = MemberRole(actor_membership.role) if actor_membership else None
    authorize_member_change(actor, actor_role, user_id, old_role, role)
    if current is not None and old_role is role:
        # Nothing to change; but a repeat is how a caller finishes a change whose tail of key
        # flips was interrupted, so make every key say what the role says.
        lookups = key_holders.holder_digests(project.id, user_id)
        flip_keys(project.id, user_id, lookups, may(role, Action.HOLD_KEYS), actor.sub, start=0)
        return current
    right = key_right_change(old_role, role)
    member, lookups = members.put_member(project, user_id, role, current, actor.sub, right)
    if right is not None:
        try:
            flip_keys(project.id, user_id, lookups, right, actor.sub)
        finally:
            forget(lookups)
    return member


def remove_member(project: ProjectModel, actor: Principal, actor_membership: MemberModel | None, user_id: str) -> None:
    """Removes a member; any member may remove themselves, but not the last owner."""
    current = _target(project.id, actor, actor_membership, user_id)
    actor_role = MemberRole(actor_membership.role) if actor_membership else None
    authorize_member_change(actor, actor_role, user_id, MemberRole(current.role) if current else None, None)
    if current is None:
        raise NotFoundError("member not found")
    right = key_right_change(MemberRole(current.role), None)
    lookups = members.remove_member(project, current, actor.sub, right)
    if right is not None:
        try:
            flip_keys(project.id, current.user_id, lookups, right, actor.sub)
        finally:
            forget(lookups)


def flip_keys(
    project_id: str, owner_id: str, lookups: list[str], permitted: bool, actor: str, *, start: int = key_holders.CHUNK
) -> bool:
    """Makes the owner's keys from `start` on say `permitted`, a chunk per transaction, each on
    condition that the role still says so; False when a later change overtook this one.

    The first chunk committed with the membership change; these come after it, and the
    verification caches bound the delay anyway. Each chunk's keys are forgotten by the
    cache as it ends, committed or not.
    """
    holding = [role.value for role in roles_that_may(Action.HOLD_KEYS)]
    for begin in range(start, len(lookups), key_holders.CHUNK):
        chunk = lookups[begin : begin + key_holders.CHUNK]
        last = (actor, len(lookups)) if begin + key_holders.CHUNK >= len(lookups) else None
        try:
            if not key_holders.flip_chunk(project_id, owner_id, chunk, permitted, holding, last=last):
                return False
        finally:
            forget(chunk)
    return True
