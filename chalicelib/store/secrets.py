"""App secrets as stored: each project's secure key and service key, sealed with KMS.

The service key is also findable by its keyed hash (ServiceKeyModel), so that the
project's servers can authenticate with it; both records change in one transaction.
Making a value, sealing and opening it, and the service-key cache are the use cases'
(`services.secrets`): only sealed values and keyed hashes reach this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib.domain.app_secrets import SECRET_NAMES, SECURE_KEY
from chalicelib.domain.clock import rfc3339
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.projects import conflict_or_gone, project_is_live
from chalicelib.store.secret_models import AppSecretModel, ServiceKeyModel


class SealedValue(Struct, frozen=True):
    """A secret's value as stored: sealed, its hint, and for a service key its keyed hash."""

    sealed: str
    hint: str
    digest: str | None = None


def initial_items(project_id: str, at: str, values: Mapping[str, SealedValue]) -> list[tuple[Model, Condition]]:
    """The records of a new project's secrets, each with its create-only condition."""
    items: list[tuple[Model, Condition]] = []
    for name, value in values.items():
        record = AppSecretModel(project_id, name, sealed=value.sealed, hint=value.hint, created_at=at, version=1)
        items.append((record, AppSecretModel.name.does_not_exist()))
        if value.digest is not None:
            lookup = ServiceKeyModel(value.digest, project_id=project_id, created_at=at)
            items.append((lookup, ServiceKeyModel.digest.does_not_exist()))
    return items


def list_secrets(project_id: str) -> list[AppSecretModel]:
    return list(AppSecretModel.query(project_id, consistent_read=True))


def get_secret(project_id: str, name: str) -> AppSecretModel:
    if name not in SECRET_NAMES:
        raise NotFoundError(f"no secret named {name!r}; there are {', '.join(SECRET_NAMES)}")
    try:
        return AppSecretModel.get(project_id, name, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("secret not found") from None


def record_reveal(project_id: str, name: str, actor: str) -> None:
    """Audits a reveal (before the value is handed out)."""
    _audit_use(project_id, actor, "secret.revealed", name, {})


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


class ReplacedDigests(Struct, frozen=True):
    """The keyed hashes a service-key rotation moves: the current value's, and the previous
    value's if one is still stored (it is dropped: only one previous value lives)."""

    current: str
    previous: str | None


def rotate(
    secret: AppSecretModel,
    new: SealedValue,
    valid_until: float | None,
    started: float,
    grace_seconds: int,
    actor: str,
    replaced: ReplacedDigests | None,
) -> list[str]:
    """Replaces the secret as read with `new`; the old value keeps working until `valid_until`
    (None: stops now). Returns the service-key digests the rotation touched."""
    project_id, name = secret.project_id, secret.name
    at = rfc3339(started)
    try:
        with transaction() as txn:
            # A deletion that has begun retires the service key values it reads; none may be added.
            project_is_live(txn, project_id)
            # Optimistic: a concurrent rotation must not be silently overwritten.
            txn.update(
                secret,
                actions=[
                    AppSecretModel.sealed.set(new.sealed),
                    AppSecretModel.hint.set(new.hint),
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
            touched = []
            if replaced is not None and new.digest is not None:
                touched = _rotate_service_key_lookup(txn, secret, new.digest, replaced, valid_until, at)
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
    return touched


def _rotate_service_key_lookup(
    txn: Transaction,
    secret: AppSecretModel,
    new_digest: str,
    replaced: ReplacedDigests,
    valid_until: float | None,
    at: str,
) -> list[str]:
    """Adds the lookup changes of a service-key rotation to `txn`; returns the digests touched."""
    old_digest = replaced.current
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
    if replaced.previous is not None and replaced.previous not in touched:
        txn.delete(ServiceKeyModel(replaced.previous))
        touched.append(replaced.previous)
    return touched


def service_key_record(key_digest: str) -> tuple[str, float | None] | None:
    """The project a service key value's keyed hash belongs to, and until when it works (None: no end)."""
    try:
        item = ServiceKeyModel.get(key_digest, consistent_read=True)
    except DoesNotExist:
        return None
    return item.project_id, item.valid_until
