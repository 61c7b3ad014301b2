"""Reading the project's key-changes feed (`GET /v1/projects/{pid}/key-changes`) into the trust state.

Each poll reads from a minute (or the service's cache bound, if longer) before the newest
time seen (the service's clock: event times, and each answer's `Date`), since an event
commits a moment after the time it carries, and skips event ids already applied.
`synced_at` is when the last complete read began: the verifier trusts nothing offline when
it is older than its `stale_after`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from keywarden._trust import TrustState

# Events commit a moment after the time they carry; each poll reads this far back again.
OVERLAP = timedelta(seconds=60)
PAGE = 100
# `Date` has whole seconds; a difference within this is not a skew.
_SKEW_NOISE = 2.0

# Changes after which a key's own token (or a kept answer) no longer tells everything, none of
# them final as a revocation is: the key's next uses ask the service again. A disabled key is
# answered DISABLED there (and VALID again once enabled); a changed IP allowlist comes back
# with the answer, against which later requests are judged.
_NOT_FINAL = frozenset({"expiry_changed", "limits_changed", "disabled", "enabled", "restrictions_changed"})

Get = Callable[[str, Mapping[str, str]], httpx.Response]


class KeyChangesFeed:
    def __init__(self, uri: str, trust: TrustState, service_cache_ttl: float, service_now: datetime) -> None:
        self.uri = uri
        self._trust = trust
        self._service_cache_ttl = service_cache_ttl
        # From at least the service's cache bound back: a change that a warm cache of the
        # service may still hide must be heard, or its first-sight answer would vouch wrongly.
        self._back = max(OVERLAP, timedelta(seconds=service_cache_ttl + 5))
        self._from = service_now - self._back
        self._seen: dict[str, datetime] = {}
        self.synced_at = float("-inf")
        # Seconds the service's clock is ahead of this machine's, when more than the `Date`
        # header's resolution can explain: expiries are judged by the service's clock.
        self.skew = 0.0

    def forked(self) -> None:
        """In a forked child: an event the parent's poller was applying may be half done, so the
        next poll reads the window again and applies everything in it (applying twice is safe)."""
        self._seen.clear()
        self.synced_at = float("-inf")

    def poll(self, get: Get, asked_at: float) -> None:
        """Reads every change from the window's start, page by page, and applies the new ones."""
        params = {"since": _rfc3339(self._from), "limit": str(PAGE)}
        newest = self._from + self._back
        while True:
            response = get(self.uri, params)
            # The service's clock moves the window on even when nothing changes.
            service_now = service_time(response)
            newest = max(newest, service_now)
            offset = service_now.timestamp() - time.time()
            self.skew = offset if abs(offset) > _SKEW_NOISE else 0.0
            page = response.json()
            for item in page.get("items", []):
                at = datetime.fromisoformat(item["at"])
                newest = max(newest, at)
                if item["id"] not in self._seen:
                    self._apply(item)
                    self._seen[item["id"]] = at  # only once applied whole
            cursor = page.get("next_cursor")
            if not cursor:
                break
            params = {"cursor": cursor, "limit": str(PAGE)}
        self._from = newest - self._back
        for event_id in [e for e, at in self._seen.items() if at < self._from]:
            del self._seen[event_id]
        self.synced_at = asked_at

    def _apply(self, item: Mapping[str, Any]) -> None:
        change, key_ids = item.get("change"), list(item.get("key_ids") or [])
        if change == "revoked":
            self._trust.revoked(key_ids)
        elif change in _NOT_FINAL:
            self._trust.key_changed(key_ids, self._service_cache_ttl)
        elif change == "owner_changed" and item.get("owner_id"):
            self._trust.owner_changed(item["owner_id"], self._service_cache_ttl)


def service_time(response: httpx.Response) -> datetime:
    """The service's clock, from the answer's `Date` (this machine's when there is none)."""
    try:
        return parsedate_to_datetime(response.headers["date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
