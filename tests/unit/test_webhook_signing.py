"""Webhook signatures (Standard Webhooks): known answers computed here, and our headers verified by the
spec's reference implementation (the `standardwebhooks` package), as a receiver of our deliveries would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook, WebhookVerificationError

from chalicelib.domain.ids import is_id
from chalicelib.domain.webhook_signing import (
    headers,
    new_message_id,
    new_secret,
    parse_secret,
    signature,
    signature_header,
)

SECRET = bytes(range(32))
SECRET_TEXT = "whsec_" + base64.b64encode(SECRET).decode()
OLD_SECRET = bytes(range(100, 132))
OLD_SECRET_TEXT = "whsec_" + base64.b64encode(OLD_SECRET).decode()
# The spec's own example id and timestamp.
MESSAGE_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
TIMESTAMP = 1674087231
BODY = b'{"type":"key.created","timestamp":"2026-11-22T10:00:00Z","data":{"id":"key_01jd3v8m4q7e2x"}}'


def _expected(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()


def _now() -> int:
    # The reference implementation refuses timestamps more than 5 minutes from its clock.
    return int(time.time())


def test_known_answer() -> None:
    assert signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == _expected(SECRET, MESSAGE_ID, TIMESTAMP, BODY)
    # Pinned, so that a change to the helper above cannot hide a change to the signer.
    assert signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == "v1,JKCpFKfCiKcTvqvmu0MbmI5/O5vr6TotwcRVUoyHFxw="


def test_headers_carry_id_timestamp_in_seconds_signature_and_content_type() -> None:
    assert headers([SECRET], MESSAGE_ID, TIMESTAMP, BODY) == {
        "content-type": "application/json",
        "webhook-id": MESSAGE_ID,
        "webhook-timestamp": "1674087231",
        "webhook-signature": _expected(SECRET, MESSAGE_ID, TIMESTAMP, BODY),
    }


def test_rotation_signs_with_every_secret_in_order_space_separated() -> None:
    header = signature_header([SECRET, OLD_SECRET], MESSAGE_ID, TIMESTAMP, BODY)
    assert header == (
        f"{_expected(SECRET, MESSAGE_ID, TIMESTAMP, BODY)} {_expected(OLD_SECRET, MESSAGE_ID, TIMESTAMP, BODY)}"
    )


def test_the_reference_implementation_verifies_our_delivery() -> None:
    sent = headers([SECRET], new_message_id(), _now(), BODY)
    assert Webhook(SECRET_TEXT).verify(BODY, sent) == json.loads(BODY)


def test_during_rotation_a_receiver_with_either_secret_verifies() -> None:
    sent = headers([SECRET, OLD_SECRET], new_message_id(), _now(), BODY)
    assert Webhook(SECRET_TEXT).verify(BODY, sent) == json.loads(BODY)
    assert Webhook(OLD_SECRET_TEXT).verify(BODY, sent) == json.loads(BODY)
    other_text, _ = new_secret()
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(other_text).verify(BODY, sent)


def test_the_reference_implementation_refuses_a_tampered_body() -> None:
    sent = headers([SECRET], new_message_id(), _now(), BODY)
    tampered = BODY.replace(b"key.created", b"key.revoked")
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET_TEXT).verify(tampered, sent)


def test_the_reference_implementation_refuses_a_tampered_id() -> None:
    sent = headers([SECRET], new_message_id(), _now(), BODY)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET_TEXT).verify(BODY, {**sent, "webhook-id": new_message_id()})


def test_the_reference_implementation_refuses_a_tampered_timestamp() -> None:
    now = _now()
    sent = headers([SECRET], new_message_id(), now, BODY)
    # One second later is well within the tolerance, so only the signature can refuse it.
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET_TEXT).verify(BODY, {**sent, "webhook-timestamp": str(now + 1)})


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)
# Printable ASCII without spaces or full stops: what the spec lets an id be.
_message_ids = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="."), min_size=1)


@settings(max_examples=200, deadline=None)
@given(value=_json_values, ensure_ascii=st.booleans(), message_id=_message_ids)
def test_the_reference_implementation_verifies_any_json_body_and_id(
    value: object, ensure_ascii: bool, message_id: str
) -> None:
    try:
        body = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    except UnicodeEncodeError:
        body = json.dumps(value).encode()  # lone surrogates only travel escaped
    sent = headers([OLD_SECRET, SECRET], message_id, _now(), body)
    assert Webhook(SECRET_TEXT).verify(body, sent) == json.loads(body)
    assert Webhook(OLD_SECRET_TEXT).verify(body, sent) == json.loads(body)


@pytest.mark.parametrize("message_id", ["", "msg_a.b", "msg a", "msg_\n", "msg_é"])
def test_ids_the_spec_does_not_allow_are_refused(message_id: str) -> None:
    with pytest.raises(ValueError, match="message id"):
        signature(SECRET, message_id, TIMESTAMP, BODY)


def test_a_negative_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timestamp"):
        signature(SECRET, MESSAGE_ID, -1, BODY)


def test_a_header_needs_at_least_one_secret() -> None:
    with pytest.raises(ValueError, match="at least one"):
        headers([], MESSAGE_ID, TIMESTAMP, BODY)


def test_new_secret_is_32_random_bytes_shown_as_whsec_base64() -> None:
    text, raw = new_secret()
    assert len(raw) == 32
    assert text == "whsec_" + base64.b64encode(raw).decode()
    assert parse_secret(text) == raw
    assert new_secret()[1] != raw


def test_new_message_id_is_a_unique_msg_id() -> None:
    first, second = new_message_id(), new_message_id()
    assert is_id(first, "msg")
    assert first != second


def _secret_text(size: int) -> str:
    return "whsec_" + base64.b64encode(bytes(size)).decode()


@pytest.mark.parametrize("size", [24, 32, 64])
def test_parse_secret_accepts_the_lengths_the_spec_allows(size: int) -> None:
    assert parse_secret(_secret_text(size)) == bytes(size)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.b64encode(SECRET).decode(), id="no prefix"),
        pytest.param("WHSEC_" + base64.b64encode(SECRET).decode(), id="prefix in capitals"),
        pytest.param("whsk_" + base64.b64encode(SECRET).decode(), id="asymmetric prefix"),
        pytest.param("whsec_", id="empty"),
        pytest.param("", id="nothing"),
        pytest.param(SECRET_TEXT[:-1], id="padding missing"),
        pytest.param(SECRET_TEXT[:10] + "!" + SECRET_TEXT[11:], id="character outside base64"),
        pytest.param(SECRET_TEXT[:10] + " " + SECRET_TEXT[10:], id="space inside"),
        pytest.param(SECRET_TEXT + "\n", id="trailing newline"),
        pytest.param(SECRET_TEXT[:10] + "é" + SECRET_TEXT[11:], id="not ascii"),
        pytest.param("whsec_" + base64.urlsafe_b64encode(bytes([0xFB]) * 32).decode(), id="url-safe alphabet"),
        pytest.param("whsec_" + "A" * 42 + "B=", id="unused bits set"),
        pytest.param(_secret_text(23), id="too short"),
        pytest.param(_secret_text(65), id="too long"),
    ],
)
def test_parse_secret_refuses(text: str) -> None:
    assert parse_secret(text) is None
