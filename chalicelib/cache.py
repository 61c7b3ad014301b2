"""Short-lived in-memory caches of what verification reads, and their invalidation.

Entries live at most `KEYWARDEN_CACHE_TTL` seconds (default 5), so a revocation,
expiry or change of an owner's right made in another process takes effect within that
bound; the process that makes a change invalidates its own entries at once. Each cache
is bounded in entries (oldest evicted first), so memory stays flat whatever keys callers send.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from chalicelib.config import get_settings
from chalicelib.resets import on_reset

V = TypeVar("V")
_MISSING = object()


class TtlCache(Generic[V]):
    """Thread-safe; entries expire `ttl()` seconds after they were stored; the oldest go first when full."""

    def __init__(self, max_entries: int, ttl: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, V | None]:
        """(True, value) for a fresh entry (the value may be None: a cached miss), else (False, None)."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if self._clock() >= expires:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            return False, None
        return True, value

    def put(self, key: str, value: V) -> None:
        ttl = self._ttl()
        if ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, keys: Iterable[str]) -> None:
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
key_records: TtlCache[object] = TtlCache(max_entries=50_000, ttl=_ttl)
# Projects by the keyed hash of a service key (None: not a service key).
service_keys: TtlCache[object] = TtlCache(max_entries=10_000, ttl=_ttl)
# Opened secure keys by project id.
secure_keys: TtlCache[object] = TtlCache(max_entries=10_000, ttl=_ttl)


@on_reset
def _clear_all() -> None:
    for cache in (key_records, service_keys, secure_keys):
        cache.clear()
