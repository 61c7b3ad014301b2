"""Projects and the membership that gives people their rights in them, as stored.

`live()` is the condition every write to a project's data carries. Creating a project with
its secrets and deleting one with its keys are use cases (`services.projects`); the writes
of each of their steps are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import is_id
from chalicelib.domain.page import Page
from chalicelib.domain.policy import MemberRole
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.pagination import decode_cursor, paginate
from chalicelib.store.project_models import MemberModel, ProjectModel
from chalicelib.store.secret_models import ServiceKeyModel


def create_project(
    project_id: str, name: str, description: str, creator: str, at: str, items: list[tuple[Model, Condition]]
) -> ProjectModel:
    """A new project with its creator as owner, its audit event and `items` (each with its
    condition: the project's secrets), in one transaction."""
    project = ProjectModel(
        project_id,
        name=name,
        description=description,
        created_at=at,
        created_by=creator,
        updated_at=at,
        owner_count=1,
    )
    owner = MemberModel(
        project.id,
        creator,
        role=MemberRole.OWNER.value,
        created_at=at,
        updated_at=at,
        added_by=creator,
    )
    with transaction() as txn:
        # Fresh random ids and keys: the conditions make a collision fail instead of overwrite.
        txn.save(project, condition=ProjectModel.id.does_not_exist())
        txn.save(owner, condition=MemberModel.user_id.does_not_exist())
        for item, condition in items:
            txn.save(item, condition=condition)
        audit.record(txn, project.id, creator, "project.created", ("project", project.id), {"name": name})
    return project


def live() -> Condition:
    """The condition every write to a project's data carries: the project exists and no
    deletion has begun. Deletion sets `deleting_at` first, so from then on this fails."""
    return (
        ProjectModel.id.exists() & ProjectModel.deleting_at.does_not_exist() & ProjectModel.deleted_at.does_not_exist()
    )


def get_project(project_id: str, *, deleting_ok: bool = False) -> ProjectModel:
    """The live project with this id; NotFoundError when missing, deleted, or being deleted
    (unless `deleting_ok`: finishing a deletion is the one thing left to do with it)."""
    if not is_id(project_id, "prj"):
        raise NotFoundError("project not found")
    try:
        project = ProjectModel.get(project_id, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("project not found") from None
    if project.deleted_at is not None or (project.deleting_at is not None and not deleting_ok):
        raise NotFoundError("project not found")
    return project


def get_membership(project_id: str, user_id: str) -> MemberModel | None:
    if not is_id(project_id, "prj"):
        return None
    try:
        return MemberModel.get(project_id, user_id, consistent_read=True)
    except DoesNotExist:
        return None


def list_user_projects(user_id: str, limit: int, cursor: str | None) -> Page[ProjectModel]:
    """The live projects `user_id` belongs to, in id (creation) order."""
    start = decode_cursor(cursor, ["project_id"])
    memberships = MemberModel.by_user.query(
        user_id,
        limit=limit + 1,
        last_evaluated_key=_member_key(user_id, start["project_id"]) if start else None,
    )
    page = paginate(memberships, limit, lambda m: {"project_id": m.project_id})
    if not page.items:
        return Page([], page.next_cursor)
    found = {p.id: p for p in ProjectModel.batch_get([m.project_id for m in page.items])}
    projects = [found[m.project_id] for m in page.items if m.project_id in found]
    return Page([p for p in projects if p.deleted_at is None and p.deleting_at is None], page.next_cursor)


def _member_key(user_id: str, project_id: str) -> dict[str, Any]:
    # A GSI's start key holds the index's keys and the table's; here they are the same two.
    return {
        "user_id": {"S": user_id},
        "project_id": {"S": project_id},
    }


def update_project(project: ProjectModel, changes: Mapping[str, str], actor: str) -> ProjectModel:
    """Applies name/description changes to a live project, audited."""
    if not changes:
        return project
    at = rfc3339(now())
    actions = [getattr(ProjectModel, field).set(value) for field, value in changes.items()]
    actions.append(ProjectModel.updated_at.set(at))
    try:
        with transaction() as txn:
            # Only a live project may change; a concurrent delete wins.
            txn.update(project, actions=actions, condition=live(), label="project")
            audit.record(
                txn, project.id, actor, "project.updated", ("project", project.id), {"changed": sorted(changes)}
            )
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        raise
    return get_project(project.id)


def begin_deletion(project: ProjectModel) -> ProjectModel:
    """Marks the project `deleting` (step 1 of a deletion): from then on every other write to it
    fails (they all require `live()`), so nothing can be added behind the deletion's back.
    Someone else's deletion begun or finished meanwhile is taken over, or found done."""
    if project.deleting_at is not None:
        return project
    started = rfc3339(now())
    try:
        with transaction() as txn:
            txn.update(
                project,
                actions=[ProjectModel.deleting_at.set(started), ProjectModel.updated_at.set(started)],
                condition=live(),
                label="project",
            )
    except TransactionCancelledError as error:
        if "project" not in error.failed:
            raise
        return get_project(project.id, deleting_ok=True)
    return project


def finish_deletion(project: ProjectModel, service_digests: list[str], actor: str) -> None:
    """Marks the project deleted and deletes its service key values' lookups (the last step)."""
    at = rfc3339(now())
    try:
        with transaction() as txn:
            txn.update(
                project,
                actions=[ProjectModel.deleted_at.set(at), ProjectModel.updated_at.set(at)],
                condition=ProjectModel.deleting_at.exists() & ProjectModel.deleted_at.does_not_exist(),
                label="project",
            )
            for service_digest in service_digests:
                # Unconditional: deleting an item already gone is a no-op, so a resumed run is fine.
                txn.delete(ServiceKeyModel(service_digest))
            audit.record(txn, project.id, actor, "project.deleted", ("project", project.id))
    except TransactionCancelledError as error:
        if "project" not in error.failed:
            raise
        get_project(project.id, deleting_ok=True)  # NotFoundError: a concurrent run finished it
        raise


def project_is_live(txn: Transaction, project_id: str) -> None:
    """Adds a check to `txn` that the project exists and no deletion has begun (label "project")."""
    txn.condition_check(ProjectModel, project_id, condition=live(), label="project")


def conflict_or_gone(error: TransactionCancelledError, what: str) -> Exception:
    """Turns a cancelled transaction into the caller's error: project gone, or a conflict."""
    if "project" in error.failed:
        return NotFoundError("project not found")
    if error.failed:
        return ConflictError(what)
    return error
