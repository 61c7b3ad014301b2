"""The meters: one item per holder of limits (a key, or an identity), counting what it used.

The item's attributes are named by what they count (see `domain.limits`): `r:<limit>:<window>`
for a rate limit's window, `c:<period>` for a credit balance. No attribute is declared beyond
the key, because their names are data; `store.meters` writes them through expressions.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import KeywardenModel


class MeterModel(KeywardenModel):
    logical_name = "meters"

    class Meta(KeywardenModel.Meta):
        pass

    # "key#<key id>" or "identity#<identity id>" (`domain.limits.meter_id`).
    id = UnicodeAttribute(hash_key=True)
