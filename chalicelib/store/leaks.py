"""Leaked keys as stored: the open report endpoint's count per address, and a key's exposure,
written with the action its project's policy takes (revoke, disable, or nothing more)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import rfc3339
from chalicelib.store import audit, key_lookup, key_revocation
from chalicelib.store.base import transaction
from chalicelib.store.event_data import key_data
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.leak_models import LeakReportCountModel
from chalicelib.store.project_models import ProjectModel
from chalicelib.store.projects import project_is_live

# The actor of what a leak report does, in the audit trail.
LEAK_REPORTER = "system:leak-report"


def admit(source: str, minute: int, limit: int) -> bool:
    """Counts one report from `source` in `minute`; False, counting nothing, once it sent `limit`."""
    item = LeakReportCountModel(f"{source}#{minute}")
    forgotten = datetime.fromtimestamp((minute + 2) * 60, UTC)
    try:
        item.update(
            actions=[LeakReportCountModel.reports.add(1), LeakReportCountModel.expires_at.set(forgotten)],
            # Room left in this minute: never more than `limit` admitted, whatever runs meanwhile.
            condition=LeakReportCountModel.reports.does_not_exist() | (LeakReportCountModel.reports < limit),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def keys_of(refs: Collection[tuple[str, str]]) -> dict[tuple[str, str], ApiKeyModel]:
    """The keys `(project id, key id)` that exist, in one batched read (at most 100)."""
    if not refs:
        return {}
    return {(k.project_id, k.id): k for k in ApiKeyModel.batch_get(list(refs), consistent_read=True)}


def projects_of(project_ids: Collection[str]) -> dict[str, ProjectModel]:
    """The projects that exist of `project_ids`, in one batched read (at most 100)."""
    if not project_ids:
        return {}
    return {p.id: p for p in ProjectModel.batch_get(list(project_ids), consistent_read=True)}


def expose(key: ApiKeyModel, action: str, at: float, source: str, url: str | None, reporter: str | None = None) -> None:
    """Records that `key` leaked and takes `action` (`revoke`, `disable` or `notify`), in one
    transaction with its audit events and webhooks: `key.exposed` always, and `key.revoked` or
    `key.disabled` when that is what it does. Once per key, and only while it is live: the key's
    write requires both (TransactionCancelledError otherwise, when another report or person
    acted first)."""
    stamp = rfc3339(at)
    once = ApiKeyModel.exposed_at.does_not_exist() & ApiKeyModel.revoked_at.does_not_exist()
    disables = action == "disable" and key.disabled_at is None
    why = {"reason": "leaked"}
    exposure: list[Action] = [ApiKeyModel.exposed_at.set(stamp), ApiKeyModel.exposed_action.set(action)]
    with transaction() as txn:
        project_is_live(txn, key.project_id)
        changed: dict[str, Any] = {"exposed_at": stamp, "exposed_action": action}
        if action == "revoke":
            key_revocation.add_revocations(
                txn, [key], at, extra=exposure, condition=ApiKeyModel.exposed_at.does_not_exist()
            )
            changed |= {"revoked_at": stamp, "status": "revoked"}
            audit.record(
                txn, key.project_id, LEAK_REPORTER, "key.revoked", ("key", key.id), why, data=key_data(key, **changed)
            )
        elif disables:
            txn.update(
                key,
                actions=[*exposure, ApiKeyModel.disabled_at.set(stamp)],
                # Once, while it is live (and still enabled: an enable meanwhile would be undone).
                condition=once & ApiKeyModel.disabled_at.does_not_exist(),
            )
            key_lookup.set_disabled(txn, key.digest, True)
            changed |= {"enabled": False, "status": "disabled"}
            audit.record(
                txn, key.project_id, LEAK_REPORTER, "key.disabled", ("key", key.id), why, data=key_data(key, **changed)
            )
        else:
            # Notify only (or disable a key that is disabled already): the exposure, once, while live.
            txn.update(key, actions=exposure, condition=once)
        details = {"source": source, "url": url, "action_taken": action, "reporter": reporter}
        data = {"key": key_data(key, **changed), "source": source, "url": url, "action_taken": action}
        audit.record(txn, key.project_id, LEAK_REPORTER, "key.exposed", ("key", key.id), details, data=data)
