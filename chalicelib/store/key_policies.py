"""A project's key policy as stored (on its project item), and the reads of its report."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import now, rfc3339
from chalicelib.errors import NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.pagination import decode_cursor, encode_cursor
from chalicelib.store.project_models import ProjectModel
from chalicelib.store.projects import live


def set_policy(project_id: str, document: dict[str, Any], actor: str) -> None:
    """Replaces the project's key policy, audited (`project.key_policy_changed`, with the policy)."""
    try:
        with transaction() as txn:
            txn.update(
                ProjectModel(project_id),
                actions=[ProjectModel.key_policy.set(document), ProjectModel.updated_at.set(rfc3339(now()))],
                # The project exists and no deletion has begun.
                condition=live(),
                label="project",
            )
            audit.record(
                txn, project_id, actor, "project.key_policy_changed", ("project", project_id), {"policy": document}
            )
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        raise


def live_keys(project_id: str, cursor: str | None, max_read: int) -> tuple[list[ApiKeyModel], str | None]:
    """Up to `max_read` of the project's keys from `cursor` on, in creation order, revoked ones
    left out; and the cursor after the last one read (None: no more)."""
    start = decode_cursor(cursor, ["id"])
    results = ApiKeyModel.query(
        project_id,
        filter_condition=ApiKeyModel.revoked_at.does_not_exist(),
        consistent_read=True,
        limit=max_read,
        last_evaluated_key={"project_id": {"S": project_id}, "id": {"S": start["id"]}} if start else None,
    )
    items = list(results)
    last = results.last_evaluated_key
    return items, encode_cursor({"id": last["id"]["S"]}) if last else None


def cursor_after(key: ApiKeyModel) -> str:
    """The cursor of a page that ends at `key`."""
    return encode_cursor({"id": key.id})
