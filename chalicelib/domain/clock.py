"""Time as the service writes it: RFC 3339 UTC with seconds, e.g. `2026-11-22T10:00:00Z`."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def rfc3339(epoch_seconds: float) -> str:
    return stamp(datetime.fromtimestamp(int(epoch_seconds), tz=UTC))


def stamp(moment: datetime) -> str:
    """`moment` (aware) in UTC, to the second: `2026-11-22T10:00:00Z`.

    Not strftime: its `%Y` does not pad years before 1000 to four digits on Linux.
    """
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def epoch_of(value: datetime) -> float:
    """Epoch seconds of an aware datetime whose UTC time is a year 1 to 9999 timestamp.

    Raises ValueError otherwise: `9999-12-31T23:59:59-10:00` is valid RFC 3339 but its UTC
    time falls in year 10000, which no RFC 3339 UTC string (and no datetime) can hold.
    """
    if value.tzinfo is None:
        raise ValueError("timestamp needs a time zone (use Z for UTC)")
    try:
        return value.astimezone(UTC).timestamp()
    except OverflowError:
        raise ValueError("timestamp is out of range in UTC") from None


def parse_rfc3339(value: str) -> float:
    """Epoch seconds of an RFC 3339 timestamp; raises ValueError for anything else."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs a time zone (use Z for UTC)")
    return parsed.timestamp()
