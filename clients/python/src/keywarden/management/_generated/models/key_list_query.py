from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.key_list_query_status_type_0 import KeyListQueryStatusType0
from ..models.key_list_query_type_type_0 import KeyListQueryTypeType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="KeyListQuery")


@_attrs_define
class KeyListQuery:
    """
    Attributes:
        cursor (None | str | Unset):
        identity_id (None | str | Unset):
        limit (int | Unset):  Default: 50.
        owner_id (None | str | Unset):
        status (KeyListQueryStatusType0 | None | Unset):
        type_ (KeyListQueryTypeType0 | None | Unset):
        unused_days (int | None | Unset):
    """

    cursor: None | str | Unset = UNSET
    identity_id: None | str | Unset = UNSET
    limit: int | Unset = 50
    owner_id: None | str | Unset = UNSET
    status: KeyListQueryStatusType0 | None | Unset = UNSET
    type_: KeyListQueryTypeType0 | None | Unset = UNSET
    unused_days: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        identity_id: None | str | Unset
        if isinstance(self.identity_id, Unset):
            identity_id = UNSET
        else:
            identity_id = self.identity_id

        limit = self.limit

        owner_id: None | str | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, KeyListQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, KeyListQueryTypeType0):
            type_ = self.type_.value
        else:
            type_ = self.type_

        unused_days: int | None | Unset
        if isinstance(self.unused_days, Unset):
            unused_days = UNSET
        else:
            unused_days = self.unused_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if identity_id is not UNSET:
            field_dict["identity_id"] = identity_id
        if limit is not UNSET:
            field_dict["limit"] = limit
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if status is not UNSET:
            field_dict["status"] = status
        if type_ is not UNSET:
            field_dict["type"] = type_
        if unused_days is not UNSET:
            field_dict["unused_days"] = unused_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        def _parse_identity_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        identity_id = _parse_identity_id(d.pop("identity_id", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_owner_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        def _parse_status(data: object) -> KeyListQueryStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = KeyListQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KeyListQueryStatusType0 | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_type_(data: object) -> KeyListQueryTypeType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = KeyListQueryTypeType0(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KeyListQueryTypeType0 | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_unused_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        unused_days = _parse_unused_days(d.pop("unused_days", UNSET))

        key_list_query = cls(
            cursor=cursor,
            identity_id=identity_id,
            limit=limit,
            owner_id=owner_id,
            status=status,
            type_=type_,
            unused_days=unused_days,
        )

        key_list_query.additional_properties = d
        return key_list_query

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
