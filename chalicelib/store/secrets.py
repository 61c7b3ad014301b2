"""App secrets: each project's secure key and service key, sealed with KMS.

The service key is also findable by its keyed hash (ServiceKeyModel), so that the
project's servers can authenticate with it; both records change in one transaction.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib import cache
from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain.base62 import random_text
from chalicelib.domain.clock import now, rfc3339
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.pepper import digest
from chalicelib.store.projects import conflict_or_gone, project_is_live
from chalicelib.store.secret_models import AppSecretModel, ServiceKeyModel

SECURE_KEY = "secure_key"
SERVICE_KEY = "service_key"
SECRET_NAMES = (SECURE_KEY, SERVICE_KEY)
SERVICE_KEY_PREFIX = "kws_"


def new_value(name: str) -> str:
    """A fresh secret: 32 base62 characters (about 190 bits), service keys prefixed `kws_`."""
    return SERVICE_KEY_PREFIX + random_text(40) if name == SERVICE_KEY else random_text(32)


def hint(value: str) -> str:
    return value[-4:]


def _context(project_id: str, name: str) -> dict[str, str]:
    # Binds a sealed value to its record: moved to another project or name, it fails to open.
    return {"project_id": project_id, "secret": name}


def initial_items(project_id: str, at: str) -> list[tuple[Model, Condition]]:
    """The records of a new project's two secrets, each with its create-only condition."""
    items: list[tuple[Model, Condition]] = []
    for name in SECRET_NAMES:
        value = new_value(name)
        sealed = seal(value.encode(), _context(project_id, name))
        record = AppSecretModel(project_id, name, sealed=sealed, hint=hint(value), created_at=at, version=1)
        items.append((record, AppSecretModel.name.does_not_exist()))
        if name == SERVICE_KEY:
            lookup = ServiceKeyModel(digest(value), project_id=project_id, created_at=at)
            items.append((lookup, ServiceKeyModel.digest.does_not_exist()))
    return items


def list_secrets(project_id: str) -> list[AppSecretModel]:
    return list(AppSecretModel.query(project_id, consistent_read=True))


def _get(project_id: str, name: str) -> AppSecretModel:
    if name not in SECRET_NAMES:
        raise NotFoundError(f"no secret named {name!r}; there are {', '.join(SECRET_NAMES)}")
    try:
        return AppSecretModel.get(project_id, name, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("secret not found") from None


def reveal(project_id: str, name: str, actor: str) -> str:
    """The secret's current value; the reveal is audited before the value is returned."""
    secret = _get(project_id, name)
    value = open_sealed(secret.sealed, _context(project_id, name)).decode()
    _audit_use(project_id, actor, "secret.revealed", name, {})
    return value


def record_signing(project_id: str, param_names: list[str], actor: str) -> None:
    """Audits a signing of launch parameters with the secure key: the names signed, never a value."""
    _audit_use(project_id, actor, "launch_params.signed", SECURE_KEY, {"params": param_names})


def _audit_use(project_id: str, actor: str, action: str, name: str, details: dict[str, Any]) -> None:
    try:
        with transaction() as txn:
            # A project being deleted shows nothing more.
            project_is_live(txn, project_id)
            audit.record(txn, project_id, actor, action, ("secret", name), details)
    except TransactionCancelledError as error:
        raise conflict_or_gone(error, "the project changed meanwhile; try again") from None


class Rotation(Struct, frozen=True):
    value: str
    previous_valid_until: float | None


def rotate(project_id: str, name: str, imported: str | None, grace_seconds: int, actor: str) -> Rotation:
    """Replaces the secret; the old value keeps working for `grace_seconds` (0: stops now)."""
    secret = _get(project_id, name)
    context = _context(project_id, name)
    value = imported if imported is not None else new_value(name)
    started = now()
    at = rfc3339(started)
    valid_until = started + grace_seconds if grace_seconds > 0 else None
    try:
        with transaction() as txn:
            # A deletion that has begun retires the service key values it reads; none may be added.
            project_is_live(txn, project_id)
            # Optimistic: a concurrent rotation must not be silently overwritten.
            txn.update(
                secret,
                actions=[
                    AppSecretModel.sealed.set(seal(value.encode(), context)),
                    AppSecretModel.hint.set(hint(value)),
                    AppSecretModel.rotated_at.set(at),
                    *(
                        [
                            AppSecretModel.previous_sealed.set(secret.sealed),
                            AppSecretModel.previous_valid_until.set(valid_until),
                        ]
                        if valid_until is not None
                        else [AppSecretModel.previous_sealed.remove(), AppSecretModel.previous_valid_until.remove()]
                    ),
                    AppSecretModel.version.add(1),
                ],
                condition=AppSecretModel.version == secret.version,
                label="secret",
            )
            stale_digests = (
                _rotate_service_key_lookup(txn, secret, context, value, valid_until, at) if name == SERVICE_KEY else []
            )
            audit.record(
                txn,
                project_id,
                actor,
                "secret.rotated",
                ("secret", name),
                {"grace_seconds": grace_seconds},
                data={
                    "project_id": project_id,
                    "name": name,
                    "rotated_at": at,
                    "previous_valid_until": rfc3339(valid_until) if valid_until is not None else None,
                },
            )
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "secret" in error.failed:
            raise ConflictError("the secret was rotated by someone else meanwhile; try again") from None
        raise
    cache.secure_keys.invalidate([project_id])
    cache.service_keys.invalidate(stale_digests)
    return Rotation(value, valid_until)


def _rotate_service_key_lookup(
    txn: Transaction, secret: AppSecretModel, context: dict[str, str], value: str, valid_until: float | None, at: str
) -> list[str]:
    """Adds the lookup changes of a service-key rotation to `txn`; returns the digests touched."""
    old_digest = digest(open_sealed(secret.sealed, context).decode())
    new_digest = digest(value)
    txn.save(
        ServiceKeyModel(new_digest, project_id=secret.project_id, created_at=at),
        condition=ServiceKeyModel.digest.does_not_exist(),
    )
    if valid_until is None:
        txn.delete(ServiceKeyModel(old_digest))
    else:
        txn.update(
            ServiceKeyModel(old_digest),
            actions=[ServiceKeyModel.valid_until.set(valid_until)],
            condition=ServiceKeyModel.digest.exists(),
        )
    # A value still in an earlier grace period is dropped: only one previous value lives.
    touched = [old_digest, new_digest]
    if secret.previous_sealed:
        older = digest(open_sealed(secret.previous_sealed, context).decode())
        if older not in touched:
            txn.delete(ServiceKeyModel(older))
            touched.append(older)
    return touched


def service_key_digests(project_id: str, *, include_retired: bool = False) -> list[str]:
    """The lookup digests of a project's service key values that may still authenticate
    (`include_retired`: also a previous value whose grace period is over)."""
    return [digest(value) for value in current_and_previous(project_id, SERVICE_KEY, include_retired=include_retired)]


def current_and_previous(project_id: str, name: str, *, include_retired: bool = False) -> list[str]:
    """The values that authenticate now: the current one and one still in its grace period."""
    secret = _get(project_id, name)
    context = _context(project_id, name)
    values = [open_sealed(secret.sealed, context).decode()]
    if secret.previous_sealed and (include_retired or (secret.previous_valid_until or 0) > now()):
        values.append(open_sealed(secret.previous_sealed, context).decode())
    return values


def project_of_service_key(value: str) -> str | None:
    """The project a service key authenticates, or None (unknown, rotated out, or expired)."""
    key_digest = digest(value)
    found, cached = cache.service_keys.get(key_digest)
    if not found:
        try:
            item = ServiceKeyModel.get(key_digest, consistent_read=True)
            cached = (item.project_id, item.valid_until)
        except DoesNotExist:
            cached = None
        cache.service_keys.put(key_digest, cached)
    if cached is None:
        return None
    project_id, valid_until = cached
    if valid_until is not None and valid_until <= now():
        return None
    return str(project_id)
