"""Replay marks of HMAC signatures: a create-only write per verified request."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from chalicelib.store.models import ReplayMarkModel


def mark_id(token: str, signature: bytes) -> str:
    return hashlib.sha256(token.encode("ascii") + b"\n" + signature).hexdigest()


def first_sighting(mark: str, until: float, at: float) -> bool:
    """Records the signature `mark` as seen until `until`; False when it was seen already
    (and its mark is still in force at `at`). One conditional write, no read."""
    item = ReplayMarkModel(mark, until=until, expires_at=datetime.fromtimestamp(until, UTC))
    try:
        item.save(condition=ReplayMarkModel.id.does_not_exist() | (ReplayMarkModel.until < at))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def forget(mark: str) -> None:
    """Takes back a mark this process just wrote for a request that was then refused, so the
    refusal does not spend the signature of the genuine request."""
    ReplayMarkModel(mark).delete()
