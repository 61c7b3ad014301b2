from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LaunchVerify")


@_attrs_define
class LaunchVerify:
    """
    Attributes:
        query (str):
        max_age_seconds (int | None | Unset):
    """

    query: str
    max_age_seconds: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        query = self.query

        max_age_seconds: int | None | Unset
        if isinstance(self.max_age_seconds, Unset):
            max_age_seconds = UNSET
        else:
            max_age_seconds = self.max_age_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "query": query,
            }
        )
        if max_age_seconds is not UNSET:
            field_dict["max_age_seconds"] = max_age_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        query = d.pop("query")

        def _parse_max_age_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_age_seconds = _parse_max_age_seconds(d.pop("max_age_seconds", UNSET))

        launch_verify = cls(
            query=query,
            max_age_seconds=max_age_seconds,
        )

        return launch_verify
