"""The expiry sweep: announces what is about to run out, records what has, lapses requests.

- Keys (`store.key_expiry`): `key.expiring` once per key, 7 days before it expires; an
  expired key's expiry recorded (audit `key.expired`).
- Key requests past their deadline: a pending one expires; an approved one that was never
  claimed expires and its key is revoked.

Runs hourly deployed (API.md's "daily" is a floor: requests lapse within the hour) and
every minute in the local stack; each run picks up where the last stopped, and running
it twice is safe.
"""

from __future__ import annotations

from typing import Any

from chalicelib.services import key_requests
from chalicelib.store import key_expiry


def sweep() -> dict[str, Any]:
    return {"keys": key_expiry.sweep(), "key_requests": key_requests.expire_lapsed()}
