"""The tables of a project and what it is made of: the project, its members, its roles and its
nodes."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
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
    # Deletion first sets `deleting_at`: from then on every write to the project is refused
    # (each is conditional on neither being set), so the keys it then revokes are all there
    # are; `deleted_at` is set once they are. Projects are deleted softly: keys and audit
    # history outlive them.
    deleting_at = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    # The project's key policy (`domain.key_policy.to_document`); None: the defaults.
    key_policy = JSONAttribute(null=True)


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
    # Templates whose info fields name this node; a node in use cannot be deleted.
    ref_count = NumberAttribute(default=0)
