"""Revocations as stored: a chunk of keys in one transaction.

A revocation writes both of a key's records, takes the key off its owner's list and
counts it off its role, in one transaction per chunk. Chunks are sized to DynamoDB's
100 items per transaction; each is atomic and the whole is idempotent: running it
again after a failure revokes what is left (`services.keys.revoke_keys` walks the chunks).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import now, rfc3339
from chalicelib.store import audit, key_holders, key_lookup
from chalicelib.store.base import Transaction, retrying, transaction
from chalicelib.store.event_data import key_data
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.keys import keys_by_ids
from chalicelib.store.project_models import RoleModel

# DynamoDB takes at most 100 items in a transaction; one is the audit event.
_MAX_TRANSACTION_ITEMS = 100


def add_revocations(
    txn: Transaction,
    keys: list[ApiKeyModel],
    at: float,
    *,
    extra: Sequence[Action] = (),
    condition: Condition | None = None,
) -> None:
    """Adds the revocation of `keys` (all live) to `txn`: both records, holders, role counts.
    `extra` actions and `condition` go with each key's own write (a leak's exposure, once)."""
    stamp = rfc3339(at)
    live = ApiKeyModel.revoked_at.does_not_exist()
    by_owner: dict[str, set[str]] = {}
    by_role: dict[str, int] = {}
    for key in keys:
        txn.update(
            key,
            actions=[ApiKeyModel.revoked_at.set(stamp), *extra],
            condition=live if condition is None else live & condition,
        )
        key_lookup.set_revoked(txn, key.digest, at)
        if key.owner_id is not None:  # an identity's key keeps its place in the identity's list
            by_owner.setdefault(key.owner_id, set()).add(key.digest)
        by_role[key.role_id] = by_role.get(key.role_id, 0) + 1
    project_id = keys[0].project_id
    for owner_id, lookups in by_owner.items():
        key_holders.remove_keys(txn, project_id, owner_id, lookups)
    for role_id, count in by_role.items():
        txn.update(
            RoleModel(project_id, role_id),
            actions=[RoleModel.ref_count.add(-count)],
            condition=RoleModel.id.exists(),
        )


def chunks(keys: list[ApiKeyModel]) -> Iterator[list[ApiKeyModel]]:
    """Splits `keys` so that each chunk's transaction stays within DynamoDB's 100 items: a key
    writes 3 (both records and its `key.revoked` event), and each distinct owner and role in
    the chunk 1 more."""
    chunk: list[ApiKeyModel] = []
    owners: set[str | None] = set()
    roles: set[str] = set()
    for key in keys:
        cost = 3 + (key.owner_id not in owners) + (key.role_id not in roles)
        if chunk and 1 + 3 * len(chunk) + len(owners) + len(roles) + cost > _MAX_TRANSACTION_ITEMS:
            yield chunk
            chunk, owners, roles = [], set(), set()
        chunk.append(key)
        owners.add(key.owner_id)
        roles.add(key.role_id)
    if chunk:
        yield chunk


def revoke_chunk(project_id: str, chunk: list[ApiKeyModel], actor: str, reason: str) -> list[ApiKeyModel]:
    """Revokes `chunk` in one transaction; returns the keys this call revoked."""
    pending = chunk
    read_again = False

    def attempt() -> list[ApiKeyModel]:
        nonlocal pending, read_again
        if read_again:
            # A key of the chunk changed meanwhile, most likely revoked by someone else:
            # revocations commute, so drop what is revoked already and try the rest.
            fresh = keys_by_ids(project_id, [k.id for k in pending])
            pending = [fresh[k.id] for k in pending if k.id in fresh and fresh[k.id].revoked_at is None]
        read_again = True
        if pending:
            _commit_revocations(project_id, pending, actor, reason)
        return pending

    return retrying(attempt, retry_if=lambda error: True)


def revoked_data(keys: list[ApiKeyModel], at: float) -> list[dict[str, object]]:
    """The keys as the `key.revoked` event shows them, revoked at `at`."""
    return [key_data(key, revoked_at=rfc3339(at), status="revoked") for key in keys]


def _commit_revocations(project_id: str, chunk: list[ApiKeyModel], actor: str, reason: str) -> None:
    at = now()
    with transaction() as txn:
        add_revocations(txn, chunk, at)
        if len(chunk) == 1:
            audit.record(
                txn,
                project_id,
                actor,
                "key.revoked",
                ("key", chunk[0].id),
                {"reason": reason},
                data=revoked_data(chunk, at)[0],
            )
        else:
            audit.record(
                txn,
                project_id,
                actor,
                "key.revoked",
                ("project", project_id),
                {"reason": reason, "key_ids": [k.id for k in chunk]},
                data=revoked_data(chunk, at),
            )
