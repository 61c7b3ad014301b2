"""The expiry sweep: lapses what has run out of time.

Today: key requests past their deadline (a pending one expires; an approved one that was
never claimed expires and its key is revoked). Runs hourly deployed and every minute in
the local stack; each run picks up where the last stopped, and running it twice is safe.
"""

from __future__ import annotations

from typing import Any


def sweep() -> dict[str, Any]:
    from chalicelib.store import key_requests

    return {"key_requests": key_requests.expire_lapsed()}
