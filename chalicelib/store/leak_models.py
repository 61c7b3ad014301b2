"""The table of leak reports counted per source address and minute (`store.leaks`)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


class LeakReportCountModel(KeywardenModel):
    """How many leak reports one source address sent in one minute: the open report endpoint's
    rate limit. The count's condition keeps it at most the limit, in any number of processes."""

    logical_name = "leak-reports"

    class Meta(KeywardenModel.Meta):
        pass

    id = UnicodeAttribute(hash_key=True)  # "<source address>#<minute since the epoch>"
    reports = NumberAttribute(default=0)
    # DynamoDB deletes the count some time after its minute (moto never does: the id's minute
    # is what matters).
    expires_at = TTLAttribute()
