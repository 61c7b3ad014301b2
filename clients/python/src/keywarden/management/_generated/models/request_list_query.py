from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.request_list_query_status_type_0 import RequestListQueryStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="RequestListQuery")


@_attrs_define
class RequestListQuery:
    """
    Attributes:
        cursor (None | str | Unset):
        limit (int | Unset):  Default: 50.
        requester_id (None | str | Unset):
        status (None | RequestListQueryStatusType0 | Unset):
    """

    cursor: None | str | Unset = UNSET
    limit: int | Unset = 50
    requester_id: None | str | Unset = UNSET
    status: None | RequestListQueryStatusType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cursor: None | str | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        else:
            cursor = self.cursor

        limit = self.limit

        requester_id: None | str | Unset
        if isinstance(self.requester_id, Unset):
            requester_id = UNSET
        else:
            requester_id = self.requester_id

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, RequestListQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cursor is not UNSET:
            field_dict["cursor"] = cursor
        if limit is not UNSET:
            field_dict["limit"] = limit
        if requester_id is not UNSET:
            field_dict["requester_id"] = requester_id
        if status is not UNSET:
            field_dict["status"] = status

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

        limit = d.pop("limit", UNSET)

        def _parse_requester_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        requester_id = _parse_requester_id(d.pop("requester_id", UNSET))

        def _parse_status(data: object) -> None | RequestListQueryStatusType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = RequestListQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RequestListQueryStatusType0 | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        request_list_query = cls(
            cursor=cursor,
            limit=limit,
            requester_id=requester_id,
            status=status,
        )

        request_list_query.additional_properties = d
        return request_list_query

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
