"""The usage rollup: raw counters into hour, day and month totals, per key and per project.

One round:
1. flush this process's buffered counts (the local stack serves and rolls up in one process);
2. for each project-hour with counters not covered yet (the sparse `unrolled` index), read
   all of its counters (one strongly consistent query) and recompute the hour totals of
   the keys written since the last round and of the whole project;
3. recompute the day totals those hours belong to from the hour totals, then the months
   from the days;
4. move each key's `last_used_at` to its latest valid verification;
5. last, mark the counters it read as covered, each on condition that its writer has not
   written it since (that starts their 35-day retention).
Steps 3 to 5 are done for every batch of 16 project-hours, so a round stopped by its
budget (or its function's timeout) has finished the batches before.

Everything is recomputed, never added, and a total lands only over a smaller one
(`store.usage_totals`), so running the round twice, concurrently, or again after a crash
at any step gives the same totals. What a round reads and writes grows with the active
key-hours since the last round, not with the number of verifications they counted.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Any

from chalicelib.domain.usage import (
    NO_KEY,
    PROJECT,
    Counts,
    Granularity,
    add,
    child_range,
    is_identity_series,
    parent,
)
from chalicelib.store import usage_counters, usage_totals
from chalicelib.store.usage_models import UsageCounterModel

# Leaves the rest to the next round (every 5 minutes) well inside the function's timeout.
BUDGET_SECONDS = 240.0
# Project-hours finished together (days, months, last use, covered): a round stopped by its
# timeout loses at most one batch's work, which the next round redoes, and the budget is
# checked between batches' partitions with at most one batch's finishing left to do.
BATCH_PARTITIONS = 16


class _Batch:
    """What a batch of project-hours owes once their hour totals are written."""

    def __init__(self) -> None:
        self.partitions = 0
        self.covered: list[UsageCounterModel] = []
        self.days: set[tuple[str, str, str]] = set()
        self.last_used: dict[tuple[str, str], float] = {}

    def roll_hour(self, items: list[UsageCounterModel], summary: dict[str, Any]) -> None:
        """The hour totals of one project-hour: its changed keys' and the whole project's."""
        self.partitions += 1
        dirty = [item for item in items if item.dirty is not None]
        if not dirty:
            return
        project_id, hour = dirty[0].project_id, dirty[0].hour
        by_key: dict[str, list[Counts]] = defaultdict(list)
        for item in items:
            by_key[item.key_id].append(item.counts)
        changed = {item.key_id for item in dirty} - {NO_KEY}
        # The project's total is its keys' (and unknown keys') counts; identities count them again.
        own = {key_id: counts for key_id, counts in by_key.items() if not is_identity_series(key_id)}
        for key_id in changed:
            summary["totals_written"] += usage_totals.put(project_id, key_id, "hour", hour, add(by_key[key_id]))
        summary["totals_written"] += usage_totals.put(project_id, PROJECT, "hour", hour, _all(own))
        up = parent("hour", hour)
        assert up is not None
        for series_key in (*changed, PROJECT):
            self.days.add((project_id, series_key, up[1]))
        for item in dirty:
            if item.key_id != NO_KEY and not is_identity_series(item.key_id) and item.last_valid_at is not None:
                slot = (project_id, item.key_id)
                self.last_used[slot] = max(self.last_used.get(slot, 0.0), float(item.last_valid_at))
        self.covered.extend(dirty)

    def finish(self, summary: dict[str, Any]) -> None:
        """Days from hours, months from days, last use; last, the counters marked covered."""
        months = set()
        for project_id, series_key, day in sorted(self.days):
            summary["totals_written"] += _recompute(project_id, series_key, "day", day)
            up = parent("day", day)
            assert up is not None
            months.add((project_id, series_key, up[1]))
        for project_id, series_key, month in sorted(months):
            summary["totals_written"] += _recompute(project_id, series_key, "month", month)
        for (project_id, key_id), at in self.last_used.items():
            usage_totals.set_last_used(project_id, key_id, at)
        summary["covered"] += usage_counters.mark_covered(self.covered)


def rollup(budget_seconds: float = BUDGET_SECONDS) -> dict[str, Any]:
    """One round; returns what it did. Safe to run twice, concurrently, or after a crash."""
    flushed = _flush_local_buffer()
    started = time.monotonic()
    summary: dict[str, Any] = {
        "flushed": flushed,
        "partitions": 0,
        "counters_read": 0,
        "totals_written": 0,
        "covered": 0,
    }
    batch = _Batch()
    for pk in usage_counters.unrolled_partitions():
        if time.monotonic() - started > budget_seconds:
            summary["left_for_next_round"] = True
            break
        items = list(usage_counters.partition(pk))
        summary["partitions"] += 1
        summary["counters_read"] += len(items)
        batch.roll_hour(items, summary)
        if batch.partitions >= BATCH_PARTITIONS:
            batch.finish(summary)
            batch = _Batch()
    batch.finish(summary)
    return summary


def _all(by_key: dict[str, list[Counts]]) -> dict[str, int]:
    return add(counts for per_key in by_key.values() for counts in per_key)


def _recompute(project_id: str, series_key: str, granularity: Granularity, period: str) -> bool:
    """A day's total from its hours, or a month's from its days."""
    finer, first, last = child_range(granularity, period)
    counts = add(total.counts for total in usage_totals.between(project_id, series_key, finer, first, last))
    return usage_totals.put(project_id, series_key, granularity, period, counts)


def _flush_local_buffer() -> int:
    recorder = sys.modules.get("chalicelib.services.usage_recorder")
    return int(recorder.flush()) if recorder is not None else 0
