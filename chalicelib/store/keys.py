"""API keys: the management record (ApiKeyModel) and the verification record (KeyLookupModel).

Every change that matters to verification writes both in one transaction. The key
itself is never stored: only its keyed hash (`pepper.digest`), which is also the
lookup item's primary key, so verifying reads exactly one item.

Whether a key's owner holds the "API calls" right is kept on the lookup item
(`owner_permitted`): `add_owner_right` flips it for every key the owner holds when a
membership change grants or takes the right. KeyHolderModel lists those keys; issuing
a key adds to it unconditionally (issues commute with each other), while a membership
change requires its version unchanged, so it never misses a key issued meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from msgspec import Struct
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib import cache
from chalicelib.domain import opaque_keys
from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.page import Page
from chalicelib.domain.policy import Action, MemberRole, may
from chalicelib.domain.verification import KeyRecord
from chalicelib.errors import (
    AlreadyRerolledError,
    ConflictError,
    NotFoundError,
    OwnerNotPermittedError,
    ValidationFailedError,
)
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.models import (
    ApiKeyModel,
    KeyHolderModel,
    KeyLookupModel,
    MemberModel,
    ProjectModel,
    RoleModel,
)
from chalicelib.store.pagination import decode_cursor, get_or_not_found, paginate, query_page
from chalicelib.store.pepper import digest
from chalicelib.store.projects import project_is_live

# DynamoDB allows 100 items in a transaction; leave room for the items around a chunk.
_CHUNK = 40


class NewKey(Struct, frozen=True):
    """What a caller needs to issue a key; `expires_at` is epoch seconds or None."""

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


def _holder(project_id: str, owner_id: str) -> KeyHolderModel:
    try:
        return KeyHolderModel.get(project_id, owner_id, consistent_read=True)
    except DoesNotExist:
        return KeyHolderModel(project_id, owner_id, digests=set(), version=0)


def _holder_unchanged(holder: KeyHolderModel) -> Condition:
    if holder.version == 0:
        return KeyHolderModel.owner_id.does_not_exist() | (KeyHolderModel.version == 0)
    return KeyHolderModel.version == holder.version


def _add_key_items(
    txn: Transaction, project: ProjectModel, spec: NewKey, actor: str, at: float
) -> tuple[ApiKeyModel, str, str]:
    """Adds a new key's items to `txn`: checks of project, owner and role, and both records.

    Nothing here conflicts with another key being issued: the project is only checked, the
    holder's list and version only added to, the role's count only incremented.
    """
    member = _owner_membership(project.id, spec.owner_id)
    secret = opaque_keys.generate()
    key_digest = digest(secret)
    key = ApiKeyModel(
        project.id,
        new_id("key"),
        digest=key_digest,
        type="opaque",
        name=spec.name,
        description=spec.description,
        owner_id=spec.owner_id,
        role_id=spec.role.id,
        permissions=list(spec.role.permissions),
        hint=opaque_keys.hint(secret),
        created_at=rfc3339(at),
        created_by=actor,
        expires_at=rfc3339(spec.expires_at) if spec.expires_at is not None else None,
        template_id=spec.template_id,
        request_id=spec.request_id,
        meta=dict(spec.meta),
    )
    # 0: the project is live: a deletion that has begun lists every key, so none may be added.
    project_is_live(txn, project.id)
    # 1: the owner still has the role we checked, so owner_permitted=True is true.
    txn.condition_check(
        MemberModel, project.id, spec.owner_id, condition=MemberModel.role == member.role, label="member"
    )
    # 2: the owner's key list gains this key, and its version moves, so that a membership change
    # that read the list before this commits fails and reads it again. No condition: issues commute.
    txn.update(
        KeyHolderModel(project.id, spec.owner_id),
        actions=[KeyHolderModel.digests.add({key_digest}), KeyHolderModel.version.add(1)],
        label="holder",
    )
    # 3: the role exists, and now counts this key as a user.
    txn.update(spec.role, actions=[RoleModel.ref_count.add(1)], condition=RoleModel.id.exists(), label="role")
    txn.save(key, condition=ApiKeyModel.id.does_not_exist())
    txn.save(
        KeyLookupModel(
            key_digest,
            key_id=key.id,
            project_id=project.id,
            owner_id=spec.owner_id,
            role_id=spec.role.id,
            permissions=list(spec.role.permissions),
            expires_at=spec.expires_at,
            revoked_at=None,
            owner_permitted=True,
            meta=dict(spec.meta),
        ),
        condition=KeyLookupModel.digest.does_not_exist(),
    )
    return key, secret, key_digest


def _explain_issue_failure(error: TransactionCancelledError) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "member" in error.failed:
        return ConflictError("the owner's role kept changing while the key was issued; try again")
    if "role" in error.failed:
        return ValidationFailedError.single("role_id", "no such role in this project")
    return error


def _owner_role_changed(error: TransactionCancelledError) -> bool:
    # The owner's role changed between our read and the commit: read it again (it may no
    # longer allow keys, and then _owner_membership says so) and retry.
    return error.failed == {"member"}


def create_key(project: ProjectModel, spec: NewKey, actor: str) -> tuple[ApiKeyModel, str]:
    """Issues a key; returns its record and the secret, which is never stored."""

    def attempt() -> tuple[ApiKeyModel, str, str]:
        with transaction() as txn:
            key, secret, key_digest = _add_key_items(txn, project, spec, actor, now())
            audit.record(
                txn,
                project.id,
                actor,
                "key.created",
                ("key", key.id),
                {"owner_id": spec.owner_id, "role_id": spec.role.id, "type": key.type},
            )
        return key, secret, key_digest

    try:
        key, secret, key_digest = retrying(attempt, retry_if=_owner_role_changed)
    except TransactionCancelledError as error:
        raise _explain_issue_failure(error) from None
    cache.key_records.invalidate([key_digest])
    return key, secret


def reroll_key(
    project: ProjectModel, old: ApiKeyModel, role: RoleModel, grace_seconds: int, actor: str
) -> tuple[ApiKeyModel, str]:
    """A new key with the old one's owner, role and meta; the old one expires after the grace.

    A key has at most one successor: the old key records it in the same transaction, on
    condition that it has none yet, so of concurrent rerolls exactly one succeeds.
    """
    _check_rerollable(old)
    old_expires = _epoch(old.expires_at)
    lifetime = old_expires - parse_rfc3339(old.created_at) if old_expires is not None else None

    def attempt() -> tuple[ApiKeyModel, str, str]:
        at = now()
        spec = NewKey(
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
            new, secret, new_digest = _add_key_items(txn, project, spec, actor, at)
            txn.update(
                old,
                actions=[ApiKeyModel.expires_at.set(rfc3339(retire_at)), ApiKeyModel.rerolled_to.set(new.id)],
                # Live and without a successor: concurrent rerolls make one successor, not several.
                condition=ApiKeyModel.revoked_at.does_not_exist() & ApiKeyModel.rerolled_to.does_not_exist(),
                label="old_key",
            )
            txn.update(
                KeyLookupModel(old.digest),
                actions=[KeyLookupModel.expires_at.set(retire_at)],
                condition=KeyLookupModel.digest.exists(),
            )
            audit.record(
                txn,
                project.id,
                actor,
                "key.rerolled",
                ("key", old.id),
                {"new_key_id": new.id, "grace_seconds": grace_seconds},
            )
        return new, secret, new_digest

    try:
        new, secret, new_digest = retrying(attempt, retry_if=_owner_role_changed)
    except TransactionCancelledError as error:
        if "old_key" in error.failed:
            _check_rerollable(get_key(project.id, old.id))
            raise ConflictError("the key changed meanwhile; read it again") from None
        raise _explain_issue_failure(error) from None
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
) -> Page[ApiKeyModel]:
    """The project's keys in creation order, filtered by owner, status and type."""
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


def lookup(key_digest: str) -> KeyRecord | None:
    """The verification record of a key by its keyed hash: one strongly consistent read."""
    try:
        item = KeyLookupModel.get(key_digest, consistent_read=True)
    except DoesNotExist:
        return None
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
    )


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
                new_expiry = changes["expires_at"]
                txn.update(
                    KeyLookupModel(key.digest),
                    actions=[
                        KeyLookupModel.expires_at.set(new_expiry)
                        if new_expiry is not None
                        else KeyLookupModel.expires_at.remove()
                    ],
                    condition=KeyLookupModel.digest.exists(),
                )
            audit.record(txn, key.project_id, actor, "key.updated", ("key", key.id), {"changed": sorted(changes)})
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "key" in error.failed:
            raise ConflictError("the key was revoked or rerolled meanwhile") from None
        raise
    cache.key_records.invalidate([key.digest])
    return get_key(key.project_id, key.id)


def _add_revocations(txn: Transaction, keys: list[ApiKeyModel], at: float) -> None:
    """Adds the revocation of `keys` (all live) to `txn`: both records, holders, role counts."""
    stamp = rfc3339(at)
    by_owner: dict[str, set[str]] = {}
    by_role: dict[str, int] = {}
    for key in keys:
        txn.update(
            key,
            actions=[ApiKeyModel.revoked_at.set(stamp)],
            condition=ApiKeyModel.revoked_at.does_not_exist(),
        )
        txn.update(
            KeyLookupModel(key.digest),
            actions=[KeyLookupModel.revoked_at.set(at)],
            condition=KeyLookupModel.digest.exists(),
        )
        by_owner.setdefault(key.owner_id, set()).add(key.digest)
        by_role[key.role_id] = by_role.get(key.role_id, 0) + 1
    project_id = keys[0].project_id
    for owner_id, digests in by_owner.items():
        # Removing from the set changes nothing a membership change relies on: no version bump.
        txn.update(
            KeyHolderModel(project_id, owner_id),
            actions=[KeyHolderModel.digests.delete(digests)],
            condition=KeyHolderModel.owner_id.exists(),
        )
    for role_id, count in by_role.items():
        txn.update(
            RoleModel(project_id, role_id),
            actions=[RoleModel.ref_count.add(-count)],
            condition=RoleModel.id.exists(),
        )


# DynamoDB takes at most 100 items in a transaction; one is the audit event.
_MAX_TRANSACTION_ITEMS = 100


def _revocation_chunks(keys: list[ApiKeyModel]) -> Iterator[list[ApiKeyModel]]:
    """Splits `keys` so that each chunk's transaction stays within DynamoDB's 100 items: a key
    writes 2 (both records), and each distinct owner and role in the chunk 1 more."""
    chunk: list[ApiKeyModel] = []
    owners: set[str] = set()
    roles: set[str] = set()
    for key in keys:
        cost = 2 + (key.owner_id not in owners) + (key.role_id not in roles)
        if chunk and 1 + 2 * len(chunk) + len(owners) + len(roles) + cost > _MAX_TRANSACTION_ITEMS:
            yield chunk
            chunk, owners, roles = [], set(), set()
        chunk.append(key)
        owners.add(key.owner_id)
        roles.add(key.role_id)
    if chunk:
        yield chunk


def revoke_keys(project_id: str, keys: Iterable[ApiKeyModel], actor: str, reason: str = "revoked") -> list[str]:
    """Revokes the live ones of `keys`, as many per transaction as fit; returns the ids it revoked.

    Each chunk is atomic and the whole is idempotent: running it again after a failure
    revokes what is left. A key revoked by someone else meanwhile is left out, not a 409.
    """
    live = [k for k in keys if k.revoked_at is None]
    revoked: list[str] = []
    for chunk in _revocation_chunks(live):
        try:
            done = _revoke_chunk(project_id, chunk, actor, reason)
        except TransactionCancelledError as error:
            raise ConflictError("keys kept changing while they were revoked; try again") from error
        finally:
            cache.key_records.invalidate([k.digest for k in chunk])
        revoked.extend(k.id for k in done)
    return revoked


def _revoke_chunk(project_id: str, chunk: list[ApiKeyModel], actor: str, reason: str) -> list[ApiKeyModel]:
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


def _commit_revocations(project_id: str, chunk: list[ApiKeyModel], actor: str, reason: str) -> None:
    with transaction() as txn:
        _add_revocations(txn, chunk, now())
        if len(chunk) == 1:
            audit.record(txn, project_id, actor, "key.revoked", ("key", chunk[0].id), {"reason": reason})
        else:
            audit.record(
                txn,
                project_id,
                actor,
                "key.revoked",
                ("project", project_id),
                {"reason": reason, "key_ids": [k.id for k in chunk]},
            )


def revoke_all(project_id: str, actor: str, reason: str) -> None:
    """Revokes every live key of the project (a deletion's step; nothing may add keys by then).

    A chunk that fails because someone revoked one of its keys meanwhile is read again.
    """
    for _attempt in range(5):
        try:
            revoke_keys(project_id, all_keys(project_id), actor, reason=reason)
            return
        except ConflictError:
            continue
    raise ConflictError("keys of this project kept changing while it was deleted; repeat the deletion")


def keys_by_ids(project_id: str, key_ids: Iterable[str]) -> dict[str, ApiKeyModel]:
    wanted = [(project_id, key_id) for key_id in dict.fromkeys(key_ids) if is_id(key_id, "key")]
    if not wanted:
        return {}
    return {k.id: k for k in ApiKeyModel.batch_get(wanted, consistent_read=True)}


def all_keys(project_id: str) -> list[ApiKeyModel]:
    return list(ApiKeyModel.query(project_id, consistent_read=True))


# --- the owner's right ----------------------------------------------------------------


def owner_right_changes(old: MemberRole | None, new: MemberRole | None) -> bool | None:
    """True/False when a role change grants/takes the "API calls" right; None when it does not change."""
    before, after = may(old, Action.HOLD_KEYS), may(new, Action.HOLD_KEYS)
    return None if before == after else after


def add_owner_right(txn: Transaction, project_id: str, owner_id: str, permitted: bool) -> list[str]:
    """Adds to `txn` the flip of `owner_permitted` on the owner's keys; returns their digests.

    The holder's version is a condition, so a key created meanwhile fails the transaction
    instead of being missed. Keys beyond the first chunk are flipped by `flip_remaining`.
    """
    holder = _holder(project_id, owner_id)
    digests = sorted(holder.digests or ())
    txn.condition_check(KeyHolderModel, project_id, owner_id, condition=_holder_unchanged(holder), label="holder")
    for key_digest in digests[:_CHUNK]:
        txn.update(
            KeyLookupModel(key_digest),
            actions=[KeyLookupModel.owner_permitted.set(permitted)],
            condition=KeyLookupModel.digest.exists(),
        )
    return digests


def holder_digests(project_id: str, owner_id: str) -> list[str]:
    return sorted(_holder(project_id, owner_id).digests or ())


def flip_remaining(project_id: str, owner_id: str, digests: list[str], permitted: bool, *, start: int = _CHUNK) -> bool:
    """Flips `owner_permitted` on the keys from `start` on, each chunk on condition that the
    member's role still says `permitted`; returns False when it does not (and stops).

    The condition makes the tails of two quick role changes safe in any order: the tail of
    a change that a later one overtook fails instead of undoing it. Idempotent.
    """
    holding = [role.value for role in MemberRole if may(role, Action.HOLD_KEYS)]
    # NOT IN is also true of a member no longer there: IN is false on a missing attribute.
    holds = MemberModel.role.is_in(*holding)
    still = holds if permitted else ~holds
    for begin in range(start, len(digests), _CHUNK):
        chunk = digests[begin : begin + _CHUNK]
        try:
            with transaction() as txn:
                txn.condition_check(MemberModel, project_id, owner_id, condition=still, label="member")
                for key_digest in chunk:
                    txn.update(
                        KeyLookupModel(key_digest),
                        actions=[KeyLookupModel.owner_permitted.set(permitted)],
                        condition=KeyLookupModel.digest.exists(),
                    )
        except TransactionCancelledError as error:
            if "member" in error.failed:
                return False
            raise
        finally:
            cache.key_records.invalidate(chunk)
    return True
