"""Replay marks of HMAC signatures: a create-only write per verified request."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.store.replay_models import ReplayMarkModel


def mark_id(project_id: str, token: str, signature: bytes, message: bytes) -> str:
    """The mark of one signed request, as one project received it. The signed message is part
    of it: a forged copy that carries the genuine signature over another message never shares
    the genuine request's mark, while a replay (the same message) always does; nor does a copy
    sent through another project's service key."""
    digest = hashlib.sha256()
    for part in (project_id.encode("ascii"), token.encode("ascii"), signature, hashlib.sha256(message).digest()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()


def first_sighting(mark: str, until: float, at: float, writer: str) -> bool:
    """Records the request `mark` as seen until `until`; False when it was seen already
    (and its mark is still in force at `at`). One conditional write, no read. `writer`
    (random) lets this call, and only this call, take the mark back."""
    item = ReplayMarkModel(mark, until=until, writer=writer, expires_at=datetime.fromtimestamp(until, UTC))
    try:
        # Create-only; a mark past its `until` is as good as gone (TTL deletion lags).
        item.save(condition=ReplayMarkModel.id.does_not_exist() | (ReplayMarkModel.until < at))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def forget(mark: str, writer: str) -> None:
    """Takes back a mark `first_sighting(..., writer)` wrote, for a request that was then
    refused or failed, so that its retry is not a replay. Only if it is still that write's."""
    try:
        ReplayMarkModel(mark).delete(condition=ReplayMarkModel.writer == writer)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
