"""A key's verification record (KeyLookupModel): everything verification needs, in one item.

The item is keyed by the keyed hash (`pepper.digest`) of the key's handle: the opaque
key itself, an HMAC key's token, a JWT key's `jti`. So the key is never stored, and
verifying reads exactly one item. Every change that matters to verification updates
this item in the same transaction as the key's management record (`store.keys`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import msgspec
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.domain.limits import Limits, from_document, to_document
from chalicelib.domain.verification import IdentityRef, KeyRecord
from chalicelib.store.base import Transaction
from chalicelib.store.key_models import KeyLookupModel
from chalicelib.store.pepper import digest


def lookup_id(handle: str) -> str:
    """The id of the lookup item of the key whose handle is `handle`."""
    return digest(handle)


def add_new(
    txn: Transaction,
    lookup: str,
    *,
    key_id: str,
    project_id: str,
    owner_id: str | None,
    role_id: str,
    permissions: list[str],
    expires_at: float | None,
    meta: Mapping[str, Any],
    sealed_secret: str | None,
    issued_at: float,
    limits: Limits,
    identity: IdentityRef | None = None,
    disabled: bool = False,
    ip_allowlist: tuple[str, ...] = (),
) -> None:
    """Adds a new key's lookup item to `txn`; its owner holds the right (the issue checked it)."""
    txn.save(
        KeyLookupModel(
            lookup,
            key_id=key_id,
            project_id=project_id,
            owner_id=owner_id,
            role_id=role_id,
            permissions=permissions,
            expires_at=expires_at,
            revoked_at=None,
            owner_permitted=True,
            meta=dict(meta),
            sealed_secret=sealed_secret,
            issued_at=issued_at,
            limits=to_document(limits),
            identity=identity_document(identity),
            disabled=True if disabled else None,
            ip_allowlist=[str(c) for c in ip_allowlist] or None,
        ),
        condition=KeyLookupModel.digest.does_not_exist(),
    )


def expiry_action(expires_at: float | None) -> Action:
    return KeyLookupModel.expires_at.set(expires_at) if expires_at is not None else KeyLookupModel.expires_at.remove()


def limits_action(limits: Limits) -> Action:
    document = to_document(limits)
    return KeyLookupModel.limits.set(document) if document is not None else KeyLookupModel.limits.remove()


def disabled_action(disabled: bool) -> Action:
    return KeyLookupModel.disabled.set(True) if disabled else KeyLookupModel.disabled.remove()


def ip_allowlist_action(ip_allowlist: tuple[str, ...]) -> Action:
    if not ip_allowlist:
        return KeyLookupModel.ip_allowlist.remove()
    return KeyLookupModel.ip_allowlist.set(list(ip_allowlist))  # type: ignore[arg-type]


def update(txn: Transaction, lookup: str, actions: list[Action]) -> None:
    """Adds one update of the key's lookup item to `txn` with every change of it: a transaction
    may name an item once, so a change of several of a key's fields is one write here."""
    txn.update(KeyLookupModel(lookup), actions=actions, condition=KeyLookupModel.digest.exists())


def set_expiry(txn: Transaction, lookup: str, expires_at: float | None) -> None:
    update(txn, lookup, [expiry_action(expires_at)])


def identity_document(identity: IdentityRef | None) -> dict[str, Any] | None:
    return None if identity is None else msgspec.to_builtins(identity)


def set_identity(txn: Transaction, lookup: str, identity: IdentityRef) -> None:
    """The key's identity as its record names it (a change of the identity's meta or limits)."""
    txn.update(
        KeyLookupModel(lookup),
        actions=[KeyLookupModel.identity.set(identity_document(identity))],
        condition=KeyLookupModel.digest.exists(),
    )


def set_disabled(txn: Transaction, lookup: str, disabled: bool) -> None:
    update(txn, lookup, [disabled_action(disabled)])


def set_revoked(txn: Transaction, lookup: str, at: float) -> None:
    txn.update(
        KeyLookupModel(lookup),
        actions=[KeyLookupModel.revoked_at.set(at)],
        condition=KeyLookupModel.digest.exists(),
    )


def set_owner_permitted(txn: Transaction, lookup: str, permitted: bool) -> None:
    txn.update(
        KeyLookupModel(lookup),
        actions=[KeyLookupModel.owner_permitted.set(permitted)],
        condition=KeyLookupModel.digest.exists(),
    )


def lookup(lookup: str) -> KeyRecord | None:
    """The verification record of a key: one strongly consistent read."""
    try:
        item = KeyLookupModel.get(lookup, consistent_read=True)
    except DoesNotExist:
        return None
    return _record(item)


def lookup_many(lookups: Collection[str]) -> dict[str, KeyRecord]:
    """The verification records of those of `lookups` that exist (at most 100: one batched read)."""
    wanted = list(dict.fromkeys(lookups))
    if not wanted:
        return {}
    return {item.digest: _record(item) for item in KeyLookupModel.batch_get(wanted, consistent_read=True)}


def _record(item: KeyLookupModel) -> KeyRecord:
    return KeyRecord(
        key_id=item.key_id,
        project_id=item.project_id,
        owner_id=item.owner_id,
        role_id=item.role_id,
        permissions=tuple(str(p) for p in item.permissions or ()),
        expires_at=item.expires_at,
        revoked_at=item.revoked_at,
        owner_permitted=bool(item.owner_permitted),
        meta=dict(item.meta or {}),
        sealed_secret=item.sealed_secret,
        issued_at=item.issued_at,
        limits=from_document(item.limits),
        identity=msgspec.convert(item.identity, IdentityRef) if item.identity else None,
        disabled=bool(item.disabled),
        ip_allowlist=tuple(str(c) for c in item.ip_allowlist or ()),
    )
