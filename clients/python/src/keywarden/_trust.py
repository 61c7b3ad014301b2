"""What a `Verifier` believes about keys between requests: the state the request path reads
without a network call, and the key-changes feed that keeps it honest.

A JWT key verifies offline only while this state vouches for it. It vouches after the service
said VALID at least once (the first time this process sees the key), because a signed token
cannot show what changed since it was signed: a revocation, an expiry brought forward by a
reroll or a PATCH, an owner who lost the "API calls" right, the key disabled or its IP
allowlist changed. From then on the feed reports each such change within a poll, and the key
goes back to the service until a fresh answer vouches for it again. An answer only vouches
when it was asked for at least the service's own cache bound after this process learned of
the change, so a warm service cache cannot undo it.

Reads on the request path are single dict lookups (atomic under the GIL); the poller thread
takes the lock for its compound updates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keywarden._ip_allowlist import Network


@dataclass(frozen=True, slots=True)
class Vouched:
    """A JWT key the service has confirmed, as the service described it: valid until
    `expires_at` (epoch seconds; the service's expiry, which may be earlier than the token's
    `exp`), owned by `owner_id`, with the role, permissions and meta offline answers repeat,
    and its IP allowlist (parsed too), against which each offline use is judged."""

    expires_at: float | None
    owner_id: str
    role_id: str | None = None
    permissions: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    ip_allowlist: tuple[str, ...] = ()
    ip_networks: tuple[Network, ...] = ()


class TrustState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.vouched: dict[str, Vouched] = {}
        # Final: a revoked or expired key never verifies again (a JWT's expiry is never extended).
        self.refused: dict[str, str] = {}
        # key id / owner id -> monotonic time before which an answer may not vouch.
        self._key_doubt: dict[str, float] = {}
        self._owner_doubt: dict[str, float] = {}
        # Listeners told about every key id and owner id a change concerns (the online cache).
        self.on_key_change: list[Callable[[str], None]] = []
        self.on_owner_change: list[Callable[[str], None]] = []

    # --- the request path ---------------------------------------------------------------

    def reset_locks(self) -> None:
        """In a forked child: a lock held by a thread of the parent would never be released."""
        self._lock = threading.Lock()

    def may_vouch(self, key_id: str, owner_id: str, asked_at: float, service_cache_ttl: float) -> bool:
        """Whether an answer asked for at `asked_at` (monotonic) may be trusted beyond its request:
        asked after every doubt on the key and its owner ended, and not so long ago that a doubt
        raised and forgotten since could have been missed (a slow answer)."""
        if time.monotonic() - asked_at > service_cache_ttl:
            return False
        return asked_at >= self._key_doubt.get(key_id, 0.0) and asked_at >= self._owner_doubt.get(owner_id, 0.0)

    def vouch(self, key_id: str, record: Vouched, asked_at: float, service_cache_ttl: float) -> None:
        with self._lock:
            if key_id not in self.refused and self.may_vouch(key_id, record.owner_id, asked_at, service_cache_ttl):
                self.vouched[key_id] = record

    def unvouch(self, key_id: str) -> None:
        """The service said no (the owner lost the right, the key is gone): ask it again next time."""
        with self._lock:
            self.vouched.pop(key_id, None)

    def refuse(self, key_id: str, code: str) -> None:
        with self._lock:
            self.refused[key_id] = code
            self.vouched.pop(key_id, None)

    # --- the feed -------------------------------------------------------------------------

    def revoked(self, key_ids: list[str]) -> None:
        with self._lock:
            for key_id in key_ids:
                self.refused[key_id] = "REVOKED"
                self.vouched.pop(key_id, None)
        self._tell(self.on_key_change, key_ids)

    def key_changed(self, key_ids: list[str], service_cache_ttl: float) -> None:
        """A change the key's token cannot show (its expiry, limits, restrictions, or being
        disabled or enabled again): the service answers its next uses, and no answer vouches
        until the service's own cache has turned."""
        until = time.monotonic() + service_cache_ttl
        with self._lock:
            for key_id in key_ids:
                self._key_doubt[key_id] = max(until, self._key_doubt.get(key_id, 0.0))
                self.vouched.pop(key_id, None)
        self._tell(self.on_key_change, key_ids)

    def owner_changed(self, owner_id: str, service_cache_ttl: float) -> None:
        until = time.monotonic() + service_cache_ttl
        with self._lock:
            self._owner_doubt[owner_id] = max(until, self._owner_doubt.get(owner_id, 0.0))
            for key_id in [k for k, v in self.vouched.items() if v.owner_id == owner_id]:
                del self.vouched[key_id]
        self._tell(self.on_owner_change, [owner_id])

    def forget_doubts(self) -> None:
        """Drops doubts whose time has passed (they no longer hold anything back)."""
        moment = time.monotonic()
        with self._lock:
            for doubts in (self._key_doubt, self._owner_doubt):
                for name in [n for n, until in doubts.items() if until <= moment]:
                    del doubts[name]

    @staticmethod
    def _tell(listeners: list[Callable[[str], None]], names: list[str]) -> None:
        for listener in listeners:
            for name in names:
                listener(name)
