from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ClaimedSecretType0")


@_attrs_define
class ClaimedSecretType0:
    """
    Attributes:
        key (str): an opaque key (kw_..., the service keeps only a keyed hash) or a JWT key (no copy kept)
    """

    key: str

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key = d.pop("key")

        claimed_secret_type_0 = cls(
            key=key,
        )

        return claimed_secret_type_0
