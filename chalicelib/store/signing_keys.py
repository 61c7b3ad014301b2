"""The chain of JWT signing keys (SigningKeyModel): bootstrap, rotation, and how long each
must stay published."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import now, rfc3339
from chalicelib.errors import ConflictError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.signing_models import SigningKeyModel

# Service-wide events (no project) are recorded under this id.
SYSTEM_SCOPE = "system"


def all_signing_keys() -> list[SigningKeyModel]:
    """Every signing key; a handful at most (one per rotation)."""
    return list(SigningKeyModel.scan(consistent_read=True))


def add_first(kid: str, kms_key_id: str, jwk: dict[str, Any], at: float) -> None:
    """Records the deployment's own key as the first of the chain, signing at once (no token
    exists yet, so no verifier has a stale key set). Cold processes may race: the same kid,
    the same item, so the loser's conditional put failing changes nothing."""
    item = SigningKeyModel(kid, kms_key_id=kms_key_id, public_jwk=jwk, created_at=rfc3339(at), signs_from=at)
    try:
        item.save(condition=SigningKeyModel.kid.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def add_successor(
    head: SigningKeyModel, kid: str, kms_key_id: str, jwk: dict[str, Any], signs_from: float, actor: str
) -> SigningKeyModel:
    """Adds a key after `head`, which must still have no successor: of two concurrent
    rotations, one makes the next key and the other gets 409."""
    at = now()
    new = SigningKeyModel(kid, kms_key_id=kms_key_id, public_jwk=jwk, created_at=rfc3339(at), signs_from=signs_from)
    try:
        with transaction() as txn:
            txn.update(
                head,
                actions=[SigningKeyModel.successor.set(kid)],
                condition=SigningKeyModel.successor.does_not_exist(),
                label="head",
            )
            txn.save(new, condition=SigningKeyModel.kid.does_not_exist())
            audit.record(
                txn,
                SYSTEM_SCOPE,
                actor,
                "signing_key.rotated",
                ("signing_key", kid),
                {"previous_kid": head.kid, "signs_from": rfc3339(signs_from)},
            )
    except TransactionCancelledError as error:
        if "head" in error.failed:
            raise ConflictError("another rotation of the signing key happened meanwhile; read the JWKS") from None
        raise
    return new


def cover(kid: str, expires_at: float | None) -> None:
    """Records that `kid` is about to sign a token valid until `expires_at` (None: forever),
    so the key stays published that long. Only ever raises the horizon."""
    if expires_at is None:
        actions: list[Action] = [SigningKeyModel.signs_forever.set(True)]
        condition = SigningKeyModel.kid.exists()
    else:
        actions = [SigningKeyModel.valid_until.set(expires_at)]
        # Raise it, never lower it: another process may have covered a later token.
        condition = SigningKeyModel.kid.exists() & (
            SigningKeyModel.valid_until.does_not_exist() | (SigningKeyModel.valid_until < expires_at)
        )
    try:
        SigningKeyModel(kid).update(actions=actions, condition=condition)
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
