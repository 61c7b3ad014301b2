"""Raw usage counters: what verifying processes write, and what the rollup reads and retires.

A writer owns its items (see `usage_models`) and writes each whole, with its cumulative
counts, on condition that the item holds an older flush of it (`seq`). So writing the
same flush twice, or an older flush after a newer one, never moves a count: a flush that
failed half way is simply written again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from msgspec import Struct
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.usage import moment_of
from chalicelib.store.usage_models import UsageCounterModel, counter_partition

# Puts in flight at once in a flush (the functional tests set 1: in-process moto is not
# thread-safe; the local stack's moto server serializes requests as DynamoDB isolates them).
PARALLEL = 8
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
# The one value of `dirty`: the sparse index needs no more than one partition (an item
# enters it when a writer flushes over a covered item, at most once per rollup).
DIRTY = "1"
RETENTION_SECONDS = 35 * 86400


class CounterRow(Struct, frozen=True):
    """One writer's cumulative counts of one key (or NO_KEY) in one project-hour."""

    project_id: str
    key_id: str
    hour: str
    writer: str
    counts: dict[str, int]
    last_valid_at: float | None


def _older_flush(seq: int) -> Condition:
    """Only over an older flush of this writer: a delayed copy of an old write must not take
    a count back."""
    return UsageCounterModel.seq.does_not_exist() | (UsageCounterModel.seq < seq)


def _model(row: CounterRow, seq: int) -> UsageCounterModel:
    return UsageCounterModel(
        counter_partition(row.project_id, row.hour),
        f"{row.key_id}#{row.writer}",
        project_id=row.project_id,
        key_id=row.key_id,
        hour=row.hour,
        counts=row.counts,
        seq=seq,
        last_valid_at=row.last_valid_at,
        dirty=DIRTY,
    )


def write(rows: Sequence[CounterRow], seq: int) -> None:
    """Writes `rows` as flush number `seq` of their writer: one conditional put each,
    PARALLEL at a time. Each counter is idempotent on its own (cumulative counts, `seq`), so
    a transaction would add nothing but twice the write units (and, in moto, a copy of the
    table per item). Every row is tried; then the first error DynamoDB gave is raised, and
    the caller keeps the rows to write them again, whole.
    """
    if PARALLEL <= 1 or len(rows) <= 1:
        errors = [error for error in map(lambda row: _try_one(row, seq), rows) if error is not None]
    else:
        errors = [error for error in _pool().map(lambda row: _try_one(row, seq), rows) if error is not None]
    if errors:
        raise errors[0]


def _try_one(row: CounterRow, seq: int) -> Exception | None:
    try:
        _write_one(row, seq)
    except Exception as error:  # returned, and raised by write() once every row was tried
        return error
    return None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="keywarden-usage-put")
    return _executor


def _write_one(row: CounterRow, seq: int) -> None:
    try:
        _model(row, seq).save(condition=_older_flush(seq))
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        # It already holds this flush or a newer one.


def unrolled_partitions() -> Iterator[str]:
    """Project-hour partitions with counters the rollup has not covered yet, each once.

    The index is ordered by partition, so a partition's entries come together; it is read
    lazily, a page at a time, as the caller goes.
    """
    previous = None
    for entry in UsageCounterModel.unrolled.query(DIRTY):
        if entry.pk != previous:
            previous = entry.pk
            yield entry.pk


def partition(pk: str) -> Iterator[UsageCounterModel]:
    """Every counter of one project-hour, strongly consistent."""
    return UsageCounterModel.query(pk, consistent_read=True)


def mark_covered(items: Iterable[UsageCounterModel]) -> int:
    """Takes covered counters out of the rollup's index and starts their retention.

    Each on condition that its writer has not written it since it was read; a counter
    written meanwhile stays in the index for the next round. Returns how many were marked.
    """
    marked = 0
    for item in items:
        if item.dirty is None:
            continue
        hour_end = moment_of(item.hour).timestamp() + 3600
        try:
            item.update(
                actions=[
                    UsageCounterModel.dirty.remove(),
                    UsageCounterModel.expires_at.set(datetime.fromtimestamp(hour_end + RETENTION_SECONDS, UTC)),
                ],
                condition=UsageCounterModel.seq == item.seq,
            )
            marked += 1
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    return marked
