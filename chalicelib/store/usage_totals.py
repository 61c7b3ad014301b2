"""Rolled-up usage totals: written by the rollup, read by the usage API.

The rollup recomputes a total from what it adds up (raw counters, or the finer totals)
and never adds to a stored total, so running it again gives the same total. Two rollups
running at once could still write in the wrong order; every sum only grows as raw
counters grow, so a total lands only over a smaller one (`total`), and the later of two
sums always wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.usage import Granularity, size
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.usage_models import UsageTotalModel, series_of


def put(project_id: str, key_id: str, granularity: Granularity, period: str, counts: Mapping[str, int]) -> bool:
    """Stores a recomputed total; False when a newer one (a larger sum) is already there."""
    total = size(counts)
    item = UsageTotalModel(
        series_of(project_id, key_id, granularity),
        period,
        counts=dict(counts),
        total=total,
        updated_at=rfc3339(now()),
    )
    try:
        # Over a smaller or equal sum only: a rollup that read older counters must not
        # take back what a concurrent one wrote from newer ones.
        item.save(condition=UsageTotalModel.total.does_not_exist() | (UsageTotalModel.total <= total))
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def between(project_id: str, key_id: str, granularity: Granularity, first: str, last: str) -> Iterator[UsageTotalModel]:
    """The totals of a series whose period starts lie in [first, last], oldest first, strongly consistent."""
    return UsageTotalModel.query(
        series_of(project_id, key_id, granularity),
        UsageTotalModel.period.between(first, last),
        consistent_read=True,
    )


def set_last_used(project_id: str, key_id: str, at: float) -> bool:
    """Moves a key's `last_used_at` forward to `at`; never back, and never onto a missing key."""
    stamp = rfc3339(at)
    try:
        ApiKeyModel(project_id, key_id).update(
            actions=[ApiKeyModel.last_used_at.set(stamp)],
            condition=ApiKeyModel.id.exists()
            & (ApiKeyModel.last_used_at.does_not_exist() | (ApiKeyModel.last_used_at < stamp)),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True
