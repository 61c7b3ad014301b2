"""Table models. Each class is one DynamoDB table; `logical_name` names it.

The physical name is `<table_prefix>-<logical_name>` (see Settings.table_name).
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import KeywardenModel


class ProjectModel(KeywardenModel):
    logical_name = "projects"

    class Meta(KeywardenModel.Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # How many members are owners, kept in the same transaction as every membership
    # change so that "a project keeps at least one owner" is a condition, not a scan.
    owner_count = NumberAttribute(default=0)
    # Projects are deleted softly: keys and audit history outlive them.
    deleted_at = UnicodeAttribute(null=True)


class MembersByUser(GlobalSecondaryIndex["MemberModel"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute(range_key=True)


class MemberModel(KeywardenModel):
    logical_name = "members"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    added_by = UnicodeAttribute()
    by_user = MembersByUser()


class RoleModel(KeywardenModel):
    logical_name = "roles"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    # Keys and templates that name this role; a role in use cannot be deleted.
    ref_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class NodeModel(KeywardenModel):
    logical_name = "nodes"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UnicodeAttribute()


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


class IdempotencyModel(KeywardenModel):
    logical_name = "idempotency"

    class Meta(KeywardenModel.Meta):
        pass

    # SHA-256 of the caller, the route and the Idempotency-Key header.
    key = UnicodeAttribute(hash_key=True)
    request_hash = UnicodeAttribute()
    state = UnicodeAttribute()  # in_progress | completed
    locked_until = NumberAttribute(default=0)
    status_code = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    headers = JSONAttribute(null=True)
    # DynamoDB deletes the item some time after this; reads check it too, because
    # deletion may lag by days (and moto never deletes).
    expires_at = TTLAttribute()
