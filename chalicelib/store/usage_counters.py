"""Raw usage counters: what verifying processes write, and what the rollup reads and retires.

A writer owns its items (see `usage_models`) and writes each whole, with its cumulative
counts, on condition that the item holds an older flush of it (`seq`). So writing the
same flush twice, or an older flush after a newer one, never moves a count: a flush that
failed half way is simply written again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from msgspec import Struct
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.usage import moment_of
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.usage_models import UsageCounterModel, counter_partition

# Items per transaction: DynamoDB's limit. Each item costs 2 write units in a transaction.
CHUNK = 100
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
    """Writes `rows` as flush number `seq` of their writer, in transactions of CHUNK items.

    Raises on an error DynamoDB gave (the caller keeps the rows to write them again).
    """
    for start in range(0, len(rows), CHUNK):
        _write_chunk(list(rows[start : start + CHUNK]), seq)


def _write_chunk(rows: list[CounterRow], seq: int) -> None:
    if len(rows) == 1:
        # One item (sync mode, most flushes after a Lambda invocation): a plain conditional
        # put is half the write units of a transaction, and a shorter round trip.
        _write_one(rows[0], seq)
        return
    for _ in range(4):
        try:
            with transaction() as txn:
                for index, row in enumerate(rows):
                    txn.save(_model(row, seq), condition=_older_flush(seq), label=str(index))
            return
        except TransactionCancelledError as error:
            if error.failed:
                # Those items already hold this flush or a newer one; the others were not
                # written (a cancelled transaction writes nothing): write only them.
                rows = [row for index, row in enumerate(rows) if str(index) not in error.failed]
                if not rows:
                    return
            elif not error.transient:
                raise
    raise TransactionCancelledError(set(), ["TransactionConflict"])


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
