from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RateLimitState")


@_attrs_define
class RateLimitState:
    """
    Attributes:
        limit (int):
        name (str):
        remaining (int): what this window still accepts after this verification
        reset_at (str): when the window ends
    """

    limit: int
    name: str
    remaining: int
    reset_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        limit = self.limit

        name = self.name

        remaining = self.remaining

        reset_at = self.reset_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "limit": limit,
                "name": name,
                "remaining": remaining,
                "reset_at": reset_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        limit = d.pop("limit")

        name = d.pop("name")

        remaining = d.pop("remaining")

        reset_at = d.pop("reset_at")

        rate_limit_state = cls(
            limit=limit,
            name=name,
            remaining=remaining,
            reset_at=reset_at,
        )

        rate_limit_state.additional_properties = d
        return rate_limit_state

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
