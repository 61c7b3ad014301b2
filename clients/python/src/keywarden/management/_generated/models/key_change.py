from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.key_change_change import KeyChangeChange
from ..types import UNSET, Unset

T = TypeVar("T", bound="KeyChange")


@_attrs_define
class KeyChange:
    """One event of the key-changes feed. `revoked`: the keys never verify again.
    `expiry_changed`: the key's expiry was brought forward (a reroll's grace, a PATCH), so a
    JWT's signed `exp` no longer tells it. `owner_changed`: the owner's membership changed, so
    their keys may have lost (or regained) the "API calls" right. `limits_changed`: the key's
    rate limits or credits changed, so its uses must be charged by the service (never answered
    offline or from a kept answer). `disabled` / `enabled`: the key stopped (or resumed)
    verifying, reversibly. `restrictions_changed`: its IP allowlist changed. For these three
    a verifier asks the service again about the key (they are not final, as `revoked` is).

    Attributes:
        at (str): RFC 3339, UTC
        change (KeyChangeChange):
        id (str): The audit event's id: the feed's order and a cursor position
        key_ids (list[str]): The keys concerned (empty for `owner_changed`)
        owner_id (str | Unset):
    """

    at: str
    change: KeyChangeChange
    id: str
    key_ids: list[str]
    owner_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        change = self.change.value

        id = self.id

        key_ids = self.key_ids

        owner_id = self.owner_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "change": change,
                "id": id,
                "key_ids": key_ids,
            }
        )
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = d.pop("at")

        change = KeyChangeChange(d.pop("change"))

        id = d.pop("id")

        key_ids = cast(list[str], d.pop("key_ids"))

        owner_id = d.pop("owner_id", UNSET)

        key_change = cls(
            at=at,
            change=change,
            id=id,
            key_ids=key_ids,
            owner_id=owner_id,
        )

        key_change.additional_properties = d
        return key_change

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
