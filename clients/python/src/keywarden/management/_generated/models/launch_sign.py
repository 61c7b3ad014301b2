from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.launch_sign_params import LaunchSignParams


T = TypeVar("T", bound="LaunchSign")


@_attrs_define
class LaunchSign:
    """
    Attributes:
        params (LaunchSignParams):
    """

    params: LaunchSignParams

    def to_dict(self) -> dict[str, Any]:
        params = self.params.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.launch_sign_params import LaunchSignParams  # noqa: PLC0415

        d = dict(src_dict)
        params = LaunchSignParams.from_dict(d.pop("params"))

        launch_sign = cls(
            params=params,
        )

        return launch_sign
