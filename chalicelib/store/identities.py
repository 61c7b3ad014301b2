"""Identities as stored: their items and name guards, the writes each use case adds to its
transaction (`services.identities`), and reads.

An identity's external id is unique in its project through a second item, its name guard
(`IdentityNameModel`, keyed by project and external id), created on condition that it does not
exist in the identity's own transaction and deleted in the identity's deletion. The external
id never changes, so while an identity exists its guard is its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.domain.limits import (
    IDENTITY,
    Limits,
    from_document,
    meter_id,
    to_document,
)
from chalicelib.domain.page import Page
from chalicelib.domain.verification import IdentityRef
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import key_lookup
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.identity_models import IdentityModel, IdentityNameModel
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.projects import project_is_live

ID_PREFIX = "idn"


# --- limits -----------------------------------------------------------------------------


def identity_limits(identity: IdentityModel) -> Limits:
    """The identity's rate limits and credit policy (NO_LIMITS when it has none): what a
    verification of one of its keys plans with (`domain.limits.plan`)."""
    return from_document(identity.limits)


def limits_document(limits: Limits) -> dict[str, Any] | None:
    """`limits` as the identity item stores them; None when there are none."""
    return to_document(limits)


def meter_of(identity_id: str) -> str:
    """The id of the identity's meter item: its credit balance and rate-limit windows."""
    return meter_id(IDENTITY, identity_id)


# --- reads ------------------------------------------------------------------------------


def get_identity(project_id: str, identity_id: str) -> IdentityModel:
    return get_or_not_found(IdentityModel, project_id, identity_id, prefix=ID_PREFIX, what="identity")


def list_identities(project_id: str, limit: int, cursor: str | None) -> Page[IdentityModel]:
    """The project's identities in id (creation) order."""
    return query_page(IdentityModel, project_id, "id", limit, cursor, consistent_read=True)


def find_by_external_id(project_id: str, external_id: str) -> IdentityModel | None:
    """The identity with this external id, strongly consistent (through its name guard)."""
    try:
        guard = IdentityNameModel.get(project_id, external_id, consistent_read=True)
    except DoesNotExist:
        return None
    try:
        return get_identity(project_id, guard.identity_id)
    except NotFoundError:
        return None


# --- writes, each added to the use case's transaction -------------------------------------


def new_record(
    project_id: str,
    identity_id: str,
    external_id: str,
    meta: Mapping[str, Any],
    limits: Limits,
    actor: str,
    at: str,
) -> IdentityModel:
    return IdentityModel(
        project_id,
        identity_id,
        external_id=external_id,
        meta=dict(meta),
        limits=limits_document(limits),
        created_at=at,
        created_by=actor,
        updated_at=at,
    )


def add_identity(txn: Transaction, identity: IdentityModel) -> None:
    """Adds a new identity and its name guard to `txn`, in a live project."""
    project_is_live(txn, identity.project_id)
    # A fresh random id: the condition makes a collision fail instead of overwrite.
    txn.save(identity, condition=IdentityModel.id.does_not_exist(), label="identity")
    guard = IdentityNameModel(identity.project_id, identity.external_id, identity_id=identity.id)
    # The uniqueness of the external id: of concurrent creates with one external id, exactly
    # one finds no guard; the others' transactions are cancelled whole (409).
    txn.save(guard, condition=IdentityNameModel.external_id.does_not_exist(), label="name")


def add_key(txn: Transaction, project_id: str, identity_id: str, lookup: str) -> None:
    """Adds a new key to the identity's list, on condition that the identity exists (a key is
    never issued to an identity deleted meanwhile); moves its version, so that a change that
    read the list before this commits fails and reads it again. Issues commute."""
    txn.update(
        IdentityModel(project_id, identity_id),
        actions=[IdentityModel.digests.add({lookup}), IdentityModel.version.add(1)],
        condition=IdentityModel.id.exists(),
        label="identity",
    )


def reference(identity: IdentityModel, limits: Limits | None = None) -> IdentityRef:
    """The identity as its keys' verification records name it."""
    return IdentityRef(
        identity.id,
        identity.external_id,
        dict(identity.meta or {}),
        identity_limits(identity) if limits is None else limits,
    )


def explain_create_failure(error: TransactionCancelledError, external_id: str) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "name" in error.failed:
        return ConflictError(f"an identity with external_id {external_id!r} exists in this project")
    if error.failed:
        return ConflictError("an identity with this id exists")
    return error


def changed_record(
    identity: IdentityModel, meta: Mapping[str, Any] | None, limits: Limits | None, at: str
) -> IdentityModel:
    """The identity as `add_update` leaves it (without another read)."""
    return IdentityModel(
        identity.project_id,
        identity.id,
        external_id=identity.external_id,
        meta=dict(meta) if meta is not None else dict(identity.meta or {}),
        limits=limits_document(limits) if limits is not None else identity.limits,
        created_at=identity.created_at,
        created_by=identity.created_by,
        updated_at=at,
        revision=identity.revision,
        digests=identity.digests,
        version=identity.version,
    )


def add_update(
    txn: Transaction,
    identity: IdentityModel,
    meta: Mapping[str, Any] | None,
    limits: Limits | None,
    at: str,
    revision: str,
) -> None:
    """Adds to `txn` replacing the identity's `meta` and `limits` (None: left as they are), as
    the change `revision` (which its keys' records follow, `set_keys_chunk`)."""
    project_is_live(txn, identity.project_id)
    actions: list[Action] = [IdentityModel.updated_at.set(at), IdentityModel.revision.set(revision)]
    if meta is not None:
        actions.append(IdentityModel.meta.set(dict(meta)))
    if limits is not None:
        document = limits_document(limits)
        actions.append(IdentityModel.limits.set(document) if document is not None else IdentityModel.limits.remove())
    # The identity must still exist (a PATCH racing a DELETE must not bring it back), and have
    # no key issued since it was read: the caller rewrites every key's record it listed.
    unchanged = IdentityModel.version == identity.version
    if not identity.version:
        unchanged = IdentityModel.version.does_not_exist() | unchanged
    txn.update(identity, actions=actions, condition=IdentityModel.id.exists() & unchanged, label="identity")


def key_lookups(identity: IdentityModel) -> list[str]:
    """The lookup ids of every key issued to the identity, in a stable order."""
    return sorted(identity.digests or ())


def set_keys_chunk(identity: IdentityModel, chunk: Sequence[str], reference: IdentityRef, revision: str) -> bool:
    """Rewrites the identity in these keys' verification records, on condition that no later
    change overtook this one (its `revision` is still this change's); False when one did."""
    try:
        with transaction() as txn:
            txn.condition_check(
                IdentityModel,
                identity.project_id,
                identity.id,
                condition=IdentityModel.revision == revision,
                label="identity",
            )
            for lookup in chunk:
                key_lookup.set_identity(txn, lookup, reference)
    except TransactionCancelledError as error:
        if "identity" in error.failed:
            return False
        raise
    return True


def add_deletion(txn: Transaction, identity: IdentityModel) -> None:
    """Adds deleting the identity and its name guard to `txn`."""
    project_is_live(txn, identity.project_id)
    # It must still exist: of concurrent deletions one is recorded, the others are 404. The
    # same condition keeps a stale deletion off the guard of a newer identity that took the
    # external id after this one went: the guard goes only with its own identity. And no key
    # may have been issued to it since its keys were revoked (the version says).
    unchanged = IdentityModel.version == identity.version
    if not identity.version:
        unchanged = IdentityModel.version.does_not_exist() | unchanged
    txn.delete(identity, condition=IdentityModel.id.exists() & unchanged, label="identity")
    txn.delete(IdentityNameModel(identity.project_id, identity.external_id))


def explain_change_failure(error: TransactionCancelledError) -> Exception:
    """A cancelled update or deletion, as the caller sees it."""
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "identity" in error.failed:
        return NotFoundError("identity not found")
    return error
