from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.usage_granularity import UsageGranularity

if TYPE_CHECKING:
    from ..models.usage_point import UsagePoint
    from ..models.usage_totals import UsageTotals


T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """
    Attributes:
        from_ (str): Start of the first period
        granularity (UsageGranularity):
        identity_id (None | str):
        key_id (None | str):
        series (list[UsagePoint]): Every period of the range, oldest first, zeros included
        to (str): End of the range (exclusive)
        totals (UsageTotals):
    """

    from_: str
    granularity: UsageGranularity
    identity_id: None | str
    key_id: None | str
    series: list[UsagePoint]
    to: str
    totals: UsageTotals
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_

        granularity = self.granularity.value

        identity_id: None | str
        identity_id = self.identity_id

        key_id: None | str
        key_id = self.key_id

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        to = self.to

        totals = self.totals.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "granularity": granularity,
                "identity_id": identity_id,
                "key_id": key_id,
                "series": series,
                "to": to,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_point import UsagePoint  # noqa: PLC0415
        from ..models.usage_totals import UsageTotals  # noqa: PLC0415

        d = dict(src_dict)
        from_ = d.pop("from")

        granularity = UsageGranularity(d.pop("granularity"))

        def _parse_identity_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        identity_id = _parse_identity_id(d.pop("identity_id"))

        def _parse_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key_id = _parse_key_id(d.pop("key_id"))

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = UsagePoint.from_dict(series_item_data)

            series.append(series_item)

        to = d.pop("to")

        totals = UsageTotals.from_dict(d.pop("totals"))

        usage = cls(
            from_=from_,
            granularity=granularity,
            identity_id=identity_id,
            key_id=key_id,
            series=series,
            to=to,
            totals=totals,
        )

        usage.additional_properties = d
        return usage

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
