from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RequestCreate")


@_attrs_define
class RequestCreate:
    """
    Attributes:
        template_id (str):
        justification (str | Unset):  Default: ''.
    """

    template_id: str
    justification: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        template_id = self.template_id

        justification = self.justification

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "template_id": template_id,
            }
        )
        if justification is not UNSET:
            field_dict["justification"] = justification

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        template_id = d.pop("template_id")

        justification = d.pop("justification", UNSET)

        request_create = cls(
            template_id=template_id,
            justification=justification,
        )

        return request_create
