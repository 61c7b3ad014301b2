from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_point_by_code import UsagePointByCode


T = TypeVar("T", bound="UsagePoint")


@_attrs_define
class UsagePoint:
    """
    Attributes:
        by_code (UsagePointByCode): Verifications by outcome code, VALID included
        invalid (int):
        period_start (str): RFC 3339, UTC
        valid (int):
    """

    by_code: UsagePointByCode
    invalid: int
    period_start: str
    valid: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        by_code = self.by_code.to_dict()

        invalid = self.invalid

        period_start = self.period_start

        valid = self.valid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "by_code": by_code,
                "invalid": invalid,
                "period_start": period_start,
                "valid": valid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_point_by_code import UsagePointByCode  # noqa: PLC0415

        d = dict(src_dict)
        by_code = UsagePointByCode.from_dict(d.pop("by_code"))

        invalid = d.pop("invalid")

        period_start = d.pop("period_start")

        valid = d.pop("valid")

        usage_point = cls(
            by_code=by_code,
            invalid=invalid,
            period_start=period_start,
            valid=valid,
        )

        usage_point.additional_properties = d
        return usage_point

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
