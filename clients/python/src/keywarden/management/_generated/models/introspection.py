from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.introspection_token_type import IntrospectionTokenType
from ..types import UNSET, Unset

T = TypeVar("T", bound="Introspection")


@_attrs_define
class Introspection:
    """RFC 7662 section 2.2: exactly `{"active": false}` unless the key is valid for the calling project.

    Attributes:
        active (bool):
        aud (str | Unset): the project
        exp (int | Unset): when the key expires (epoch seconds); absent if never
        iat (int | Unset): when the key was issued (seconds since the epoch)
        jti (str | Unset): the key's id
        project_id (str | Unset):
        role_id (str | Unset):
        scope (str | Unset): the key's permissions, space-separated
        sub (str | Unset): the key's owner (an identity's key: the identity's id)
        token_type (IntrospectionTokenType | Unset):
    """

    active: bool
    aud: str | Unset = UNSET
    exp: int | Unset = UNSET
    iat: int | Unset = UNSET
    jti: str | Unset = UNSET
    project_id: str | Unset = UNSET
    role_id: str | Unset = UNSET
    scope: str | Unset = UNSET
    sub: str | Unset = UNSET
    token_type: IntrospectionTokenType | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        aud = self.aud

        exp = self.exp

        iat = self.iat

        jti = self.jti

        project_id = self.project_id

        role_id = self.role_id

        scope = self.scope

        sub = self.sub

        token_type: str | Unset = UNSET
        if not isinstance(self.token_type, Unset):
            token_type = self.token_type.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
            }
        )
        if aud is not UNSET:
            field_dict["aud"] = aud
        if exp is not UNSET:
            field_dict["exp"] = exp
        if iat is not UNSET:
            field_dict["iat"] = iat
        if jti is not UNSET:
            field_dict["jti"] = jti
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if role_id is not UNSET:
            field_dict["role_id"] = role_id
        if scope is not UNSET:
            field_dict["scope"] = scope
        if sub is not UNSET:
            field_dict["sub"] = sub
        if token_type is not UNSET:
            field_dict["token_type"] = token_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active")

        aud = d.pop("aud", UNSET)

        exp = d.pop("exp", UNSET)

        iat = d.pop("iat", UNSET)

        jti = d.pop("jti", UNSET)

        project_id = d.pop("project_id", UNSET)

        role_id = d.pop("role_id", UNSET)

        scope = d.pop("scope", UNSET)

        sub = d.pop("sub", UNSET)

        _token_type = d.pop("token_type", UNSET)
        token_type: IntrospectionTokenType | Unset
        if isinstance(_token_type, Unset):
            token_type = UNSET
        else:
            token_type = IntrospectionTokenType(_token_type)

        introspection = cls(
            active=active,
            aud=aud,
            exp=exp,
            iat=iat,
            jti=jti,
            project_id=project_id,
            role_id=role_id,
            scope=scope,
            sub=sub,
            token_type=token_type,
        )

        introspection.additional_properties = d
        return introspection

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
