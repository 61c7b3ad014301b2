"""Webhook signatures as the Standard Webhooks spec defines them (symmetric, `v1`).

A delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`; the
signature is `v1,` + base64(HMAC-SHA256(secret, "{id}.{timestamp}." + body)), and the
secret is shown to the endpoint's owner once as `whsec_` + base64 of its bytes. Any
Standard Webhooks library can then verify our deliveries. Pure: no AWS, no I/O.

>>> secret = parse_secret("whsec_" + "A" * 43 + "=")
>>> headers([secret], "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231, b'{"type":"key.created"}')["webhook-signature"]
'v1,RgdtosHKWkUlf478kr7yBKYNBdcmksnbeOdU27SZ8TI='
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _random
from collections.abc import Sequence

from chalicelib.domain.ids import new_id

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's marker, not a secret)
SECRET_BYTES = 32
# The spec's bounds for symmetric secrets: at least 192 bits, at most 512.
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
# A header-safe token without the full stop: the id is the first field of the signed
# content, so a `.` in it would let two different (id, timestamp) pairs sign the same bytes.
_MESSAGE_ID = re.compile(r"[\x21-\x2d\x2f-\x7e]+")


def new_secret() -> tuple[str, bytes]:
    """A fresh signing secret: the `whsec_` text shown once to the owner, and its bytes to store."""
    raw = _random.token_bytes(SECRET_BYTES)
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii"), raw


def parse_secret(text: str) -> bytes | None:
    """The bytes of a `whsec_<base64>` secret, or None when the text is not one.

    Stricter than the reference library, which also takes text without the prefix and
    skips characters outside the base64 alphabet: a secret we accept (say, one a
    caller brings to a rotation) must mean exactly one key, of a length the spec allows.
    """
    if not text.startswith(SECRET_PREFIX):
        return None
    encoded = text[len(SECRET_PREFIX) :]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):  # ValueError: text that is not ASCII
        return None
    # Canonical form only, so one key has one spelling (no unused bits set, padding present).
    if base64.b64encode(raw).decode("ascii") != encoded:
        return None
    if not MIN_SECRET_BYTES <= len(raw) <= MAX_SECRET_BYTES:
        return None
    return raw


def new_message_id() -> str:
    """A `msg_` id for one event's delivery; retries keep it, so receivers can deduplicate on it."""
    return new_id("msg")


def signature(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{message_id}.{timestamp}.{body}` under one secret.

    The id and the attempt's timestamp are signed with the body, so a receiver that
    checks the timestamp's age and remembers ids can refuse replays. Raises ValueError
    for an id the spec does not allow (empty, a `.`, or not a header-safe token) or a
    negative timestamp.
    """
    if _MESSAGE_ID.fullmatch(message_id) is None:
        raise ValueError("a webhook message id is printable ASCII without spaces or '.'")
    if timestamp < 0:
        raise ValueError("a webhook timestamp is seconds since the epoch")
    signed = f"{message_id}.{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets: Sequence[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per secret, space-separated.

    While a secret is being rotated both the new and the previous secret sign, so a
    receiver still holding the old one keeps verifying (the spec's zero-downtime rotation).
    """
    if not secrets:
        raise ValueError("a webhook needs at least one signing secret")
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets)


def headers(secrets: Sequence[bytes], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt of `body` (JSON), signed with every secret given.

    `timestamp` is the attempt's time in whole seconds, not the event's: a retry gets a
    fresh one, or receivers would refuse it as too old.
    """
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, message_id, timestamp, body),
    }
