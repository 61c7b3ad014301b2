"""Projects and the membership that gives people their rights in them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.policy import MemberRole
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.models import MemberModel, ProjectModel
from chalicelib.store.pagination import Page, decode_cursor, paginate


def create_project(name: str, description: str, creator: str) -> ProjectModel:
    """A new project with its creator as owner, and its audit event, in one transaction."""
    at = rfc3339(now())
    project = ProjectModel(
        new_id("prj"),
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
    from chalicelib.store import secrets

    secret_items = secrets.initial_items(project.id, at)
    with transaction() as txn:
        # Fresh random ids and keys: the conditions make a collision fail instead of overwrite.
        txn.save(project, condition=ProjectModel.id.does_not_exist())
        txn.save(owner, condition=MemberModel.user_id.does_not_exist())
        for item, condition in secret_items:
            txn.save(item, condition=condition)
        audit.record(txn, project.id, creator, "project.created", ("project", project.id), {"name": name})
    return project


def get_project(project_id: str) -> ProjectModel:
    """The live project with this id; NotFoundError when missing or deleted."""
    if not is_id(project_id, "prj"):
        raise NotFoundError("project not found")
    try:
        project = ProjectModel.get(project_id, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("project not found") from None
    if project.deleted_at is not None:
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
    return Page([p for p in projects if p.deleted_at is None], page.next_cursor)


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
            txn.update(project, actions=actions, condition=ProjectModel.deleted_at.does_not_exist(), label="project")
            audit.record(
                txn, project.id, actor, "project.updated", ("project", project.id), {"changed": sorted(changes)}
            )
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        raise
    return get_project(project.id)


def delete_project(project: ProjectModel, actor: str) -> None:
    """Revokes every key of the project, then marks it deleted; it disappears at once.

    Keys are revoked first and in chunks (see keys.revoke_keys); the deletion itself then
    requires the project's key epoch unchanged, so a key issued meanwhile makes it try
    again rather than survive. Its service key stops authenticating.
    """
    from chalicelib import cache
    from chalicelib.store import keys, secrets
    from chalicelib.store.models import ServiceKeyModel

    service_digests = secrets.service_key_digests(project.id)
    for _attempt in range(3):
        epoch = project.key_epoch or 0
        keys.revoke_keys(project.id, keys.all_keys(project.id), actor, reason="project deleted")
        at = rfc3339(now())
        try:
            with transaction() as txn:
                txn.update(
                    project,
                    actions=[ProjectModel.deleted_at.set(at), ProjectModel.updated_at.set(at)],
                    condition=ProjectModel.deleted_at.does_not_exist() & (ProjectModel.key_epoch == epoch),
                    label="project",
                )
                for service_digest in service_digests:
                    txn.delete(ServiceKeyModel(service_digest))
                audit.record(txn, project.id, actor, "project.deleted", ("project", project.id))
        except TransactionCancelledError as error:
            if "project" not in error.failed:
                raise
            project = get_project(project.id)  # NotFoundError when someone else deleted it
            continue
        cache.service_keys.invalidate(service_digests)
        return
    raise ConflictError("keys are being issued in this project right now; try again")


def project_is_live(txn: Transaction, project_id: str) -> None:
    """Adds a check to `txn` that the project exists and is not deleted (label "project")."""
    txn.condition_check(
        ProjectModel,
        project_id,
        condition=ProjectModel.id.exists() & ProjectModel.deleted_at.does_not_exist(),
        label="project",
    )


def conflict_or_gone(error: TransactionCancelledError, what: str) -> Exception:
    """Turns a cancelled transaction into the caller's error: project gone, or a conflict."""
    if "project" in error.failed:
        return NotFoundError("project not found")
    if error.failed:
        return ConflictError(what)
    return error
