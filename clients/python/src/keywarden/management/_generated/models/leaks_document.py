from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LeaksDocument")


@_attrs_define
class LeaksDocument:
    """
    Attributes:
        github_url (str):
        key_patterns (list[str]): regular expressions of this deployment's keys
        report_url (str):
    """

    github_url: str
    key_patterns: list[str]
    report_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        github_url = self.github_url

        key_patterns = self.key_patterns

        report_url = self.report_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "github_url": github_url,
                "key_patterns": key_patterns,
                "report_url": report_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        github_url = d.pop("github_url")

        key_patterns = cast(list[str], d.pop("key_patterns"))

        report_url = d.pop("report_url")

        leaks_document = cls(
            github_url=github_url,
            key_patterns=key_patterns,
            report_url=report_url,
        )

        leaks_document.additional_properties = d
        return leaks_document

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
