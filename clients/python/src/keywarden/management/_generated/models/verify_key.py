from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VerifyKey")


@_attrs_define
class VerifyKey:
    """
    Attributes:
        key (str): an opaque or JWT key; any string: garbage is answered MALFORMED, never an error
        permissions (list[str] | Unset):
    """

    key: str
    permissions: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )
        if permissions is not UNSET:
            field_dict["permissions"] = permissions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        permissions = cast(list[str], d.pop("permissions", UNSET))

        verify_key = cls(
            key=key,
            permissions=permissions,
        )

        return verify_key
