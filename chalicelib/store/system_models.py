"""The table of service-wide values: today, the sealed pepper of key hashes (see `store.pepper`)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import KeywardenModel


class SystemItemModel(KeywardenModel):
    """Service-wide values, such as the sealed pepper of key hashes."""

    logical_name = "system"

    class Meta(KeywardenModel.Meta):
        pass

    name = UnicodeAttribute(hash_key=True)
    sealed = UnicodeAttribute()
    created_at = UnicodeAttribute()
