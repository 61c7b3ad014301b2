from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BatchDelete")


@_attrs_define
class BatchDelete:
    """
    Attributes:
        key_ids (list[str]):
        confirm (bool | Unset):  Default: False.
    """

    key_ids: list[str]
    confirm: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        key_ids = self.key_ids

        confirm = self.confirm

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key_ids": key_ids,
            }
        )
        if confirm is not UNSET:
            field_dict["confirm"] = confirm

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key_ids = cast(list[str], d.pop("key_ids"))

        confirm = d.pop("confirm", UNSET)

        batch_delete = cls(
            key_ids=key_ids,
            confirm=confirm,
        )

        return batch_delete
