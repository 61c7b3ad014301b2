"""API keys as their project manages them (ApiKeyModel): issue, reroll, read, change.

Every change that matters to verification also writes the key's lookup record
(`store.key_lookup`) in the same transaction, and issuing adds the key to its owner's
list (`store.key_holders`). Revocation is `store.key_revocation`. What a key's secret
is depends on its kind (`domain.key_kinds`): the caller passes the kind's `Minter`, and
only its handle's keyed hash and, for HMAC keys, the sealed secret are stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from msgspec import Struct
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib import cache
from chalicelib.config import get_settings
from chalicelib.crypto.envelope import seal
from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.key_kinds import Draft, KeyKind, Minter
from chalicelib.domain.page import Page
from chalicelib.domain.policy import Action, MemberRole, may
from chalicelib.errors import (
    AlreadyRerolledError,
    ConflictError,
    NotFoundError,
    OwnerNotPermittedError,
    ValidationFailedError,
)
from chalicelib.lazy import lazy_module
from chalicelib.store import audit, key_expiry, key_holders, key_lookup
from chalicelib.store.base import Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.event_data import key_data
from chalicelib.store.models import ApiKeyModel, MemberModel, ProjectModel, RoleModel
from chalicelib.store.pagination import decode_cursor, get_or_not_found, paginate, query_page
from chalicelib.store.projects import project_is_live

if TYPE_CHECKING:
    from chalicelib.domain.kind_registry import kinds
else:
    # The registry imports every kind, which the cold start does without: read at a change of expiry.
    _kind_registry = lazy_module("chalicelib.domain.kind_registry")

    def kinds() -> Mapping[str, KeyKind[Any]]:
        return _kind_registry.kinds()


class NewKey(Struct, frozen=True):
    """What a caller needs to issue a key; `expires_at` is epoch seconds or None."""

    key_type: str
    name: str
    description: str
    owner_id: str
    role: RoleModel
    expires_at: float | None
    meta: Mapping[str, Any]
    template_id: str | None = None
    request_id: str | None = None


def _epoch(value: str | None) -> float | None:
    return parse_rfc3339(value) if value else None


def status_of(key: ApiKeyModel, at: float | None = None) -> str:
    """active, expired or revoked, as the key's management view shows it."""
    if key.revoked_at is not None:
        return "revoked"
    expires = _epoch(key.expires_at)
    return "expired" if expires is not None and expires <= (now() if at is None else at) else "active"


# --- issuing ------------------------------------------------------------------------


def _owner_membership(project_id: str, owner_id: str) -> MemberModel:
    try:
        member = MemberModel.get(project_id, owner_id, consistent_read=True)
    except DoesNotExist:
        raise OwnerNotPermittedError(f"{owner_id} is not a member of this project") from None
    if not may(MemberRole(member.role), Action.HOLD_KEYS):
        raise OwnerNotPermittedError(f"the {member.role} role may not hold API keys")
    return member


def add_key_items(
    txn: Transaction,
    project: ProjectModel,
    spec: NewKey,
    mint: Minter,
    actor: str,
    at: float,
    key_id: str | None = None,
) -> tuple[ApiKeyModel, dict[str, str], str]:
    """Adds a new key's items to `txn`: checks of project, owner and role, and both records.
    Returns the key, its secret part (to show once) and its lookup id. `key_id` is chosen
    here unless the caller needs it first (an approval records it on the request).

    Nothing here conflicts with another key being issued: the project is only checked, the
    holder's list and version only added to, the role's count only incremented.
    """
    member = _owner_membership(project.id, spec.owner_id)
    key_id = key_id or new_id("key")
    # Whole seconds, as the key's view shows it and as a JWT's `exp` must be: the same instant everywhere.
    expires_at = math.ceil(spec.expires_at) if spec.expires_at is not None else None
    permissions = [str(p) for p in spec.role.permissions]
    made = mint(
        Draft(
            key_id=key_id,
            project_id=project.id,
            owner_id=spec.owner_id,
            role_id=spec.role.id,
            permissions=tuple(permissions),
            issued_at=at,
            expires_at=expires_at,
            issuer=get_settings().issuer,
        )
    )
    lookup = key_lookup.lookup_id(made.handle)
    sealed = None
    if made.sealed_material is not None and made.seal_context is not None:
        sealed = seal(made.sealed_material, made.seal_context)
    key = ApiKeyModel(
        project.id,
        key_id,
        digest=lookup,
        type=spec.key_type,
        name=spec.name,
        description=spec.description,
        owner_id=spec.owner_id,
        role_id=spec.role.id,
        permissions=permissions,
        hint=made.hint,
        created_at=rfc3339(at),
        created_by=actor,
        expires_at=rfc3339(expires_at) if expires_at is not None else None,
        lifetime_seconds=round(spec.expires_at - at) if spec.expires_at is not None else None,
        template_id=spec.template_id,
        request_id=spec.request_id,
        meta=dict(spec.meta),
        **key_expiry.watch_fields(expires_at),
    )
    # 0: the project is live: a deletion that has begun lists every key, so none may be added.
    project_is_live(txn, project.id)
    # 1: the owner still has the role we checked, so owner_permitted=True is true.
    txn.condition_check(
        MemberModel, project.id, spec.owner_id, condition=MemberModel.role == member.role, label="member"
    )
    # 2: the owner's key list gains this key (unconditionally: issues commute).
    key_holders.add_key(txn, project.id, spec.owner_id, lookup)
    # 3: the role exists, and now counts this key as a user.
    txn.update(spec.role, actions=[RoleModel.ref_count.add(1)], condition=RoleModel.id.exists(), label="role")
    txn.save(key, condition=ApiKeyModel.id.does_not_exist())
    key_lookup.add_new(
        txn,
        lookup,
        key_id=key.id,
        project_id=project.id,
        owner_id=spec.owner_id,
        role_id=spec.role.id,
        permissions=permissions,
        expires_at=expires_at,
        meta=spec.meta,
        sealed_secret=sealed,
        issued_at=math.floor(at),
    )
    return key, made.shown, lookup


def explain_issue_failure(error: TransactionCancelledError) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "member" in error.failed:
        return ConflictError("the owner's role kept changing while the key was issued; try again")
    if "role" in error.failed:
        return ValidationFailedError.single("role_id", "no such role in this project")
    return error


def owner_role_changed(error: TransactionCancelledError) -> bool:
    # The owner's role changed between our read and the commit: read it again (it may no
    # longer allow keys, and then _owner_membership says so) and retry.
    return error.failed == {"member"}


def create_key(project: ProjectModel, spec: NewKey, mint: Minter, actor: str) -> tuple[ApiKeyModel, dict[str, str]]:
    """Issues a key made by `mint`; returns its record and its secret part, which is never stored."""

    def attempt() -> tuple[ApiKeyModel, dict[str, str], str]:
        with transaction() as txn:
            key, secret, key_digest = add_key_items(txn, project, spec, mint, actor, now())
            audit.record(
                txn,
                project.id,
                actor,
                "key.created",
                ("key", key.id),
                {"owner_id": spec.owner_id, "role_id": spec.role.id, "type": key.type},
                data=key_data(key),
            )
        return key, secret, key_digest

    try:
        key, secret, key_digest = retrying(attempt, retry_if=owner_role_changed)
    except TransactionCancelledError as error:
        raise explain_issue_failure(error) from None
    cache.key_records.invalidate([key_digest])
    return key, secret


def reroll_key(
    project: ProjectModel, old: ApiKeyModel, role: RoleModel, mint: Minter, grace_seconds: int, actor: str
) -> tuple[ApiKeyModel, dict[str, str]]:
    """A new key with the old one's owner, role and meta; the old one expires after the grace.

    A key has at most one successor: the old key records it in the same transaction, on
    condition that it has none yet, so of concurrent rerolls exactly one succeeds.
    """
    _check_rerollable(old)
    old_expires = _epoch(old.expires_at)
    lifetime: float | None = None
    if old_expires is not None:
        # Keys issued before lifetimes were recorded: from the whole-second stamps.
        lifetime = old.lifetime_seconds or old_expires - parse_rfc3339(old.created_at)

    def attempt() -> tuple[ApiKeyModel, dict[str, str], str]:
        at = now()
        spec = NewKey(
            key_type=old.type,
            name=old.name,
            description=old.description,
            owner_id=old.owner_id,
            role=role,
            expires_at=at + lifetime if lifetime is not None else None,
            meta=dict(old.meta or {}),
            template_id=old.template_id,
            request_id=old.request_id,
        )
        retire_at = at + grace_seconds if old_expires is None else min(at + grace_seconds, old_expires)
        with transaction() as txn:
            new, secret, new_digest = add_key_items(txn, project, spec, mint, actor, at)
            txn.update(
                old,
                actions=[
                    ApiKeyModel.expires_at.set(rfc3339(retire_at)),
                    ApiKeyModel.rerolled_to.set(new.id),
                    # The sweep records the end of the grace; `key.rerolled` announced it.
                    ApiKeyModel.watch.set(key_expiry.WATCHED),
                    ApiKeyModel.watch_at.set(retire_at),
                ],
                # Live and without a successor: concurrent rerolls make one successor, not several.
                condition=ApiKeyModel.revoked_at.does_not_exist() & ApiKeyModel.rerolled_to.does_not_exist(),
                label="old_key",
            )
            key_lookup.set_expiry(txn, old.digest, retire_at)
            audit.record(
                txn,
                project.id,
                actor,
                "key.rerolled",
                ("key", old.id),
                {"new_key_id": new.id, "grace_seconds": grace_seconds},
                data=key_data(old, expires_at=rfc3339(retire_at)) | {"rerolled_to": new.id},
            )
        return new, secret, new_digest

    try:
        new, secret, new_digest = retrying(attempt, retry_if=owner_role_changed)
    except TransactionCancelledError as error:
        if "old_key" in error.failed:
            _check_rerollable(get_key(project.id, old.id))
            raise ConflictError("the key changed meanwhile; read it again") from None
        raise explain_issue_failure(error) from None
    cache.key_records.invalidate([old.digest, new_digest])
    return new, secret


def _check_rerollable(key: ApiKeyModel) -> None:
    if key.revoked_at is not None:
        raise ConflictError("a revoked key cannot be rerolled")
    if key.rerolled_to is not None:
        raise AlreadyRerolledError(key.rerolled_to)


# --- reading ------------------------------------------------------------------------


def get_key(project_id: str, key_id: str) -> ApiKeyModel:
    return get_or_not_found(ApiKeyModel, project_id, key_id, prefix="key", what="key")


def list_keys(
    project_id: str,
    limit: int,
    cursor: str | None,
    *,
    owner_id: str | None = None,
    status: str | None = None,
    key_type: str | None = None,
    unused_days: int | None = None,
) -> Page[ApiKeyModel]:
    """The project's keys in creation order, filtered by owner, status, type and idleness.

    `unused_days=N`: keys with no valid verification in the last N days, never-used ones included.
    """
    condition: Condition | None = None

    def both(extra: Condition) -> None:
        nonlocal condition
        condition = extra if condition is None else condition & extra

    if owner_id is not None:
        both(ApiKeyModel.owner_id == owner_id)
    if key_type is not None:
        both(ApiKeyModel.type == key_type)
    stamp = rfc3339(now())
    if status == "revoked":
        both(ApiKeyModel.revoked_at.exists())
    elif status == "expired":
        both(ApiKeyModel.revoked_at.does_not_exist() & (ApiKeyModel.expires_at <= stamp))
    elif status == "active":
        both(
            ApiKeyModel.revoked_at.does_not_exist()
            & (ApiKeyModel.expires_at.does_not_exist() | (ApiKeyModel.expires_at > stamp))
        )
    if unused_days is not None:
        since = rfc3339(now() - unused_days * 86400)
        both(ApiKeyModel.last_used_at.does_not_exist() | (ApiKeyModel.last_used_at < since))
    return query_page(ApiKeyModel, project_id, "id", limit, cursor, filter_condition=condition, consistent_read=True)


def revoked_since(project_id: str, since: str | None, limit: int, cursor: str | None) -> Page[ApiKeyModel]:
    """Revoked keys, oldest revocation first, from `since` (RFC 3339) on."""
    start = decode_cursor(cursor, ["id", "revoked_at"])
    results = ApiKeyModel.revoked.query(
        project_id,
        range_key_condition=ApiKeyModel.revoked_at >= since if since else None,
        limit=limit + 1,
        last_evaluated_key=(
            {
                "project_id": {"S": project_id},
                "id": {"S": start["id"]},
                "revoked_at": {"S": start["revoked_at"]},
            }
            if start
            else None
        ),
    )
    return paginate(results, limit, lambda k: {"id": k.id, "revoked_at": k.revoked_at})


# --- changing -----------------------------------------------------------------------


def update_key(key: ApiKeyModel, changes: Mapping[str, Any], actor: str) -> ApiKeyModel:
    """Changes name, description or expires_at (epoch seconds or None) of a live key."""
    if not changes:
        return key
    if key.revoked_at is not None:
        raise ConflictError("a revoked key cannot be changed")
    actions = []
    for field, value in changes.items():
        if field == "expires_at":
            actions.append(
                ApiKeyModel.expires_at.set(rfc3339(value)) if value is not None else ApiKeyModel.expires_at.remove()
            )
        else:
            actions.append(getattr(ApiKeyModel, field).set(value))
    if "expires_at" in changes:
        actions.extend(key_expiry.watch_actions(key, changes["expires_at"]))
    if "expires_at" in changes and kinds()[key.type].self_contained:
        _check_signed_expiry(key, changes["expires_at"])
    condition = ApiKeyModel.revoked_at.does_not_exist()
    if "expires_at" in changes:
        # A reroll set this key's retirement; a PATCH that read the key before it must not undo it.
        if key.rerolled_to is not None:
            raise AlreadyRerolledError(
                key.rerolled_to, f"this key was rerolled to {key.rerolled_to}; its expiry is the reroll's grace"
            )
        condition &= ApiKeyModel.rerolled_to.does_not_exist()
    try:
        with transaction() as txn:
            project_is_live(txn, key.project_id)
            txn.update(key, actions=actions, condition=condition, label="key")
            if "expires_at" in changes:
                key_lookup.set_expiry(txn, key.digest, changes["expires_at"])
            audit.record(txn, key.project_id, actor, "key.updated", ("key", key.id), {"changed": sorted(changes)})
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "key" in error.failed:
            raise ConflictError("the key was revoked or rerolled meanwhile") from None
        raise
    cache.key_records.invalidate([key.digest])
    return get_key(key.project_id, key.id)


def keys_by_ids(project_id: str, key_ids: Iterable[str]) -> dict[str, ApiKeyModel]:
    wanted = [(project_id, key_id) for key_id in dict.fromkeys(key_ids) if is_id(key_id, "key")]
    if not wanted:
        return {}
    return {k.id: k for k in ApiKeyModel.batch_get(wanted, consistent_read=True)}


def all_keys(project_id: str) -> list[ApiKeyModel]:
    return list(ApiKeyModel.query(project_id, consistent_read=True))


def _check_signed_expiry(key: ApiKeyModel, new_expiry: float | None) -> None:
    """A self-contained key's expiry (a JWT's `exp`) is signed into it, and offline verifiers
    trust it: it may be brought forward (checked online) but never extended or removed."""
    current = _epoch(key.expires_at)
    if current is not None and (new_expiry is None or new_expiry > current):
        raise ValidationFailedError.single(
            "expires_at", "a JWT key's expiry is signed into the token: it can be brought forward, not extended"
        )
