from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.credits_change_op import CreditsChangeOp

T = TypeVar("T", bound="CreditsChange")


@_attrs_define
class CreditsChange:
    """`set` the balance, or `increment` / `decrement` it (never below 0: a larger decrement leaves 0).

    Attributes:
        op (CreditsChangeOp):
        value (int):
    """

    op: CreditsChangeOp
    value: int

    def to_dict(self) -> dict[str, Any]:
        op = self.op.value

        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        op = CreditsChangeOp(d.pop("op"))

        value = d.pop("value")

        credits_change = cls(
            op=op,
            value=value,
        )

        return credits_change
