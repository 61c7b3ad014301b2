"""The one in-memory cache type of the service, and the short-lived caches of verification.

Verification's entries live at most `KEYWARDEN_CACHE_TTL` seconds (default 5), so a
revocation, expiry or change of an owner's right made in another process takes effect
within that bound; the process that makes a change invalidates its own entries at once.
Every cache is bounded in entries (least recently used evicted first), so memory stays
flat whatever keys callers send.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from chalicelib.config import get_settings
from chalicelib.domain.verification import KeyRecord
from chalicelib.resets import on_reset

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Thread-safe; an entry expires `ttl` seconds after it was stored; when full, the least
    recently used goes first. `ttl` may be a function, read at each put (settings change in tests).

    >>> cache: TtlCache[str, int] = TtlCache(max_entries=2, ttl=60)
    >>> cache.put("a", 1); cache.get("a")
    (True, 1)
    """

    def __init__(
        self, max_entries: int, ttl: float | Callable[[], float], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self._ttl = ttl if callable(ttl) else (lambda: ttl)
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[bool, V | None]:
        """(True, value) for a fresh entry (the value may be None: a cached miss), else (False, None)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            expires, value = entry
            if self._clock() >= expires:
                del self._entries[key]
                return False, None
            self._entries.move_to_end(key)
            return True, value

    def put(self, key: K, value: V) -> None:
        ttl = self._ttl()
        if ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, keys: Iterable[K]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _ttl() -> float:
    return get_settings().cache_ttl


# Verification records of API keys by keyed hash (None: no such key).
key_records: TtlCache[str, KeyRecord | None] = TtlCache(max_entries=50_000, ttl=_ttl)
# (project id, valid until or None) by the keyed hash of a service key (None: not a service key).
service_keys: TtlCache[str, tuple[str, float | None] | None] = TtlCache(max_entries=10_000, ttl=_ttl)
# The opened secure key values that verify launch parameters (current, and one in its grace period), by project.
secure_keys: TtlCache[str, list[str]] = TtlCache(max_entries=10_000, ttl=_ttl)

# Of keys with limits (`services.metering`): the count each rate-limit window had when this
# process last charged it. Counts only grow within a window (whose index is in the
# attribute's name), so an entry is a floor however old: no TTL bound is needed for
# correctness, only for memory.
window_counts: TtlCache[tuple[str, str], int] = TtlCache(max_entries=50_000, ttl=60)
# Attributes of a meter that its last charge found no longer needed, dropped by the next.
stale_counters: TtlCache[str, tuple[str, ...]] = TtlCache(max_entries=50_000, ttl=60)
# Rate-limit notices this process has sent (holder, limit, window): a refusal flood writes none.
notices_sent: TtlCache[str, bool] = TtlCache(max_entries=10_000, ttl=600)


@on_reset
def _clear_all() -> None:
    for cache in (key_records, service_keys, secure_keys):
        cache.clear()
    for metered in (window_counts, stale_counters, notices_sent):
        metered.clear()
