"""Usage: a project's or one key's verifications by period and outcome, from the rollup's totals.

Counts reach the totals when the usage rollup runs (every 5 minutes deployed, every
`KEYWARDEN_ROLLUP_INTERVAL_SECONDS` locally): the current period grows until it ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.api.http import Call, Router
from chalicelib.api.usage_schemas import Usage, UsagePoint, UsageQuery, UsageTotals
from chalicelib.domain.clock import now, stamp
from chalicelib.domain.policy import Action
from chalicelib.domain.usage import (
    DEFAULT_SPAN,
    MAX_PERIODS,
    PROJECT,
    Granularity,
    invalid_of,
    next_period,
    period_start,
    previous_period,
    valid_of,
)
from chalicelib.errors import FieldError, ValidationFailedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.store import identities, keys, usage_totals
else:  # at first use: see chalicelib.lazy
    keys = lazy_module("chalicelib.store.keys")
    identities = lazy_module("chalicelib.store.identities")
    usage_totals = lazy_module("chalicelib.store.usage_totals")

router = Router("usage", "usage")


@router.route("GET", "/v1/projects/{pid}/usage", query=UsageQuery, response=Usage, action=Action.READ_PROJECT)
def project_usage(call: Call[None, UsageQuery]) -> Usage:
    """Verifications per period, valid and invalid and by code, of the project or of one key.

    Every member may read it. A key of another project, or none, is 404.
    """
    query, project = call.query, call.access.project
    granularity: Granularity = query.granularity
    starts, end = _range(granularity, query.from_, query.to)
    if query.key_id is not None and query.identity_id is not None:
        raise ValidationFailedError(
            [
                FieldError("key_id", "give key_id or identity_id, not both"),
                FieldError("identity_id", "give key_id or identity_id, not both"),
            ]
        )
    if query.key_id is not None:
        keys.get_key(project.id, query.key_id)  # 404 unless it is a key of this project
    if query.identity_id is not None:
        identities.get_identity(project.id, query.identity_id)  # 404 unless it is an identity of this project
    series_key = query.key_id or query.identity_id or PROJECT
    stored = {
        total.period: total.counts
        for total in usage_totals.between(project.id, series_key, granularity, stamp(starts[0]), stamp(starts[-1]))
    }
    series = [
        UsagePoint(
            period_start=stamp(start),
            valid=valid_of(counts := stored.get(stamp(start), {})),
            invalid=invalid_of(counts),
            by_code=dict(sorted(counts.items())),
        )
        for start in starts
    ]
    return Usage(
        granularity=granularity,
        from_=stamp(starts[0]),
        to=stamp(end),
        key_id=query.key_id,
        identity_id=query.identity_id,
        series=series,
        totals=UsageTotals(valid=sum(p.valid for p in series), invalid=sum(p.invalid for p in series)),
    )


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailedError.single(name, "must be an RFC 3339 timestamp with a time zone") from None


def _range(granularity: Granularity, first: str | None, last: str | None) -> tuple[list[datetime], datetime]:
    """The period starts of [first, last) and its end; 422 for an empty or too long range."""
    end = _moment(last, "to") if last is not None else datetime.fromtimestamp(now(), UTC)
    limit = MAX_PERIODS[granularity]
    try:
        if first is not None:
            start = period_start(granularity, _moment(first, "from"))
        else:
            start = period_start(granularity, end)
            if start == end:
                start = previous_period(granularity, start)
            for _ in range(DEFAULT_SPAN[granularity] - 1):
                start = previous_period(granularity, start)
        if start >= end:
            raise ValidationFailedError.single("from", "must be before `to`")
        starts: list[datetime] = []
        while start < end:
            if len(starts) == limit:
                raise ValidationFailedError.single(
                    "to", f"the range spans more than {limit} periods of a {granularity}: ask for a coarser granularity"
                )
            starts.append(start)
            start = next_period(granularity, start)
    except (OverflowError, ValueError):
        raise ValidationFailedError.single("from", "the range must lie between years 1 and 9999") from None
    return starts, end
