from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.github_label_label import GithubLabelLabel

T = TypeVar("T", bound="GithubLabel")


@_attrs_define
class GithubLabel:
    """
    Attributes:
        label (GithubLabelLabel):
        token_hash (str): hex SHA-256 of the token
        token_type (str):
    """

    label: GithubLabelLabel
    token_hash: str
    token_type: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label.value

        token_hash = self.token_hash

        token_type = self.token_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "token_hash": token_hash,
                "token_type": token_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        label = GithubLabelLabel(d.pop("label"))

        token_hash = d.pop("token_hash")

        token_type = d.pop("token_type")

        github_label = cls(
            label=label,
            token_hash=token_hash,
            token_type=token_type,
        )

        github_label.additional_properties = d
        return github_label

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
