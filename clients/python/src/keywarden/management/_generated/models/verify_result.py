from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verify_result_code import VerifyResultCode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.verify_result_meta import VerifyResultMeta


T = TypeVar("T", bound="VerifyResult")


@_attrs_define
class VerifyResult:
    """
    Attributes:
        code (VerifyResultCode): INVALID_SIGNATURE: a JWT key the service's published keys did not sign, or an HMAC
            signature that does not match; STALE_REQUEST and REPLAYED: HMAC only
        valid (bool):
        expires_at (None | str | Unset):
        key_id (str | Unset):
        meta (VerifyResultMeta | Unset):
        owner_id (str | Unset):
        permissions (list[str] | Unset):
        project_id (str | Unset):
        role_id (str | Unset):
    """

    code: VerifyResultCode
    valid: bool
    expires_at: None | str | Unset = UNSET
    key_id: str | Unset = UNSET
    meta: VerifyResultMeta | Unset = UNSET
    owner_id: str | Unset = UNSET
    permissions: list[str] | Unset = UNSET
    project_id: str | Unset = UNSET
    role_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        valid = self.valid

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        key_id = self.key_id

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        owner_id = self.owner_id

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

        project_id = self.project_id

        role_id = self.role_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "valid": valid,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if key_id is not UNSET:
            field_dict["key_id"] = key_id
        if meta is not UNSET:
            field_dict["meta"] = meta
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if role_id is not UNSET:
            field_dict["role_id"] = role_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.verify_result_meta import VerifyResultMeta  # noqa: PLC0415

        d = dict(src_dict)
        code = VerifyResultCode(d.pop("code"))

        valid = d.pop("valid")

        def _parse_expires_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        key_id = d.pop("key_id", UNSET)

        _meta = d.pop("meta", UNSET)
        meta: VerifyResultMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = VerifyResultMeta.from_dict(_meta)

        owner_id = d.pop("owner_id", UNSET)

        permissions = cast(list[str], d.pop("permissions", UNSET))

        project_id = d.pop("project_id", UNSET)

        role_id = d.pop("role_id", UNSET)

        verify_result = cls(
            code=code,
            valid=valid,
            expires_at=expires_at,
            key_id=key_id,
            meta=meta,
            owner_id=owner_id,
            permissions=permissions,
            project_id=project_id,
            role_id=role_id,
        )

        verify_result.additional_properties = d
        return verify_result

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
