from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SecretRotate")


@_attrs_define
class SecretRotate:
    """
    Attributes:
        grace_seconds (int | Unset): 0 stops the old value at once Default: 0.
        value (str | Unset): secure_key only: an existing key to import, printable ASCII, as VK issues them
    """

    grace_seconds: int | Unset = 0
    value: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        grace_seconds = self.grace_seconds

        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if grace_seconds is not UNSET:
            field_dict["grace_seconds"] = grace_seconds
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        grace_seconds = d.pop("grace_seconds", UNSET)

        value = d.pop("value", UNSET)

        secret_rotate = cls(
            grace_seconds=grace_seconds,
            value=value,
        )

        return secret_rotate
