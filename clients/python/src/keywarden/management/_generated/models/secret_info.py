from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SecretInfo")


@_attrs_define
class SecretInfo:
    """
    Attributes:
        created_at (str): RFC 3339, UTC
        hint (str): the last 4 characters
        name (str):
        rotated_at (None | str):
    """

    created_at: str
    hint: str
    name: str
    rotated_at: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        hint = self.hint

        name = self.name

        rotated_at: None | str
        rotated_at = self.rotated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "hint": hint,
                "name": name,
                "rotated_at": rotated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        hint = d.pop("hint")

        name = d.pop("name")

        def _parse_rotated_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rotated_at = _parse_rotated_at(d.pop("rotated_at"))

        secret_info = cls(
            created_at=created_at,
            hint=hint,
            name=name,
            rotated_at=rotated_at,
        )

        secret_info.additional_properties = d
        return secret_info

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
