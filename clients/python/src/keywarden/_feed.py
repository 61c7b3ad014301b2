"""Reading the project's key-changes feed (`GET /v1/projects/{pid}/key-changes`) into the trust state.

Each poll reads from a minute before the newest time seen (the service's clock: event times,
and each answer's `Date`), since an event commits a moment after the time it carries, and
skips event ids already applied. `synced_at` is when the last complete read began: the
verifier trusts nothing offline when it is older than its `stale_after`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from keywarden._trust import TrustState

# Events commit a moment after the time they carry; each poll reads this far back again.
OVERLAP = timedelta(seconds=60)
PAGE = 100

Get = Callable[[str, Mapping[str, str]], httpx.Response]


class KeyChangesFeed:
    def __init__(self, uri: str, trust: TrustState, service_cache_ttl: float, service_now: datetime) -> None:
        self.uri = uri
        self._trust = trust
        self._service_cache_ttl = service_cache_ttl
        self._from = service_now - OVERLAP
        self._seen: dict[str, datetime] = {}
        self.synced_at = float("-inf")

    def poll(self, get: Get, asked_at: float) -> None:
        """Reads every change from the window's start, page by page, and applies the new ones."""
        params = {"since": _rfc3339(self._from), "limit": str(PAGE)}
        newest = self._from + OVERLAP
        while True:
            response = get(self.uri, params)
            # The service's clock moves the window on even when nothing changes.
            newest = max(newest, service_time(response))
            page = response.json()
            for item in page.get("items", []):
                at = datetime.fromisoformat(item["at"])
                newest = max(newest, at)
                if item["id"] not in self._seen:
                    self._seen[item["id"]] = at
                    self._apply(item)
            cursor = page.get("next_cursor")
            if not cursor:
                break
            params = {"cursor": cursor, "limit": str(PAGE)}
        self._from = newest - OVERLAP
        for event_id in [e for e, at in self._seen.items() if at < self._from]:
            del self._seen[event_id]
        self.synced_at = asked_at

    def _apply(self, item: Mapping[str, Any]) -> None:
        change, key_ids = item.get("change"), list(item.get("key_ids") or [])
        if change == "revoked":
            self._trust.revoked(key_ids)
        elif change == "expiry_changed":
            self._trust.expiry_changed(key_ids, self._service_cache_ttl)
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
