"""Verifying an HMAC-signed request on behalf of the resource server that received it.

Everything that needs no I/O is checked first (the Authorization header, the date's
window, the content hash against the body). Then the signature, compared in constant
time with the one the key's secret makes, and the create-only replay mark of the
signature: with the key's lookup record cached (the usual case) the signature is checked
first and the mark is the one round trip; without it, the record's read and the mark's
write go at once, so guarding against replays adds no serial round trip, and the mark
is taken back if the request is refused. Last, the same chain as every other key.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from chalicelib import cache
from chalicelib.crypto.envelope import EnvelopeError, open_sealed
from chalicelib.domain import hmac_keys
from chalicelib.domain.clock import now
from chalicelib.domain.http_dates import parse_http_date
from chalicelib.domain.permission_query import Query
from chalicelib.domain.verification import (
    INVALID_SIGNATURE,
    MALFORMED,
    NOT_FOUND,
    REPLAYED,
    STALE_REQUEST,
    KeyRecord,
    Verdict,
    check,
)
from chalicelib.resets import on_reset
from chalicelib.services.verification import read_record
from chalicelib.store import key_lookup, replay

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="replay-mark")
        return _pool


@on_reset
def _forget_pool() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: str | None,
    project_id: str,
    required: Collection[str] | Query = (),
    client_ip: str | None = None,
) -> Verdict:
    """The verdict on a signed request as the resource server received it (`body` base64),
    from `client_ip` (None: not said)."""
    folded = hmac_keys.lowercase_headers(headers)
    if folded is None:
        return Verdict(MALFORMED)
    signed = hmac_keys.parse_authorization(folded.get("authorization", ""))
    date_text, host, content_sha256 = (folded.get(name, "") for name in hmac_keys.SIGNED_HEADERS)
    target = hmac_keys.path_and_query(url, host)
    date = parse_http_date(date_text)
    if signed is None or target is None or date is None or not host or not hmac_keys.is_content_hash(content_sha256):
        return Verdict(MALFORMED)
    if not hmac_keys.is_method(method):
        return Verdict(MALFORMED)
    if body is not None:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return Verdict(MALFORMED)
        if hmac_keys.content_hash(raw) != content_sha256:
            # The body is not the one that was signed.
            return Verdict(INVALID_SIGNATURE)
    at = now()
    if abs(at - date) > hmac_keys.WINDOW_SECONDS:
        return Verdict(STALE_REQUEST)

    message = hmac_keys.string_to_sign(method, target, date_text, host, content_sha256)
    mark = replay.mark_id(project_id, signed.token, signed.signature, message)
    writer = secrets.token_hex(8)
    # The mark outlives every moment at which this date still passes the window check.
    until = date + hmac_keys.WINDOW_SECONDS + 1
    lookup = key_lookup.lookup_id(signed.token)
    found, record = cache.key_records.get(lookup)
    if found:
        # The record is at hand: check the signature first, so a refused request never
        # costs a write; then the mark, the one round trip.
        refused = _refuse(record, project_id, message, signed.signature)
        if refused is not None:
            return refused
        first = replay.first_sighting(mark, until, at, writer)
    else:
        # The record must be read: read it and write the mark at once. Should the request be
        # refused or fail after all, the mark is taken back, so its retry is no replay.
        marking: Future[bool] = _background().submit(replay.first_sighting, mark, until, at, writer)
        try:
            record = read_record(lookup)
            refused = _refuse(record, project_id, message, signed.signature)
        except BaseException:
            if _marked(marking):
                replay.forget(mark, writer)
            raise
        first = marking.result()
        if refused is not None:
            if first:
                replay.forget(mark, writer)
            return refused
    assert record is not None
    if not first:
        return Verdict(REPLAYED, record)
    return check(record, project_id, required, at, client_ip)


def _marked(marking: Future[bool]) -> bool:
    """Whether the background write made the mark (False when it failed or found one)."""
    try:
        return marking.result()
    except Exception:
        return False


def _refuse(record: KeyRecord | None, project_id: str, message: bytes, presented: bytes) -> Verdict | None:
    """NOT_FOUND or INVALID_SIGNATURE for a request the key's secret did not sign, else None."""
    if record is None or record.project_id != project_id or record.sealed_secret is None:
        return Verdict(NOT_FOUND)
    try:
        secret = open_sealed(record.sealed_secret, hmac_keys.seal_context(record.project_id, record.key_id))
    except EnvelopeError:
        return Verdict(NOT_FOUND)
    if not hmac_keys.signature_matches(secret, message, presented):
        return Verdict(INVALID_SIGNATURE)
    return None
