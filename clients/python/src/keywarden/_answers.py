"""The service's recent answers, kept for at most the cache bound (`KEYWARDEN_CACHE_TTL`).

Keyed by a SHA-256 of the credential, so no key is held in memory longer than its request;
indexed by key id and owner id, so the key-changes feed can drop an answer the moment a
revocation or an owner's change is heard of, before its time is up.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from keywarden.verification import Verification

MAX_ANSWERS = 10_000


@dataclass(frozen=True, slots=True)
class _Answer:
    verification: Verification
    until: float


def fingerprint(credential: str) -> bytes:
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).digest()


class Answers:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._answers: dict[bytes, _Answer] = {}
        self._by_key: dict[str, set[bytes]] = {}
        self._by_owner: dict[str, set[bytes]] = {}
        self._lock = threading.Lock()

    def reset_locks(self) -> None:
        """In a forked child: a lock held by a thread of the parent would never be released."""
        self._lock = threading.Lock()

    def get(self, fingerprint: bytes) -> Verification | None:
        answer = self._answers.get(fingerprint)
        if answer is None or answer.until <= time.monotonic():
            return None
        return answer.verification

    def put(self, fingerprint: bytes, verification: Verification, asked_at: float) -> None:
        """Keeps an answer until `ttl` after it was asked for (never longer than the bound)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._answers) >= MAX_ANSWERS:
                self._evict_expired_or_oldest()
            self._answers[fingerprint] = _Answer(verification, asked_at + self.ttl)
            if verification.key_id:
                self._by_key.setdefault(verification.key_id, set()).add(fingerprint)
            if verification.owner_id:
                self._by_owner.setdefault(verification.owner_id, set()).add(fingerprint)

    def drop_key(self, key_id: str) -> None:
        with self._lock:
            for fingerprint in self._by_key.pop(key_id, ()):
                self._answers.pop(fingerprint, None)

    def drop_owner(self, owner_id: str) -> None:
        with self._lock:
            for fingerprint in self._by_owner.pop(owner_id, ()):
                self._answers.pop(fingerprint, None)

    def _evict_expired_or_oldest(self) -> None:
        """Makes room in one sweep: every expired answer, or else the oldest tenth (so that a
        full cache of live answers costs one sweep per thousand new ones, not one per put)."""
        moment = time.monotonic()
        stale = [f for f, a in self._answers.items() if a.until <= moment]
        if not stale:
            stale = list(self._answers)[: max(1, len(self._answers) // 10)]
        for fingerprint in stale:
            del self._answers[fingerprint]
        live = set(self._answers)
        for index in (self._by_key, self._by_owner):
            for name in list(index):
                index[name] &= live
                if not index[name]:
                    del index[name]
