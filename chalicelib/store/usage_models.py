"""Tables of usage accounting: raw counters written by verifying processes, and the totals
the rollup computes from them.

Raw counters (`usage-counters`): one item per project, hour, key and *writer*. A writer is
one process's buffer (or one slot of its synchronous writers); it holds the cumulative
counts of its item in memory and writes them whole, so a write is idempotent and no item
is written by two processes. A hot key is thereby sharded by writer: each item takes at
most about one write per second in the default mode, whatever the key's traffic.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import KeywardenModel


class UnrolledCountersIndex(GlobalSecondaryIndex["UsageCounterModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only counters written since the rollup last covered them have `dirty`."""

    class Meta:
        index_name = "unrolled"
        projection = KeysOnlyProjection()

    dirty = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class UsageCounterModel(KeywardenModel):
    logical_name = "usage-counters"

    class Meta(KeywardenModel.Meta):
        pass

    # "<project_id>#<hour start>": one partition per project and hour, so the rollup reads
    # every counter of a project-hour in one strongly consistent query.
    pk = UnicodeAttribute(hash_key=True)
    # "<key_id>#<writer>" (key_id is `-` for verifications that named no key of the project)
    sk = UnicodeAttribute(range_key=True)
    project_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    hour = UnicodeAttribute()
    counts = JSONAttribute(default=dict)
    # The writer's flush number: a write lands only over an older one.
    seq = NumberAttribute()
    # Epoch seconds of the latest VALID verification counted here.
    last_valid_at = NumberAttribute(null=True)
    dirty = UnicodeAttribute(null=True)
    # Set by the rollup once it has covered the item: raw counters are kept 35 days after.
    expires_at = TTLAttribute(null=True)
    unrolled = UnrolledCountersIndex()


class UsageTotalModel(KeywardenModel):
    """Rolled-up totals: one item per series (project, key or `*` for the whole project,
    granularity) and period start."""

    logical_name = "usage-totals"

    class Meta(KeywardenModel.Meta):
        pass

    series = UnicodeAttribute(hash_key=True)  # "<project_id>#<key_id or *>#<hour|day|month>"
    period = UnicodeAttribute(range_key=True)  # RFC 3339 start of the period
    counts = JSONAttribute(default=dict)
    # The number of verifications in `counts`: a recomputed total lands only over a smaller one.
    total = NumberAttribute()
    updated_at = UnicodeAttribute()


def series_of(project_id: str, key_id: str, granularity: str) -> str:
    return f"{project_id}#{key_id}#{granularity}"


def counter_partition(project_id: str, hour: str) -> str:
    return f"{project_id}#{hour}"
