from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.key_policy_view_allowed_types_type_0_item import KeyPolicyViewAllowedTypesType0Item
from ..models.key_policy_view_leak_action import KeyPolicyViewLeakAction

T = TypeVar("T", bound="KeyPolicyView")


@_attrs_define
class KeyPolicyView:
    """
    Attributes:
        allowed_types (list[KeyPolicyViewAllowedTypesType0Item] | None):
        forbid_wildcard_permissions (bool):
        leak_action (KeyPolicyViewLeakAction):
        max_lifetime_days (int | None):
        require_expiry (bool):
        require_ip_allowlist (bool):
    """

    allowed_types: list[KeyPolicyViewAllowedTypesType0Item] | None
    forbid_wildcard_permissions: bool
    leak_action: KeyPolicyViewLeakAction
    max_lifetime_days: int | None
    require_expiry: bool
    require_ip_allowlist: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed_types: list[str] | None
        if isinstance(self.allowed_types, list):
            allowed_types = []
            for allowed_types_type_0_item_data in self.allowed_types:
                allowed_types_type_0_item = allowed_types_type_0_item_data.value
                allowed_types.append(allowed_types_type_0_item)

        else:
            allowed_types = self.allowed_types

        forbid_wildcard_permissions = self.forbid_wildcard_permissions

        leak_action = self.leak_action.value

        max_lifetime_days: int | None
        max_lifetime_days = self.max_lifetime_days

        require_expiry = self.require_expiry

        require_ip_allowlist = self.require_ip_allowlist

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_types": allowed_types,
                "forbid_wildcard_permissions": forbid_wildcard_permissions,
                "leak_action": leak_action,
                "max_lifetime_days": max_lifetime_days,
                "require_expiry": require_expiry,
                "require_ip_allowlist": require_ip_allowlist,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_allowed_types(data: object) -> list[KeyPolicyViewAllowedTypesType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_types_type_0 = []
                _allowed_types_type_0 = data
                for allowed_types_type_0_item_data in _allowed_types_type_0:
                    allowed_types_type_0_item = KeyPolicyViewAllowedTypesType0Item(allowed_types_type_0_item_data)

                    allowed_types_type_0.append(allowed_types_type_0_item)

                return allowed_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[KeyPolicyViewAllowedTypesType0Item] | None, data)

        allowed_types = _parse_allowed_types(d.pop("allowed_types"))

        forbid_wildcard_permissions = d.pop("forbid_wildcard_permissions")

        leak_action = KeyPolicyViewLeakAction(d.pop("leak_action"))

        def _parse_max_lifetime_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_lifetime_days = _parse_max_lifetime_days(d.pop("max_lifetime_days"))

        require_expiry = d.pop("require_expiry")

        require_ip_allowlist = d.pop("require_ip_allowlist")

        key_policy_view = cls(
            allowed_types=allowed_types,
            forbid_wildcard_permissions=forbid_wildcard_permissions,
            leak_action=leak_action,
            max_lifetime_days=max_lifetime_days,
            require_expiry=require_expiry,
            require_ip_allowlist=require_ip_allowlist,
        )

        key_policy_view.additional_properties = d
        return key_policy_view

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
