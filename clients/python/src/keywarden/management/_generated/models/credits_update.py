from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.refill_spec import RefillSpec


T = TypeVar("T", bound="CreditsUpdate")


@_attrs_define
class CreditsUpdate:
    """Credits replaced by a PATCH: the policy as given; the balance set to `remaining`, or
    kept as it is when `remaining` is left out (a change of refill or threshold alone).

    Attributes:
        notify_below (int | None | Unset):
        refill (None | RefillSpec | Unset):
        remaining (int | Unset):
    """

    notify_below: int | None | Unset = UNSET
    refill: None | RefillSpec | Unset = UNSET
    remaining: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.refill_spec import RefillSpec  # noqa: PLC0415

        notify_below: int | None | Unset
        if isinstance(self.notify_below, Unset):
            notify_below = UNSET
        else:
            notify_below = self.notify_below

        refill: dict[str, Any] | None | Unset
        if isinstance(self.refill, Unset):
            refill = UNSET
        elif isinstance(self.refill, RefillSpec):
            refill = self.refill.to_dict()
        else:
            refill = self.refill

        remaining = self.remaining

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if notify_below is not UNSET:
            field_dict["notify_below"] = notify_below
        if refill is not UNSET:
            field_dict["refill"] = refill
        if remaining is not UNSET:
            field_dict["remaining"] = remaining

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.refill_spec import RefillSpec  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_notify_below(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        notify_below = _parse_notify_below(d.pop("notify_below", UNSET))

        def _parse_refill(data: object) -> None | RefillSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refill_type_0 = RefillSpec.from_dict(data)

                return refill_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefillSpec | Unset, data)

        refill = _parse_refill(d.pop("refill", UNSET))

        remaining = d.pop("remaining", UNSET)

        credits_update = cls(
            notify_below=notify_below,
            refill=refill,
            remaining=remaining,
        )

        return credits_update
