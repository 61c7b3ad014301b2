from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SigningKeyRotated")


@_attrs_define
class SigningKeyRotated:
    """
    Attributes:
        kid (str):
        previous_kid (str):
        signs_from (str): published now; signs new JWT keys from then on
    """

    kid: str
    previous_kid: str
    signs_from: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kid = self.kid

        previous_kid = self.previous_kid

        signs_from = self.signs_from

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kid": kid,
                "previous_kid": previous_kid,
                "signs_from": signs_from,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kid = d.pop("kid")

        previous_kid = d.pop("previous_kid")

        signs_from = d.pop("signs_from")

        signing_key_rotated = cls(
            kid=kid,
            previous_kid=previous_kid,
            signs_from=signs_from,
        )

        signing_key_rotated.additional_properties = d
        return signing_key_rotated

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
