"""Keys running out: `key.expiring` 7 days ahead, and the record of each expiry.

A key with an expiry carries `watch` (the sparse `expiry-watch` index) and `watch_at`, the
time the sweep should next look at it: 7 days before it expires, then when it expires.
The sweep reads the keys whose time has come and, for each, in one transaction with its
audit event (and the webhook event, through the audit seam):

- a live key that expires within 7 days and was never announced, and has no successor (a
  rerolled key's grace end was announced by `key.rerolled`): `key.expiring`, once per key;
- a live key past its expiry: records it (`expiry_recorded_at`, audit `key.expired`) and
  leaves the index. Verification refused it from the instant it expired;
- a revoked key, or one whose expiry was removed: leaves the index.

Each write requires the key as read (its expiry and revocation unchanged), so a sweep
that raced a PATCH, a revocation or another sweep changes nothing and the next one reads
the key again. A key seen only after it expired gets no `key.expiring`.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.event_data import key_data
from chalicelib.store.key_models import ApiKeyModel

WARN_AHEAD_SECONDS = 7 * 86400
WATCHED = "1"
SWEEPER = "system:expiry-sweep"


def watch_at(expires_at: float | None, announced: bool) -> float | None:
    """When the sweep should next look at a key expiring at `expires_at`."""
    if expires_at is None:
        return None
    return float(expires_at) if announced else float(expires_at) - WARN_AHEAD_SECONDS


def watch_fields(expires_at: float | None) -> dict[str, Any]:
    """The watch attributes of a new key."""
    when = watch_at(expires_at, announced=False)
    return {"watch": WATCHED, "watch_at": when} if when is not None else {}


def watch_actions(key: ApiKeyModel, expires_at: float | None) -> list[Action]:
    """The updates that keep the watch in step when a key's expiry changes to `expires_at`."""
    when = watch_at(expires_at, announced=key.expiring_notified_at is not None or key.rerolled_to is not None)
    if when is None:
        return [ApiKeyModel.watch.remove(), ApiKeyModel.watch_at.remove()]
    # A new expiry (an expired key given a later one lives again): its end is recorded anew.
    return [ApiKeyModel.watch.set(WATCHED), ApiKeyModel.watch_at.set(when), ApiKeyModel.expiry_recorded_at.remove()]


def sweep(at: float | None = None, limit: int = 1000) -> dict[str, int]:
    """One round over the keys whose watch time has come; safe to run twice or concurrently."""
    at = now() if at is None else at
    result = {"expiring": 0, "expired": 0, "deferred": 0, "unwatched": 0, "conflicts": 0}
    for entry in ApiKeyModel.expiry_watch.query(WATCHED, ApiKeyModel.watch_at <= at, limit=limit):
        try:
            key = ApiKeyModel.get(entry.project_id, entry.id, consistent_read=True)
        except ApiKeyModel.DoesNotExist:
            continue
        outcome = _look_at(key, at)
        result[outcome] += 1
    return result


def _as_read(key: ApiKeyModel) -> Condition:
    """The key's expiry and revocation are still as the sweep read them."""
    same_expiry = (
        ApiKeyModel.expires_at == key.expires_at
        if key.expires_at is not None
        else ApiKeyModel.expires_at.does_not_exist()
    )
    same_revocation = (
        ApiKeyModel.revoked_at.does_not_exist() if key.revoked_at is None else ApiKeyModel.revoked_at.exists()
    )
    return ApiKeyModel.id.exists() & same_expiry & same_revocation


def _look_at(key: ApiKeyModel, at: float) -> str:
    expires = parse_rfc3339(key.expires_at) if key.expires_at else None
    try:
        # Revoked, never expiring, or an expiry already recorded (a reroll of an expired key
        # leaves its expiry as it was): nothing more to do for it.
        if key.revoked_at is not None or expires is None or (expires <= at and key.expiry_recorded_at is not None):
            key.update(actions=[ApiKeyModel.watch.remove(), ApiKeyModel.watch_at.remove()], condition=_as_read(key))
            return "unwatched"
        if expires <= at:
            with transaction() as txn:
                txn.update(
                    key,
                    actions=[
                        ApiKeyModel.expiry_recorded_at.set(rfc3339(at)),
                        ApiKeyModel.watch.remove(),
                        ApiKeyModel.watch_at.remove(),
                    ],
                    condition=_as_read(key) & ApiKeyModel.expiry_recorded_at.does_not_exist(),
                    label="key",
                )
                audit.record(
                    txn, key.project_id, SWEEPER, "key.expired", ("key", key.id), {"expires_at": key.expires_at}
                )
            return "expired"
        if key.expiring_notified_at is None and key.rerolled_to is None:
            stamp = rfc3339(at)
            with transaction() as txn:
                txn.update(
                    key,
                    actions=[ApiKeyModel.expiring_notified_at.set(stamp), ApiKeyModel.watch_at.set(expires)],
                    # Once per key: not announced yet, and not rerolled meanwhile.
                    condition=_as_read(key)
                    & ApiKeyModel.expiring_notified_at.does_not_exist()
                    & ApiKeyModel.rerolled_to.does_not_exist(),
                    label="key",
                )
                audit.record(
                    txn,
                    key.project_id,
                    SWEEPER,
                    "key.expiring",
                    ("key", key.id),
                    {"expires_at": key.expires_at},
                    data=key_data(key),
                )
            return "expiring"
        # Announced already (or rerolled): look again when it expires.
        key.update(actions=[ApiKeyModel.watch_at.set(expires)], condition=_as_read(key))
        return "deferred"
    except TransactionCancelledError:
        return "conflicts"
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "conflicts"
