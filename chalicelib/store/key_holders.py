"""The holders' rights: which keys one person holds in a project, and whether they may.

Whether a key's owner holds the "API calls" right is kept on each key's lookup item
(`owner_permitted`), so verification needs no second read. When a membership change
grants or takes the right, `add_owner_right` flips it for every key the owner holds.
KeyHolderModel lists those keys (by lookup id): issuing a key adds to the list
unconditionally (issues commute with each other), while a membership change requires
the list's version unchanged, so it never misses a key issued meanwhile.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib.store import audit, key_lookup
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.key_models import KeyHolderModel
from chalicelib.store.project_models import MemberModel

# DynamoDB allows 100 items in a transaction; leave room for the items around a chunk.
CHUNK = 40


def _holder(project_id: str, owner_id: str) -> KeyHolderModel:
    try:
        return KeyHolderModel.get(project_id, owner_id, consistent_read=True)
    except DoesNotExist:
        return KeyHolderModel(project_id, owner_id, digests=set(), version=0)


def _holder_unchanged(holder: KeyHolderModel) -> Condition:
    if holder.version == 0:
        return KeyHolderModel.owner_id.does_not_exist() | (KeyHolderModel.version == 0)
    return KeyHolderModel.version == holder.version


def add_key(txn: Transaction, project_id: str, owner_id: str, lookup: str) -> None:
    """Adds a new key to its owner's list, and moves the list's version so that a membership
    change that read the list before this commits fails and reads it again. No condition:
    issues commute."""
    txn.update(
        KeyHolderModel(project_id, owner_id),
        actions=[KeyHolderModel.digests.add({lookup}), KeyHolderModel.version.add(1)],
        label="holder",
    )


def remove_keys(txn: Transaction, project_id: str, owner_id: str, lookups: set[str]) -> None:
    # Removing from the set changes nothing a membership change relies on: no version bump.
    txn.update(
        KeyHolderModel(project_id, owner_id),
        actions=[KeyHolderModel.digests.delete(lookups)],
        condition=KeyHolderModel.owner_id.exists(),
    )


def add_owner_right(txn: Transaction, project_id: str, owner_id: str, permitted: bool) -> list[str]:
    """Adds to `txn` the flip of `owner_permitted` on the owner's keys; returns their lookup ids.

    The holder's version is a condition, so a key created meanwhile fails the transaction
    instead of being missed. Keys beyond the first chunk are flipped by `flip_chunk`, a chunk at a time.
    """
    holder = _holder(project_id, owner_id)
    lookups = sorted(holder.digests or ())
    txn.condition_check(KeyHolderModel, project_id, owner_id, condition=_holder_unchanged(holder), label="holder")
    for lookup in lookups[:CHUNK]:
        key_lookup.set_owner_permitted(txn, lookup, permitted)
    return lookups


def holder_digests(project_id: str, owner_id: str) -> list[str]:
    return sorted(_holder(project_id, owner_id).digests or ())


def flip_chunk(
    project_id: str,
    owner_id: str,
    chunk: list[str],
    permitted: bool,
    holding_roles: list[str],
    *,
    last: tuple[str, int] | None,
) -> bool:
    """Flips `owner_permitted` on the keys of `chunk`, on condition that the member's role still
    says `permitted` (is one of `holding_roles`, or not); returns False when it does not.

    The condition makes the tails of two quick role changes safe in any order: the tail of
    a change that a later one overtook fails instead of undoing it. Idempotent.

    `last` (the actor and the number of the owner's keys) marks the last chunk, which records
    `member.keys_updated`: the membership's own event committed with the first chunk only, and
    an offline verifier (the key-changes feed) must hear again when the rest of the owner's
    keys say what the role says.
    """
    # NOT IN is also true of a member no longer there: IN is false on a missing attribute.
    holds = MemberModel.role.is_in(*holding_roles)
    still = holds if permitted else ~holds
    try:
        with transaction() as txn:
            txn.condition_check(MemberModel, project_id, owner_id, condition=still, label="member")
            for lookup in chunk:
                key_lookup.set_owner_permitted(txn, lookup, permitted)
            if last is not None:
                actor, total = last
                details = {"keys": total, "api_calls": permitted}
                audit.record(txn, project_id, actor, "member.keys_updated", ("member", owner_id), details)
    except TransactionCancelledError as error:
        if "member" in error.failed:
            return False
        raise
    return True
