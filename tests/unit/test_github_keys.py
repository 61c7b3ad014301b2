"""GitHub's keys, fetched and cached: a key server on loopback stands in for api.github.com.

The server (`tests.github_keys_server`) publishes P-256 keys made here, signs bodies as GitHub
signs its alerts, and counts the requests it is sent; the keyring's clock is moved by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from chalicelib.config import reset_settings
from chalicelib.services.github_keys import (
    MAX_DOCUMENT_BYTES,
    REFETCH_INTERVAL_SECONDS,
    GithubKeyring,
    Outcome,
    keyring_for,
    verify_signature,
)
from tests.github_keys_server import GithubKeysServer

BODY = b'[{"token":"kw_EXAMPLE","type":"keywarden_api_key","url":"https://github.com/o/r/blob/1/a.txt","source":"content"}]'
MAX_AGE = 3600.0


class Clock:
    """The keyring's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; loopback must be reached directly.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def github() -> Iterator[GithubKeysServer]:
    with GithubKeysServer() as server:
        yield server


@pytest.fixture
def key_id(github: GithubKeysServer) -> str:
    return github.add_key()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keyring(github: GithubKeysServer, clock: Clock) -> GithubKeyring:
    return GithubKeyring(github.url, clock=clock, timeout=1.0)


# --- the cache --------------------------------------------------------------------------------


def test_keys_are_fetched_once_for_many_verifications(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    other_id = github.add_key()
    for _ in range(25):
        assert keyring.check(BODY, key_id, github.sign(BODY, key_id)).verified
        assert keyring.check(BODY, other_id, github.sign(BODY, other_id)).verified
        clock.now += 100  # 2500 s in all: inside the hour
    assert github.requests == 1


def test_keys_are_fetched_again_once_an_hour_old(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    assert keyring.check(BODY, key_id, signature).verified
    clock.now += MAX_AGE
    assert keyring.check(BODY, key_id, signature).verified
    assert keyring.check(BODY, key_id, signature).verified
    assert github.requests == 2


def test_a_key_github_withdraws_stops_verifying_once_the_cache_is_an_hour_old(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    assert keyring.check(BODY, key_id, signature).verified
    github.add_key()
    github.remove_key(key_id)
    clock.now += MAX_AGE - 1
    assert keyring.check(BODY, key_id, signature).verified  # still cached
    clock.now += 1
    assert keyring.check(BODY, key_id, signature).outcome is Outcome.INVALID


def test_a_key_github_rotates_in_verifies_after_one_refetch(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    assert keyring.check(BODY, key_id, github.sign(BODY, key_id)).verified
    clock.now += REFETCH_INTERVAL_SECONDS
    new_id = github.add_key()
    for _ in range(5):
        assert keyring.check(BODY, new_id, github.sign(BODY, new_id)).verified
    assert github.requests == 2


def test_a_key_rotated_in_within_a_minute_of_the_last_fetch_waits_for_the_next_minute(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    assert keyring.check(BODY, key_id, github.sign(BODY, key_id)).verified
    new_id = github.add_key()
    clock.now += REFETCH_INTERVAL_SECONDS - 1
    assert keyring.check(BODY, new_id, github.sign(BODY, new_id)).outcome is Outcome.INVALID
    assert github.requests == 1
    clock.now += 1
    assert keyring.check(BODY, new_id, github.sign(BODY, new_id)).verified
    assert github.requests == 2


def test_unknown_key_ids_refetch_at_most_once_a_minute(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    assert keyring.check(BODY, key_id, signature).verified
    clock.now += REFETCH_INTERVAL_SECONDS
    for index in range(100):
        check = keyring.check(BODY, f"{index:064x}", signature)
        assert check.outcome is Outcome.INVALID and check.retry_after is None
        clock.now += 0.5  # 50 s in all
    assert github.requests == 2  # the first made-up id refetched; the others could not

    clock.now += 10
    for index in range(100):
        assert keyring.check(BODY, f"{index:064x}", signature).outcome is Outcome.INVALID
    assert github.requests == 3
    assert keyring.check(BODY, key_id, signature).verified  # a known id does not refetch
    assert github.requests == 3


def test_an_unknown_key_id_on_a_cold_keyring_costs_one_fetch(github: GithubKeysServer, keyring: GithubKeyring) -> None:
    github.add_key()
    for index in range(10):
        assert keyring.check(BODY, f"{index:064x}", "MEQCIA==").outcome is Outcome.INVALID
    assert github.requests == 1


def test_concurrent_checks_on_a_cold_keyring_fetch_once(github: GithubKeysServer, key_id: str) -> None:
    github.delay = 0.2  # every thread arrives while the first fetch is under way
    keyring = GithubKeyring(github.url, timeout=2.0)
    signature = github.sign(BODY, key_id)
    outcomes: list[Outcome] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(keyring.check(BODY, key_id, signature).outcome))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [Outcome.VERIFIED] * 8
    assert github.requests == 1


# --- when GitHub cannot be reached ------------------------------------------------------------


def test_keys_server_down_is_unreachable_not_invalid(github: GithubKeysServer, keyring: GithubKeyring) -> None:
    key_id = github.add_key()
    signature = github.sign(BODY, key_id)
    github.stop()
    check = keyring.check(BODY, key_id, signature)
    assert check.outcome is Outcome.UNREACHABLE and not check.verified
    assert check.retry_after == int(REFETCH_INTERVAL_SECONDS)


def test_an_outage_keeps_the_keys_already_fetched(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    assert keyring.check(BODY, key_id, signature).verified
    github.stop()
    clock.now += 5 * MAX_AGE  # long stale: the keyring tries to refresh, and cannot
    assert keyring.check(BODY, key_id, signature).verified
    # An id it does not hold cannot be ruled out while GitHub is unreachable.
    assert keyring.check(BODY, "f" * 64, signature).outcome is Outcome.UNREACHABLE


def test_failed_fetches_are_rate_limited_too_and_recovery_follows(
    github: GithubKeysServer, keyring: GithubKeyring, clock: Clock, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    github.status, github.body = 502, b"bad gateway"
    for _ in range(20):
        assert keyring.check(BODY, key_id, signature).outcome is Outcome.UNREACHABLE
    assert github.requests == 1
    github.status, github.body = 200, None
    clock.now += REFETCH_INTERVAL_SECONDS
    assert keyring.check(BODY, key_id, signature).verified
    assert github.requests == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"message": "Server Error"}'),
        (403, b'{"message": "API rate limit exceeded"}'),
        (404, b'{"message": "Not Found"}'),
        (200, b"<html>captive portal</html>"),
        (200, b'{"public_keys": []}'),
        (200, b'{"public_keys": [{"key_identifier": "x", "key": "not a pem"}]}'),
        (200, b'{"public_keys": "' + b"A" * (MAX_DOCUMENT_BYTES + 1) + b'"}'),
    ],
    ids=["500", "403-rate-limited", "404", "html", "no-keys", "no-usable-key", "oversize"],
)
def test_an_answer_that_is_not_the_document_is_unreachable(
    github: GithubKeysServer, keyring: GithubKeyring, key_id: str, status: int, body: bytes
) -> None:
    signature = github.sign(BODY, key_id)
    github.status, github.body = status, body
    assert keyring.check(BODY, key_id, signature).outcome is Outcome.UNREACHABLE


def test_an_oversize_answer_without_content_length_is_cut_short(
    github: GithubKeysServer, keyring: GithubKeyring, key_id: str
) -> None:
    signature = github.sign(BODY, key_id)
    # A valid document padded past the bound: the keyring stops reading rather than keep it.
    github.body = github.document_bytes(padding=MAX_DOCUMENT_BYTES)
    github.send_length = False
    assert keyring.check(BODY, key_id, signature).outcome is Outcome.UNREACHABLE


def test_a_document_just_under_the_bound_is_read(github: GithubKeysServer, keyring: GithubKeyring, key_id: str) -> None:
    github.body = github.document_bytes(padding=MAX_DOCUMENT_BYTES - 2048)
    github.send_length = False
    assert keyring.check(BODY, key_id, github.sign(BODY, key_id)).verified


@pytest.mark.parametrize(("delay", "drip"), [(5.0, 0.0), (0.0, 0.05)], ids=["silent", "dripping"])
def test_a_slow_keys_server_is_unreachable_within_the_timeout(
    github: GithubKeysServer, key_id: str, delay: float, drip: float
) -> None:
    signature = github.sign(BODY, key_id)
    github.delay, github.drip = delay, drip
    keyring = GithubKeyring(github.url, timeout=0.5)
    started = time.monotonic()
    assert keyring.check(BODY, key_id, signature).outcome is Outcome.UNREACHABLE
    assert time.monotonic() - started < 2.0


# --- the process's keyring, from the settings -------------------------------------------------


def test_verify_signature_uses_the_keys_url_setting(
    github: GithubKeysServer, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYWARDEN_GITHUB_KEYS_URL", github.url)
    reset_settings()
    try:
        signature = github.sign(BODY, key_id)
        assert verify_signature(BODY, key_id, signature).verified
        assert verify_signature(BODY, key_id, signature).verified
        assert keyring_for(github.url) is keyring_for(github.url)
        assert github.requests == 1  # one keyring per process, its keys cached
        assert verify_signature(BODY + b" ", key_id, signature).outcome is Outcome.INVALID
    finally:
        monkeypatch.undo()
        reset_settings()
        keyring_for.cache_clear()
