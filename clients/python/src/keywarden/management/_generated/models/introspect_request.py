from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="IntrospectRequest")


@_attrs_define
class IntrospectRequest:
    """RFC 7662 section 2.1, form-encoded. Other parameters are ignored, as the RFC allows.

    Attributes:
        token (str): an opaque or JWT key (any length the body allows); else inactive
        client_ip (str | Unset): the address the request came from (a Keywarden extension) Default: ''.
        token_type_hint (str | Unset): ignored: the key's own form tells its kind Default: ''.
    """

    token: str
    client_ip: str | Unset = ""
    token_type_hint: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        client_ip = self.client_ip

        token_type_hint = self.token_type_hint

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
            }
        )
        if client_ip is not UNSET:
            field_dict["client_ip"] = client_ip
        if token_type_hint is not UNSET:
            field_dict["token_type_hint"] = token_type_hint

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token = d.pop("token")

        client_ip = d.pop("client_ip", UNSET)

        token_type_hint = d.pop("token_type_hint", UNSET)

        introspect_request = cls(
            token=token,
            client_ip=client_ip,
            token_type_hint=token_type_hint,
        )

        introspect_request.additional_properties = d
        return introspect_request

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
