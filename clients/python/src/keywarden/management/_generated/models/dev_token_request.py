from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DevTokenRequest")


@_attrs_define
class DevTokenRequest:
    """
    Attributes:
        sub (str): an OIDC `sub`
        auth_age_seconds (int | Unset):  Default: 0.
        groups (list[str] | Unset):
    """

    sub: str
    auth_age_seconds: int | Unset = 0
    groups: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        sub = self.sub

        auth_age_seconds = self.auth_age_seconds

        groups: list[str] | Unset = UNSET
        if not isinstance(self.groups, Unset):
            groups = self.groups

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sub": sub,
            }
        )
        if auth_age_seconds is not UNSET:
            field_dict["auth_age_seconds"] = auth_age_seconds
        if groups is not UNSET:
            field_dict["groups"] = groups

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sub = d.pop("sub")

        auth_age_seconds = d.pop("auth_age_seconds", UNSET)

        groups = cast(list[str], d.pop("groups", UNSET))

        dev_token_request = cls(
            sub=sub,
            auth_age_seconds=auth_age_seconds,
            groups=groups,
        )

        return dev_token_request
