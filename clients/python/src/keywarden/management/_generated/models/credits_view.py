from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.refill_spec import RefillSpec


T = TypeVar("T", bound="CreditsView")


@_attrs_define
class CreditsView:
    """
    Attributes:
        notify_below (int | None):
        refill (None | RefillSpec):
        remaining (int): the balance now (a refill due is counted as done)
    """

    notify_below: int | None
    refill: None | RefillSpec
    remaining: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.refill_spec import RefillSpec  # noqa: PLC0415

        notify_below: int | None
        notify_below = self.notify_below

        refill: dict[str, Any] | None
        if isinstance(self.refill, RefillSpec):
            refill = self.refill.to_dict()
        else:
            refill = self.refill

        remaining = self.remaining

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "notify_below": notify_below,
                "refill": refill,
                "remaining": remaining,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.refill_spec import RefillSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_notify_below(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        notify_below = _parse_notify_below(d.pop("notify_below"))

        def _parse_refill(data: object) -> None | RefillSpec:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refill_type_0 = RefillSpec.from_dict(data)

                return refill_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefillSpec, data)

        refill = _parse_refill(d.pop("refill"))

        remaining = d.pop("remaining")

        credits_view = cls(
            notify_below=notify_below,
            refill=refill,
            remaining=remaining,
        )

        credits_view.additional_properties = d
        return credits_view

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
