"""KMS envelope encryption against moto's KMS: round trips, context binding, tampering, and the data-key cache."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.cache import TtlCache
from chalicelib.crypto import envelope
from chalicelib.crypto.envelope import EnvelopeError, open_sealed, seal
from chalicelib.crypto.kms import kms_client
from chalicelib.resets import reset_all
from devstack.aws import create_kms_keys

CONTEXT = {"project_id": "prj_1", "name": "secure_key"}
SECRET = b"wGq8rT2vLx9Zp4Nc7Hs1Ab"


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    with mock_aws():
        reset_all()
        create_kms_keys()
        yield
    reset_all()


@pytest.fixture
def kms_calls(aws: None) -> Iterator[list[str]]:
    """The names of the KMS operations called, in order, from now on."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = kms_client().meta.events
    events.register("before-call.kms", record)
    yield calls
    events.unregister("before-call.kms", record)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts_of(sealed: str) -> list[str]:
    parts = sealed.split(":")
    assert len(parts) == 4 and parts[0] == "v1"
    return parts


def with_part(sealed: str, index: int, raw: bytes) -> str:
    parts = parts_of(sealed)
    parts[index] = _b64(raw)
    return ":".join(parts)


def flipped(raw: bytes, position: int) -> bytes:
    changed = bytearray(raw)
    changed[position] ^= 0x01
    return bytes(changed)


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    [SECRET, b"", b"x", bytes(range(256)), "ключ 🗝".encode(), bytes(64 * 1024)],
    ids=["secret", "empty", "one-byte", "all-bytes", "utf8", "64KiB"],
)
def test_seal_then_open_gives_the_plaintext_back(plaintext: bytes) -> None:
    assert open_sealed(seal(plaintext, CONTEXT), CONTEXT) == plaintext


def test_a_cold_process_opens_what_another_sealed() -> None:
    sealed = seal(SECRET, CONTEXT)
    reset_all()  # a new process: no cached data keys, a new client
    assert open_sealed(sealed, CONTEXT) == SECRET


def test_the_order_of_the_context_does_not_matter() -> None:
    sealed = seal(SECRET, {"project_id": "prj_1", "name": "secure_key"})
    envelope.data_keys.clear()
    assert open_sealed(sealed, {"name": "secure_key", "project_id": "prj_1"}) == SECRET


def test_the_sealed_value_does_not_contain_the_plaintext() -> None:
    sealed = seal(SECRET, CONTEXT)
    assert SECRET.decode() not in sealed
    assert SECRET not in b"".join(_unb64(part) for part in parts_of(sealed)[1:])


def test_sealing_the_same_plaintext_twice_gives_different_ciphertexts() -> None:
    first, second = seal(SECRET, CONTEXT), seal(SECRET, CONTEXT)
    assert first != second
    # Each part differs: a fresh data key and a fresh nonce every time.
    assert all(a != b for a, b in zip(parts_of(first)[1:], parts_of(second)[1:], strict=True))
    assert open_sealed(first, CONTEXT) == open_sealed(second, CONTEXT) == SECRET


# --- context binding ----------------------------------------------------------------------


OTHER_CONTEXTS = [
    {"project_id": "prj_2", "name": "secure_key"},
    {"project_id": "prj_1", "name": "service_key"},
    {"project_id": "prj_1"},
    {"project_id": "prj_1", "name": "secure_key", "extra": "x"},
    {"project_id": "PRJ_1", "name": "secure_key"},
    {},
]
OTHER_CONTEXT_IDS = ["other-project", "other-secret", "missing-name", "extra-entry", "case-differs", "empty"]


@pytest.mark.parametrize("other", OTHER_CONTEXTS, ids=OTHER_CONTEXT_IDS)
@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_sealed_value_does_not_open_in_another_context(other: dict[str, str], warm: bool) -> None:
    sealed = seal(SECRET, CONTEXT)
    if warm:
        assert open_sealed(sealed, CONTEXT) == SECRET
    else:
        envelope.data_keys.clear()
    with pytest.raises(EnvelopeError):
        open_sealed(sealed, other)
    # And the failure did not poison the right context.
    assert open_sealed(sealed, CONTEXT) == SECRET


def test_a_sealed_value_copied_to_another_record_stays_unopenable_after_a_failed_attempt() -> None:
    sealed = seal(SECRET, CONTEXT)
    other = {"project_id": "prj_2", "name": "secure_key"}
    for _ in range(3):
        with pytest.raises(EnvelopeError):
            open_sealed(sealed, other)


# --- tampering ----------------------------------------------------------------------------


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
@pytest.mark.parametrize("position", [0, 5, -17, -16, -1], ids=["first", "body", "last-of-body", "tag", "last"])
def test_a_tampered_ciphertext_does_not_open(position: int, warm: bool) -> None:
    sealed = seal(b"a secret longer than one block of AES", CONTEXT)
    if not warm:
        envelope.data_keys.clear()
    ciphertext = _unb64(parts_of(sealed)[3])
    with pytest.raises(EnvelopeError):
        open_sealed(with_part(sealed, 3, flipped(ciphertext, position)), CONTEXT)


@pytest.mark.parametrize(
    "change",
    [lambda c: c[:-1], lambda c: c[:15], lambda c: b"", lambda c: c + b"\x00", lambda c: c[1:]],
    ids=["truncated", "shorter-than-tag", "empty", "extended", "first-byte-dropped"],
)
def test_a_resized_ciphertext_does_not_open(change: Any) -> None:
    sealed = seal(SECRET, CONTEXT)
    with pytest.raises(EnvelopeError):
        open_sealed(with_part(sealed, 3, change(_unb64(parts_of(sealed)[3]))), CONTEXT)


@pytest.mark.parametrize("position", [0, 6, 11])
def test_a_tampered_nonce_does_not_open(position: int) -> None:
    sealed = seal(SECRET, CONTEXT)
    nonce = _unb64(parts_of(sealed)[2])
    assert len(nonce) == 12
    with pytest.raises(EnvelopeError):
        open_sealed(with_part(sealed, 2, flipped(nonce, position)), CONTEXT)


@pytest.mark.parametrize(
    "change",
    [lambda n: n[:-1], lambda n: n + b"\x00", lambda n: n[:4], lambda n: b"", lambda n: n * 20],
    ids=["11-bytes", "13-bytes", "4-bytes", "empty", "240-bytes"],
)
def test_a_resized_nonce_does_not_open(change: Any) -> None:
    sealed = seal(SECRET, CONTEXT)
    with pytest.raises(EnvelopeError):
        open_sealed(with_part(sealed, 2, change(_unb64(parts_of(sealed)[2]))), CONTEXT)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_tampered_data_key_does_not_open(warm: bool) -> None:
    sealed = seal(SECRET, CONTEXT)
    if not warm:
        envelope.data_keys.clear()
    encrypted_key = _unb64(parts_of(sealed)[1])
    with pytest.raises(EnvelopeError):
        open_sealed(with_part(sealed, 1, flipped(encrypted_key, len(encrypted_key) - 1)), CONTEXT)


def test_parts_of_two_sealed_values_do_not_mix() -> None:
    first, second = seal(SECRET, CONTEXT), seal(b"another secret value!", CONTEXT)
    one, two = parts_of(first), parts_of(second)
    for mixed in (
        [one[0], one[1], two[2], two[3]],
        [one[0], two[1], one[2], one[3]],
        [one[0], one[1], one[2], two[3]],
    ):
        with pytest.raises(EnvelopeError):
            open_sealed(":".join(mixed), CONTEXT)


PLAUSIBLE = "v1:AAAA:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("", id="empty"),
        pytest.param("v1", id="version-only"),
        pytest.param("v1:", id="one-separator"),
        pytest.param("v1:a:b", id="three-parts"),
        pytest.param("v1:a:b:c:d", id="five-parts"),
        pytest.param("v1:::", id="empty-parts"),
        pytest.param("v1:a:b:c", id="bad-padding"),
        pytest.param("v1:!!!!:!!!!:!!!!", id="not-base64"),
        pytest.param("v1:é:é:é", id="non-ascii"),
        pytest.param("v1:\x00:\x00:\x00", id="nul"),
        pytest.param("v2" + PLAUSIBLE[2:], id="other-version"),
        pytest.param("V1" + PLAUSIBLE[2:], id="version-case"),
        pytest.param(PLAUSIBLE, id="plausible-shape"),
        pytest.param("v1:" + "A" * 10_000 + ":AAAAAAAAAAAAAAAA:AAAA", id="oversized-data-key"),
        pytest.param("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", id="jwt"),
        pytest.param("not a sealed value", id="words"),
        pytest.param("🗝" * 100, id="emoji"),
    ],
)
def test_garbage_does_not_open(garbage: str) -> None:
    with pytest.raises(EnvelopeError):
        open_sealed(garbage, CONTEXT)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_refused_with_envelope_error(garbage: str) -> None:
    with pytest.raises(EnvelopeError):
        open_sealed(garbage, CONTEXT)


# --- the data-key cache -----------------------------------------------------------------


def test_sealing_calls_kms_once(kms_calls: list[str]) -> None:
    seal(SECRET, CONTEXT)
    assert kms_calls == ["GenerateDataKey"]


def test_a_warm_process_opens_without_calling_kms(kms_calls: list[str]) -> None:
    sealed = seal(SECRET, CONTEXT)
    assert open_sealed(sealed, CONTEXT) == SECRET
    kms_calls.clear()
    for _ in range(50):
        assert open_sealed(sealed, CONTEXT) == SECRET
    assert kms_calls == []


def test_a_cold_open_calls_kms_once_and_then_never_again(kms_calls: list[str]) -> None:
    sealed = seal(SECRET, CONTEXT)
    envelope.data_keys.clear()
    kms_calls.clear()
    assert open_sealed(sealed, CONTEXT) == SECRET
    assert kms_calls == ["Decrypt"]
    for _ in range(20):
        assert open_sealed(sealed, CONTEXT) == SECRET
    assert kms_calls == ["Decrypt"]


def test_a_cached_data_key_is_not_used_for_another_context(kms_calls: list[str]) -> None:
    sealed = seal(SECRET, CONTEXT)
    kms_calls.clear()
    with pytest.raises(EnvelopeError):
        open_sealed(sealed, {"project_id": "prj_2", "name": "secure_key"})
    # The decision was KMS's (the context is checked there), not a cache hit.
    assert kms_calls == ["Decrypt"]


def data_key_cache(max_entries: int = 3, ttl: float = 300.0) -> TtlCache[tuple[bytes, bytes], bytes]:
    return TtlCache(max_entries=max_entries, ttl=ttl)


def test_the_cache_is_bounded_in_entries() -> None:
    cache = data_key_cache()
    for number in range(4):
        cache.put((b"key-%d" % number, b"aad"), b"data-%d" % number)
    assert len(cache) == 3
    assert cache.get((b"key-0", b"aad")) == (False, None)
    assert [cache.get((b"key-%d" % n, b"aad"))[1] for n in (1, 2, 3)] == [b"data-1", b"data-2", b"data-3"]


def test_the_cache_evicts_the_least_recently_used() -> None:
    cache = data_key_cache()
    for number in range(3):
        cache.put((b"key-%d" % number, b"aad"), b"data-%d" % number)
    assert cache.get((b"key-0", b"aad")) == (True, b"data-0")  # now the most recently used
    cache.put((b"key-3", b"aad"), b"data-3")
    assert cache.get((b"key-0", b"aad")) == (True, b"data-0")
    assert cache.get((b"key-1", b"aad")) == (False, None)


def test_the_same_encrypted_key_under_another_context_is_another_entry() -> None:
    cache = data_key_cache()
    cache.put((b"key", b"aad-1"), b"data")
    assert cache.get((b"key", b"aad-2")) == (False, None)


def test_a_bounded_cache_sends_the_evicted_back_to_kms(monkeypatch: pytest.MonkeyPatch, kms_calls: list[str]) -> None:
    monkeypatch.setattr(envelope, "data_keys", data_key_cache())
    sealed = [seal(b"secret %d" % number, {"project_id": f"prj_{number}", "name": "secure_key"}) for number in range(4)]
    assert len(envelope.data_keys) == 3
    kms_calls.clear()
    for number in (3, 2, 1):
        assert (
            open_sealed(sealed[number], {"project_id": f"prj_{number}", "name": "secure_key"}) == b"secret %d" % number
        )
    assert kms_calls == []
    assert open_sealed(sealed[0], {"project_id": "prj_0", "name": "secure_key"}) == b"secret 0"
    assert kms_calls == ["Decrypt"]
    assert len(envelope.data_keys) == 3


def test_a_cached_data_key_is_forgotten_after_its_max_age(
    monkeypatch: pytest.MonkeyPatch, kms_calls: list[str]
) -> None:
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(envelope, "data_keys", TtlCache(max_entries=10, ttl=300.0, clock=lambda: clock.now))
    sealed = seal(SECRET, CONTEXT)
    clock.now += 299
    kms_calls.clear()
    assert open_sealed(sealed, CONTEXT) == SECRET
    assert kms_calls == []
    clock.now += 302
    assert open_sealed(sealed, CONTEXT) == SECRET
    assert kms_calls == ["Decrypt"]


def test_reset_forgets_cached_data_keys() -> None:
    sealed = seal(SECRET, CONTEXT)
    reset_all()
    # reset_all also forgets the client; count on the new one.
    calls: list[str] = []
    kms_client().meta.events.register("before-call.kms", lambda model, **_: calls.append(model.name))
    assert open_sealed(sealed, CONTEXT) == SECRET
    assert calls == ["Decrypt"]
