"""The table of the audit trail: one event per change or reveal, in each project."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


class AuditEventModel(KeywardenModel):
    logical_name = "audit"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    # Time-ordered (see domain.ids), so a reverse query lists newest first.
    id = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    details = JSONAttribute(default=dict)
