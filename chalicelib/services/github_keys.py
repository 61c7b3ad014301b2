"""Checking that a secret scanning alert comes from GitHub: its published keys, fetched and cached.

`verify_signature(body, key_id, signature)` answers one of three outcomes, for the route
of `POST /v1/leaks/github` to act on:

- `verified`: GitHub's key `key_id` signed `body`. Act on the alert.
- `invalid`: the headers are missing or malformed, the key id is not among GitHub's keys
  (after a refetch), or the signature does not verify. Answer 401: the sender is not GitHub,
  or sent something GitHub never signed.
- `unreachable`: the key id is not among the keys we hold and GitHub's keys document could
  not be fetched (network, timeout, an answer that is not the document). Nothing says the
  alert is forged; answer 503 with `Retry-After` so that GitHub sends it again later, rather
  than a 401 that blames GitHub for our outage.

The keys (`KEYWARDEN_GITHUB_KEYS_URL`) are kept for `MAX_AGE_SECONDS`. A key id we do not
hold makes the keyring fetch the document again, but at most once per
`REFETCH_INTERVAL_SECONDS` whatever the ids: a flood of alerts with made-up ids costs GitHub
one request a minute from this process, not one per alert. When a refresh fails, the keys
already held go on verifying (GitHub's keys live for years; its API's hiccups should not
stop alerts).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from msgspec import Struct

from chalicelib.config import get_settings
from chalicelib.domain.github_signatures import (
    KeyDocumentError,
    key_id_well_formed,
    parse_key_document,
    signature_valid,
    signature_well_formed,
)
from chalicelib.resets import on_reset

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 3600.0
REFETCH_INTERVAL_SECONDS = 60.0
# For the whole fetch, connection to last byte: the alert's sender waits meanwhile.
FETCH_TIMEOUT_SECONDS = 3.0
# GitHub's document is about 2 KB (a few keys); anything past this is not it.
MAX_DOCUMENT_BYTES = 64 * 1024
# GitHub's API refuses requests without a User-Agent.
_HEADERS = {"Accept": "application/json", "User-Agent": "keywarden-secret-scanning"}


class Outcome(StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


class SignatureCheck(Struct, frozen=True):
    """What the signature check found. `reason` is for logs: it never holds the body, the
    signature or a token."""

    outcome: Outcome
    reason: str
    # Seconds before GitHub should send the alert again (`unreachable` only).
    retry_after: int | None = None

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED


VERIFIED = SignatureCheck(Outcome.VERIFIED, "signed by one of GitHub's keys")


def _invalid(reason: str) -> SignatureCheck:
    return SignatureCheck(Outcome.INVALID, reason)


def fetch_key_document(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    """The raw keys document at `url`; raises on any failure (status, size, time)."""
    request = urllib.request.Request(url, headers=_HEADERS)  # noqa: S310 (http(s) only: config checks it)
    deadline = time.monotonic() + timeout
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (as above)
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > MAX_DOCUMENT_BYTES:
            raise KeyDocumentError(f"the keys document is {length} bytes")
        chunks: list[bytes] = []
        size = 0
        # read1: one receive at a time, so a server that drips its answer meets the deadline.
        while chunk := response.read1(16 * 1024):
            size += len(chunk)
            if size > MAX_DOCUMENT_BYTES:
                raise KeyDocumentError(f"the keys document is over {MAX_DOCUMENT_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the keys document took over {timeout:g} s")
            chunks.append(chunk)
    return b"".join(chunks)


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    return f"{type(error).__name__}: {error}"[:200]


class GithubKeyring:
    """GitHub's secret scanning keys from one URL, by key id; thread-safe.

    `fetch` and `clock` are injected for tests; `fetch(url, timeout)` returns the raw document.
    """

    def __init__(
        self,
        url: str,
        *,
        max_age: float = MAX_AGE_SECONDS,
        refetch_interval: float = REFETCH_INTERVAL_SECONDS,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        fetch: Callable[[str, float], bytes] = fetch_key_document,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._max_age = max_age
        self._refetch_interval = refetch_interval
        self._timeout = timeout
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, EllipticCurvePublicKey] = {}
        self._fetched_at: float | None = None  # the last fetch that gave keys
        self._attempted_at: float | None = None  # the last fetch, whatever came of it
        self._last_failed = False
        self._lock = threading.Lock()

    def check(self, body: bytes, key_id: str | None, signature: str | None) -> SignatureCheck:
        """Whether GitHub's key `key_id` signed `body` (the raw request body) with `signature`
        (the headers' values as sent, None when absent). Never raises."""
        # Malformed headers are refused before any fetch: they cannot make us call GitHub.
        if not key_id or not key_id_well_formed(key_id):
            return _invalid("no well-formed Github-Public-Key-Identifier")
        if not signature or not signature_well_formed(signature):
            return _invalid("no well-formed Github-Public-Key-Signature")
        key, reachable = self._key(key_id)
        if key is None:
            if not reachable:
                return SignatureCheck(
                    Outcome.UNREACHABLE, "GitHub's keys could not be fetched", retry_after=int(self._refetch_interval)
                )
            return _invalid("the key id is not one of GitHub's keys")
        if not signature_valid(key, body, signature):
            return _invalid("the signature does not verify")
        return VERIFIED

    def _key(self, key_id: str) -> tuple[EllipticCurvePublicKey | None, bool]:
        """The key (None if unknown) and whether the last fetch succeeded."""
        now = self._clock()
        key = self._keys.get(key_id)
        if key is not None and not self._stale(now):
            return key, True  # the hot path takes no lock
        with self._lock:
            # Another thread may have fetched while this one waited: then this may not fetch.
            may_fetch = self._attempted_at is None or now - self._attempted_at >= self._refetch_interval
            if may_fetch and (self._stale(now) or key_id not in self._keys):
                self._refresh(now)
            return self._keys.get(key_id), not self._last_failed

    def _stale(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self._max_age

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            keys = parse_key_document(self._fetch(self.url, self._timeout))
        except Exception as error:
            # Whatever went wrong (network, status, size, time, content), the check answers
            # `unreachable` or uses the keys it has: never an exception, never a 500.
            self._last_failed = True
            log.warning("could not fetch GitHub's secret scanning keys from %s: %s", self.url, _describe(error))
            return
        self._keys = keys
        self._fetched_at = now
        self._last_failed = False


@lru_cache(maxsize=4)
def keyring_for(url: str) -> GithubKeyring:
    """The process's keyring for `url`: its cache lives as long as the process (a warm Lambda)."""
    return GithubKeyring(url)


on_reset(keyring_for.cache_clear)


def verify_signature(
    body: bytes, key_id: str | None, signature: str | None, keyring: GithubKeyring | None = None
) -> SignatureCheck:
    """Checks a secret scanning alert's `Github-Public-Key-Identifier` and
    `Github-Public-Key-Signature` over its raw body, against the keys at
    `KEYWARDEN_GITHUB_KEYS_URL` (or `keyring`'s).

    >>> check = verify_signature(raw_body, headers.get("github-public-key-identifier"),
    ...                          headers.get("github-public-key-signature"))  # doctest: +SKIP
    >>> check.outcome  # verified -> act; invalid -> 401; unreachable -> 503, Retry-After  # doctest: +SKIP
    """
    return (keyring or keyring_for(get_settings().github_keys_url)).check(body, key_id, signature)
