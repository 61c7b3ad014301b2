from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RateLimitSpec")


@_attrs_define
class RateLimitSpec:
    """At most `limit` accepted verifications in each window of `duration_seconds` (windows
    aligned to the epoch: a 60 s window resets on the minute).

    Attributes:
        duration_seconds (int):
        limit (int):
        name (str):
        auto_apply (bool | Unset): applied to every verification that names no limits; else only when named Default:
            True.
    """

    duration_seconds: int
    limit: int
    name: str
    auto_apply: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        duration_seconds = self.duration_seconds

        limit = self.limit

        name = self.name

        auto_apply = self.auto_apply

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "duration_seconds": duration_seconds,
                "limit": limit,
                "name": name,
            }
        )
        if auto_apply is not UNSET:
            field_dict["auto_apply"] = auto_apply

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_seconds = d.pop("duration_seconds")

        limit = d.pop("limit")

        name = d.pop("name")

        auto_apply = d.pop("auto_apply", UNSET)

        rate_limit_spec = cls(
            duration_seconds=duration_seconds,
            limit=limit,
            name=name,
            auto_apply=auto_apply,
        )

        return rate_limit_spec
