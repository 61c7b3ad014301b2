"""Membership changes, with the project's owner count kept in the same transaction."""

from __future__ import annotations

from chalicelib import cache
from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.page import Page
from chalicelib.domain.policy import Action, MemberRole, may
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit, key_holders
from chalicelib.store.base import TransactionCancelledError, retrying, transaction
from chalicelib.store.models import MemberModel, ProjectModel
from chalicelib.store.pagination import query_page
from chalicelib.store.projects import live

_LAST_OWNER = "a project keeps at least one owner: make someone else owner first"
_RACED = "the membership changed while this request ran; read it again and retry"


def list_members(project_id: str, limit: int, cursor: str | None) -> Page[MemberModel]:
    return query_page(MemberModel, project_id, "user_id", limit, cursor, consistent_read=True)


def _owner_delta(old: MemberRole | None, new: MemberRole | None) -> int:
    return int(new is MemberRole.OWNER) - int(old is MemberRole.OWNER)


def put_member(
    project: ProjectModel, user_id: str, role: MemberRole, current: MemberModel | None, actor: str
) -> MemberModel:
    """Adds `user_id` with `role`, or changes their role; `current` is what the caller read."""
    at = rfc3339(now())
    old_role = MemberRole(current.role) if current else None
    if current is not None and old_role is role:
        # Nothing to change; but a repeat is how a caller finishes a change whose tail of key
        # flips was interrupted, so make every key say what the role says.
        digests = key_holders.holder_digests(project.id, user_id)
        key_holders.flip_remaining(project.id, user_id, digests, may(role, Action.HOLD_KEYS), actor, start=0)
        return current
    delta = _owner_delta(old_role, role)
    right = key_holders.owner_right_changes(old_role, role)

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
    if right is not None:
        # The keys past the first chunk, after the commit and on condition that the role still
        # says so (see flip_remaining); verification caches bound the delay anyway.
        key_holders.flip_remaining(project.id, user_id, digests, right, actor)
    cache.key_records.invalidate(digests)
    member.role = role.value
    member.updated_at = at
    return member


def remove_member(project: ProjectModel, current: MemberModel, actor: str) -> None:
    old_role = MemberRole(current.role)
    delta = _owner_delta(old_role, None)
    right = key_holders.owner_right_changes(old_role, None)

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
    if right is not None:
        key_holders.flip_remaining(project.id, current.user_id, digests, right, actor)
    cache.key_records.invalidate(digests)


def _explain(error: TransactionCancelledError, project_id: str) -> Exception:
    if "project" in error.failed:
        # Either the project went away or this would remove its last owner.
        from chalicelib.store.projects import get_project

        try:
            get_project(project_id)
        except NotFoundError as gone:
            return gone
        return ConflictError(_LAST_OWNER)
    if error.failed & {"member", "holder"}:
        return ConflictError(_RACED)
    return error
