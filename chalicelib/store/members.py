"""Membership changes as stored, with the project's owner count kept in the same transaction.

Who may change whom, and what a change does to the member's keys beyond the first chunk,
is the use case's (`services.members`); each write here requires what its caller read.
"""

from __future__ import annotations

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.page import Page
from chalicelib.domain.policy import MemberRole
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit, key_holders
from chalicelib.store.base import TransactionCancelledError, retrying, transaction
from chalicelib.store.pagination import query_page
from chalicelib.store.project_models import MemberModel, ProjectModel
from chalicelib.store.projects import get_project, live

_LAST_OWNER = "a project keeps at least one owner: make someone else owner first"
_RACED = "the membership changed while this request ran; read it again and retry"


def list_members(project_id: str, limit: int, cursor: str | None) -> Page[MemberModel]:
    return query_page(MemberModel, project_id, "user_id", limit, cursor, consistent_read=True)


def _owner_delta(old: MemberRole | None, new: MemberRole | None) -> int:
    return int(new is MemberRole.OWNER) - int(old is MemberRole.OWNER)


def put_member(
    project: ProjectModel,
    user_id: str,
    role: MemberRole,
    current: MemberModel | None,
    actor: str,
    right: bool | None = None,
) -> tuple[MemberModel, list[str]]:
    """Adds `user_id` with `role`, or changes their role; `current` is what the caller read.

    `right`: the "API calls" right the change grants (True) or takes (False), flipped on the
    member's first chunk of keys in the same transaction; returns the member and the lookup
    ids of all their keys (the rest are the caller's to flip, see key_holders.flip_chunk).
    """
    at = rfc3339(now())
    old_role = MemberRole(current.role) if current else None
    delta = _owner_delta(old_role, role)

    def attempt() -> tuple[MemberModel, list[str]]:
        digests: list[str] = []
        with transaction() as txn:
            # Item 0: the project must be live, and keep an owner when this demotes one.
            project_condition = live()
            if delta < 0:
                project_condition &= ProjectModel.owner_count > 1
            txn.update(
                project,
                actions=[ProjectModel.owner_count.add(delta)],
                condition=project_condition,
                label="project",
            )
            # Item 1: the membership, as the caller last read it (optimistic concurrency).
            if current is None:
                member = MemberModel(project.id, user_id, role=role.value, created_at=at, updated_at=at, added_by=actor)
                txn.save(member, condition=MemberModel.user_id.does_not_exist(), label="member")
                action, details = "member.added", {"role": role.value}
            else:
                member = current
                txn.update(
                    current,
                    actions=[MemberModel.role.set(role.value), MemberModel.updated_at.set(at)],
                    condition=MemberModel.role == current.role,
                    label="member",
                )
                action, details = "member.role_changed", {"from": current.role, "to": role.value}
            audit.record(txn, project.id, actor, action, ("member", user_id), details)
            if right is not None:
                digests = key_holders.add_owner_right(txn, project.id, user_id, right)
        return member, digests

    try:
        # A key issued to this person meanwhile changes the holder: read it again and retry.
        member, digests = retrying(attempt, retry_if=lambda error: error.failed == {"holder"})
    except TransactionCancelledError as error:
        raise _explain(error, project.id) from None
    member.role = role.value
    member.updated_at = at
    return member, digests


def remove_member(project: ProjectModel, current: MemberModel, actor: str, right: bool | None = None) -> list[str]:
    """Removes the member as the caller read them; `right` and the answer as for put_member."""
    old_role = MemberRole(current.role)
    delta = _owner_delta(old_role, None)

    def attempt() -> list[str]:
        digests: list[str] = []
        with transaction() as txn:
            project_condition = live()
            if delta < 0:
                project_condition &= ProjectModel.owner_count > 1
            txn.update(
                project, actions=[ProjectModel.owner_count.add(delta)], condition=project_condition, label="project"
            )
            txn.delete(current, condition=MemberModel.role == current.role, label="member")
            audit.record(txn, project.id, actor, "member.removed", ("member", current.user_id), {"role": current.role})
            if right is not None:
                digests = key_holders.add_owner_right(txn, project.id, current.user_id, right)
        return digests

    try:
        digests = retrying(attempt, retry_if=lambda error: error.failed == {"holder"})
    except TransactionCancelledError as error:
        raise _explain(error, project.id) from None
    return digests


def _explain(error: TransactionCancelledError, project_id: str) -> Exception:
    if "project" in error.failed:
        # Either the project went away or this would remove its last owner.
        try:
            get_project(project_id)
        except NotFoundError as gone:
            return gone
        return ConflictError(_LAST_OWNER)
    if error.failed & {"member", "holder"}:
        return ConflictError(_RACED)
    return error
