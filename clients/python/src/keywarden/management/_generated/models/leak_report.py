from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LeakReport")


@_attrs_define
class LeakReport:
    """
    Attributes:
        keys (list[str]): what was found: anything that may be a key of ours
        reporter (None | str | Unset):
        source_url (None | str | Unset):
    """

    keys: list[str]
    reporter: None | str | Unset = UNSET
    source_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        keys = self.keys

        reporter: None | str | Unset
        if isinstance(self.reporter, Unset):
            reporter = UNSET
        else:
            reporter = self.reporter

        source_url: None | str | Unset
        if isinstance(self.source_url, Unset):
            source_url = UNSET
        else:
            source_url = self.source_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "keys": keys,
            }
        )
        if reporter is not UNSET:
            field_dict["reporter"] = reporter
        if source_url is not UNSET:
            field_dict["source_url"] = source_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        keys = cast(list[str], d.pop("keys"))

        def _parse_reporter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reporter = _parse_reporter(d.pop("reporter", UNSET))

        def _parse_source_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_url = _parse_source_url(d.pop("source_url", UNSET))

        leak_report = cls(
            keys=keys,
            reporter=reporter,
            source_url=source_url,
        )

        return leak_report
