from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.key_policy_body_allowed_types_type_0_item import KeyPolicyBodyAllowedTypesType0Item
from ..models.key_policy_body_leak_action import KeyPolicyBodyLeakAction
from ..types import UNSET, Unset

T = TypeVar("T", bound="KeyPolicyBody")


@_attrs_define
class KeyPolicyBody:
    """The whole policy (PUT replaces it; an absent field is its default: the rule off).

    Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
    `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule broken.
    A new policy does not touch existing keys: the report lists those that break it.

    Attributes:
        allowed_types (list[KeyPolicyBodyAllowedTypesType0Item] | None | Unset):
        forbid_wildcard_permissions (bool | Unset): keys may not hold a permission with `*` (through their role)
            Default: False.
        leak_action (KeyPolicyBodyLeakAction | Unset): what a reported leak of one of the project's keys does to it
            (once): default revoke Default: KeyPolicyBodyLeakAction.REVOKE.
        max_lifetime_days (int | None | Unset):
        require_expiry (bool | Unset): keys must have an expiry Default: False.
        require_ip_allowlist (bool | Unset): keys must have an IP allowlist Default: False.
    """

    allowed_types: list[KeyPolicyBodyAllowedTypesType0Item] | None | Unset = UNSET
    forbid_wildcard_permissions: bool | Unset = False
    leak_action: KeyPolicyBodyLeakAction | Unset = KeyPolicyBodyLeakAction.REVOKE
    max_lifetime_days: int | None | Unset = UNSET
    require_expiry: bool | Unset = False
    require_ip_allowlist: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        allowed_types: list[str] | None | Unset
        if isinstance(self.allowed_types, Unset):
            allowed_types = UNSET
        elif isinstance(self.allowed_types, list):
            allowed_types = []
            for allowed_types_type_0_item_data in self.allowed_types:
                allowed_types_type_0_item = allowed_types_type_0_item_data.value
                allowed_types.append(allowed_types_type_0_item)

        else:
            allowed_types = self.allowed_types

        forbid_wildcard_permissions = self.forbid_wildcard_permissions

        leak_action: str | Unset = UNSET
        if not isinstance(self.leak_action, Unset):
            leak_action = self.leak_action.value

        max_lifetime_days: int | None | Unset
        if isinstance(self.max_lifetime_days, Unset):
            max_lifetime_days = UNSET
        else:
            max_lifetime_days = self.max_lifetime_days

        require_expiry = self.require_expiry

        require_ip_allowlist = self.require_ip_allowlist

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if allowed_types is not UNSET:
            field_dict["allowed_types"] = allowed_types
        if forbid_wildcard_permissions is not UNSET:
            field_dict["forbid_wildcard_permissions"] = forbid_wildcard_permissions
        if leak_action is not UNSET:
            field_dict["leak_action"] = leak_action
        if max_lifetime_days is not UNSET:
            field_dict["max_lifetime_days"] = max_lifetime_days
        if require_expiry is not UNSET:
            field_dict["require_expiry"] = require_expiry
        if require_ip_allowlist is not UNSET:
            field_dict["require_ip_allowlist"] = require_ip_allowlist

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_allowed_types(data: object) -> list[KeyPolicyBodyAllowedTypesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_types_type_0 = []
                _allowed_types_type_0 = data
                for allowed_types_type_0_item_data in _allowed_types_type_0:
                    allowed_types_type_0_item = KeyPolicyBodyAllowedTypesType0Item(allowed_types_type_0_item_data)

                    allowed_types_type_0.append(allowed_types_type_0_item)

                return allowed_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[KeyPolicyBodyAllowedTypesType0Item] | None | Unset, data)

        allowed_types = _parse_allowed_types(d.pop("allowed_types", UNSET))

        forbid_wildcard_permissions = d.pop("forbid_wildcard_permissions", UNSET)

        _leak_action = d.pop("leak_action", UNSET)
        leak_action: KeyPolicyBodyLeakAction | Unset
        if isinstance(_leak_action, Unset):
            leak_action = UNSET
        else:
            leak_action = KeyPolicyBodyLeakAction(_leak_action)

        def _parse_max_lifetime_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_lifetime_days = _parse_max_lifetime_days(d.pop("max_lifetime_days", UNSET))

        require_expiry = d.pop("require_expiry", UNSET)

        require_ip_allowlist = d.pop("require_ip_allowlist", UNSET)

        key_policy_body = cls(
            allowed_types=allowed_types,
            forbid_wildcard_permissions=forbid_wildcard_permissions,
            leak_action=leak_action,
            max_lifetime_days=max_lifetime_days,
            require_expiry=require_expiry,
            require_ip_allowlist=require_ip_allowlist,
        )

        return key_policy_body
