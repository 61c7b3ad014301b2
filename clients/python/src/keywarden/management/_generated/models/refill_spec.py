from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.refill_spec_interval import RefillSpecInterval
from ..types import UNSET, Unset

T = TypeVar("T", bound="RefillSpec")


@_attrs_define
class RefillSpec:
    """
    Attributes:
        amount (int): the balance is *set* to this at each period's start (UTC), when first needed
        interval (RefillSpecInterval):
        day_of_month (int | None | Unset):
    """

    amount: int
    interval: RefillSpecInterval
    day_of_month: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        interval = self.interval.value

        day_of_month: int | None | Unset
        if isinstance(self.day_of_month, Unset):
            day_of_month = UNSET
        else:
            day_of_month = self.day_of_month

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "interval": interval,
            }
        )
        if day_of_month is not UNSET:
            field_dict["day_of_month"] = day_of_month

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        interval = RefillSpecInterval(d.pop("interval"))

        def _parse_day_of_month(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        day_of_month = _parse_day_of_month(d.pop("day_of_month", UNSET))

        refill_spec = cls(
            amount=amount,
            interval=interval,
            day_of_month=day_of_month,
        )

        return refill_spec
