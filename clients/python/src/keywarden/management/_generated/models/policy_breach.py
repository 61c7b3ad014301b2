from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.policy_breach_rules_item import PolicyBreachRulesItem
from ..models.policy_breach_status import PolicyBreachStatus
from ..models.policy_breach_type import PolicyBreachType

T = TypeVar("T", bound="PolicyBreach")


@_attrs_define
class PolicyBreach:
    """A key that is neither revoked nor expired (disabled or not) and breaks the policy.

    Attributes:
        created_at (str): RFC 3339, UTC
        expires_at (None | str):
        identity_id (None | str):
        key_id (str):
        name (str):
        owner_id (None | str):
        rules (list[PolicyBreachRulesItem]): each rule it breaks
        status (PolicyBreachStatus): disabled keys are listed too: they still exist
        type_ (PolicyBreachType):
    """

    created_at: str
    expires_at: None | str
    identity_id: None | str
    key_id: str
    name: str
    owner_id: None | str
    rules: list[PolicyBreachRulesItem]
    status: PolicyBreachStatus
    type_: PolicyBreachType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        expires_at: None | str
        expires_at = self.expires_at

        identity_id: None | str
        identity_id = self.identity_id

        key_id = self.key_id

        name = self.name

        owner_id: None | str
        owner_id = self.owner_id

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.value
            rules.append(rules_item)

        status = self.status.value

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "expires_at": expires_at,
                "identity_id": identity_id,
                "key_id": key_id,
                "name": name,
                "owner_id": owner_id,
                "rules": rules,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        def _parse_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_identity_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        identity_id = _parse_identity_id(d.pop("identity_id"))

        key_id = d.pop("key_id")

        name = d.pop("name")

        def _parse_owner_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = PolicyBreachRulesItem(rules_item_data)

            rules.append(rules_item)

        status = PolicyBreachStatus(d.pop("status"))

        type_ = PolicyBreachType(d.pop("type"))

        policy_breach = cls(
            created_at=created_at,
            expires_at=expires_at,
            identity_id=identity_id,
            key_id=key_id,
            name=name,
            owner_id=owner_id,
            rules=rules,
            status=status,
            type_=type_,
        )

        policy_breach.additional_properties = d
        return policy_breach

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
