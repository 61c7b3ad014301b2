from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.key_create_type import KeyCreateType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.key_create_meta import KeyCreateMeta


T = TypeVar("T", bound="KeyCreate")


@_attrs_define
class KeyCreate:
    """
    Attributes:
        name (str): 1 to 128 characters
        role_id (str):
        type_ (KeyCreateType):
        description (str | Unset):  Default: ''.
        expires_at (datetime.datetime | Unset): RFC 3339, in the future; not with ttl_seconds
        meta (KeyCreateMeta | Unset): free-form JSON object, at most 4 KiB encoded
        owner_id (str | Unset): an OIDC `sub`
        ttl_seconds (int | Unset):
    """

    name: str
    role_id: str
    type_: KeyCreateType
    description: str | Unset = ""
    expires_at: datetime.datetime | Unset = UNSET
    meta: KeyCreateMeta | Unset = UNSET
    owner_id: str | Unset = UNSET
    ttl_seconds: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        role_id = self.role_id

        type_ = self.type_.value

        description = self.description

        expires_at: str | Unset = UNSET
        if not isinstance(self.expires_at, Unset):
            expires_at = self.expires_at.isoformat()

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        owner_id = self.owner_id

        ttl_seconds = self.ttl_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "role_id": role_id,
                "type": type_,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if meta is not UNSET:
            field_dict["meta"] = meta
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key_create_meta import KeyCreateMeta  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        role_id = d.pop("role_id")

        type_ = KeyCreateType(d.pop("type"))

        description = d.pop("description", UNSET)

        _expires_at = d.pop("expires_at", UNSET)
        expires_at: datetime.datetime | Unset
        if isinstance(_expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = datetime.datetime.fromisoformat(_expires_at)

        _meta = d.pop("meta", UNSET)
        meta: KeyCreateMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = KeyCreateMeta.from_dict(_meta)

        owner_id = d.pop("owner_id", UNSET)

        ttl_seconds = d.pop("ttl_seconds", UNSET)

        key_create = cls(
            name=name,
            role_id=role_id,
            type_=type_,
            description=description,
            expires_at=expires_at,
            meta=meta,
            owner_id=owner_id,
            ttl_seconds=ttl_seconds,
        )

        return key_create
