"""Usage periods and counts: pure arithmetic, no I/O.

Verifications are counted by the UTC hour they happened in; the rollup adds hours into
days and days into months. A count is a mapping of outcome code to number, e.g.
`{"VALID": 41, "NOT_FOUND": 2}`. Period starts are written as the service writes every
time (RFC 3339 UTC with seconds), so they sort as strings in time order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from chalicelib.domain.clock import stamp
from chalicelib.domain.verification import VALID

Granularity = Literal["hour", "day", "month"]
GRANULARITIES: tuple[Granularity, ...] = ("hour", "day", "month")

# The key of counts that name no key of the project (malformed or unknown keys): they
# count in the project's totals only. Key ids are `key_...`, so neither marker is one.
NO_KEY = "-"
# The key of a project's own totals in the rolled-up series.
PROJECT = "*"
# An identity's counts (each verification of its keys, counted again under its id) are a
# series of their own: never part of the project's totals, which their keys' counts make.
IDENTITY_SERIES_PREFIX = "idn_"


def is_identity_series(series_key: str) -> bool:
    return series_key.startswith(IDENTITY_SERIES_PREFIX)


# The most periods one usage query may span: a month of hours, about 13 months of days,
# 10 years of months.
MAX_PERIODS: dict[Granularity, int] = {"hour": 24 * 31, "day": 400, "month": 120}
# How far back each query reaches by default.
DEFAULT_SPAN: dict[Granularity, int] = {"hour": 24, "day": 30, "month": 12}

Counts = Mapping[str, int]


def hour_of(epoch_seconds: float) -> int:
    """The hour number (hours since the epoch) that `epoch_seconds` falls in."""
    return int(epoch_seconds // 3600)


def hour_start(hour: int) -> str:
    """`2026-11-24T04:00:00Z` for the hour number of 04:xx that day."""
    return stamp(datetime.fromtimestamp(hour * 3600, tz=UTC))


def moment_of(period: str) -> datetime:
    return datetime.strptime(period, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def period_start(granularity: Granularity, moment: datetime) -> datetime:
    """The start of the hour, day or month that `moment` (aware, UTC) falls in."""
    moment = moment.astimezone(UTC)
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_period(granularity: Granularity, start: datetime) -> datetime:
    if granularity == "hour":
        return start + timedelta(hours=1)
    if granularity == "day":
        return start + timedelta(days=1)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def previous_period(granularity: Granularity, start: datetime) -> datetime:
    if granularity == "hour":
        return start - timedelta(hours=1)
    if granularity == "day":
        return start - timedelta(days=1)
    return start.replace(year=start.year - 1, month=12) if start.month == 1 else start.replace(month=start.month - 1)


def periods(granularity: Granularity, first: datetime, end: datetime) -> Iterator[datetime]:
    """The starts of every period from the one holding `first` up to (not including) `end`."""
    start = period_start(granularity, first)
    while start < end:
        yield start
        start = next_period(granularity, start)


def parent(granularity: Granularity, period: str) -> tuple[Granularity, str] | None:
    """The day of an hour, the month of a day; None for a month.

    >>> parent("hour", "2026-11-24T04:00:00Z")
    ('day', '2026-11-24T00:00:00Z')
    """
    if granularity == "month":
        return None
    coarser: Granularity = "day" if granularity == "hour" else "month"
    return coarser, stamp(period_start(coarser, moment_of(period)))


def child_range(granularity: Granularity, period: str) -> tuple[Granularity, str, str]:
    """The finer granularity and the [first, last] period starts that add up to `period`.

    >>> child_range("day", "2026-11-24T00:00:00Z")
    ('hour', '2026-11-24T00:00:00Z', '2026-11-24T23:00:00Z')
    """
    start = moment_of(period)
    finer: Granularity = "hour" if granularity == "day" else "day"
    last = next_period(granularity, start) - (timedelta(hours=1) if finer == "hour" else timedelta(days=1))
    return finer, stamp(start), stamp(last)


def add(counts: Iterable[Counts]) -> dict[str, int]:
    """The sum of several counts, code by code, zero codes left out."""
    total: dict[str, int] = {}
    for one in counts:
        for code, n in one.items():
            if n:
                total[code] = total.get(code, 0) + int(n)
    return total


def valid_of(counts: Counts) -> int:
    return int(counts.get(VALID, 0))


def invalid_of(counts: Counts) -> int:
    return sum(int(n) for code, n in counts.items() if code != VALID)


def size(counts: Counts) -> int:
    """How many verifications `counts` holds: the rollup's measure of which total is newer.

    Raw counters only grow, so of two sums over the same counters the larger is the later
    one, and two equal sums are the same sum.
    """
    return sum(int(n) for n in counts.values())
