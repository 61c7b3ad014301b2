"""Idempotency records: the first response to a POST, replayed for 24 hours.

A record is claimed with a conditional put before the handler runs (state
`in_progress`, locked for `LOCK_SECONDS`), completed with the response after it, and
released if the handler fails unexpectedly so that a retry can run again.

aws-lambda-powertools' idempotency utility was considered: it wraps a whole function,
keeps its own boto3 resource-based table layer (a second DynamoDB stack beside
PynamoDB) and adds about 0.1 s to a cold start, while replaying an HTTP response with
its status and headers still needs this much code around it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from msgspec import Struct
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain import clock
from chalicelib.errors import ConflictError, IdempotencyKeyReusedError
from chalicelib.store.idempotency_models import IdempotencyModel

RETENTION = timedelta(hours=24)
# Marks, among the stored headers, a body kept sealed (it holds a secret shown once).
_SEALED_HEADER = "x-keywarden-sealed"
LOCK_SECONDS = 60


class StoredResponse(Struct, frozen=True):
    status_code: int
    body: str
    headers: dict[str, str]
    sealed: bool = False


def _is_condition_failure(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def begin(key: str, request_hash: str) -> StoredResponse | None:
    """Claims `key` for this request; returns the stored response when it already ran.

    Raises IdempotencyKeyReusedError when the key was used with another request, and
    ConflictError while the first request with this key is still running.
    """
    now = datetime.fromtimestamp(clock.now(), UTC)
    record = IdempotencyModel(
        key,
        request_hash=request_hash,
        state="in_progress",
        locked_until=int(now.timestamp()) + LOCK_SECONDS,
        expires_at=now + RETENTION,
    )
    try:
        # Claim the key when nobody has it, when the old record has expired (DynamoDB's
        # TTL deletes lazily), or when its holder died without releasing its lock.
        record.save(
            condition=IdempotencyModel.key.does_not_exist()
            | (IdempotencyModel.expires_at < now)
            | (
                (IdempotencyModel.state == "in_progress")
                & (IdempotencyModel.locked_until < int(now.timestamp()))
                & (IdempotencyModel.request_hash == request_hash)
            )
        )
        return None
    except PutError as error:
        if not _is_condition_failure(error):
            raise
    try:
        existing = IdempotencyModel.get(key, consistent_read=True)
    except DoesNotExist:
        raise ConflictError("a request with this Idempotency-Key just finished; retry") from None
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReusedError("this Idempotency-Key was used with a different request")
    if existing.state != "completed" or existing.status_code is None:
        raise ConflictError("a request with this Idempotency-Key is still in progress")
    headers = dict(existing.headers or {})
    sealed = headers.pop(_SEALED_HEADER, None) == "1"
    return StoredResponse(int(existing.status_code), existing.body or "", headers, sealed)


def complete(key: str, request_hash: str, response: StoredResponse, *, sealed: bool = False) -> None:
    """Stores the response of the request that holds `key`; `sealed` encrypts a body holding a secret."""
    body, headers = response.body, dict(response.headers)
    if sealed:
        body = seal(body.encode(), _context(key))
        headers[_SEALED_HEADER] = "1"
    record = IdempotencyModel(key)
    try:
        record.update(
            actions=[
                IdempotencyModel.state.set("completed"),
                IdempotencyModel.status_code.set(response.status_code),
                IdempotencyModel.body.set(body),
                IdempotencyModel.headers.set(headers),
            ],
            # Only the holder completes its own claim.
            condition=(IdempotencyModel.state == "in_progress") & (IdempotencyModel.request_hash == request_hash),
        )
    except UpdateError as error:
        if not _is_condition_failure(error):
            raise


def open_body(stored: StoredResponse, key: str) -> str:
    """The body to replay: opened when it was stored sealed."""
    return open_sealed(stored.body, _context(key)).decode() if stored.sealed else stored.body


def _context(key: str) -> dict[str, str]:
    return {"purpose": "idempotent-response", "key": key}


def release(key: str, request_hash: str) -> None:
    """Gives `key` up after a failure, so that a retry runs the request again."""
    try:
        IdempotencyModel(key).delete(
            condition=(IdempotencyModel.state == "in_progress") & (IdempotencyModel.request_hash == request_hash)
        )
    except DeleteError as error:
        if not _is_condition_failure(error):
            raise
