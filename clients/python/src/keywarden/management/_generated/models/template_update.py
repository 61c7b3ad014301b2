from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.template_update_type import TemplateUpdateType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.info_field import InfoField


T = TypeVar("T", bound="TemplateUpdate")


@_attrs_define
class TemplateUpdate:
    """
    Attributes:
        auto_approve (bool | Unset):
        description (str | Unset):
        info_fields (list[InfoField] | Unset):
        name (str | Unset): 1 to 128 characters
        role_id (str | Unset):
        ttl_seconds (int | None | Unset):
        type_ (TemplateUpdateType | Unset):
    """

    auto_approve: bool | Unset = UNSET
    description: str | Unset = UNSET
    info_fields: list[InfoField] | Unset = UNSET
    name: str | Unset = UNSET
    role_id: str | Unset = UNSET
    ttl_seconds: int | None | Unset = UNSET
    type_: TemplateUpdateType | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        auto_approve = self.auto_approve

        description = self.description

        info_fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.info_fields, Unset):
            info_fields = []
            for info_fields_item_data in self.info_fields:
                info_fields_item = info_fields_item_data.to_dict()
                info_fields.append(info_fields_item)

        name = self.name

        role_id = self.role_id

        ttl_seconds: int | None | Unset
        if isinstance(self.ttl_seconds, Unset):
            ttl_seconds = UNSET
        else:
            ttl_seconds = self.ttl_seconds

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if description is not UNSET:
            field_dict["description"] = description
        if info_fields is not UNSET:
            field_dict["info_fields"] = info_fields
        if name is not UNSET:
            field_dict["name"] = name
        if role_id is not UNSET:
            field_dict["role_id"] = role_id
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.info_field import InfoField  # noqa: PLC0415

        d = dict(src_dict)
        auto_approve = d.pop("auto_approve", UNSET)

        description = d.pop("description", UNSET)

        _info_fields = d.pop("info_fields", UNSET)
        info_fields: list[InfoField] | Unset = UNSET
        if _info_fields is not UNSET:
            info_fields = []
            for info_fields_item_data in _info_fields:
                info_fields_item = InfoField.from_dict(info_fields_item_data)

                info_fields.append(info_fields_item)

        name = d.pop("name", UNSET)

        role_id = d.pop("role_id", UNSET)

        def _parse_ttl_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds", UNSET))

        _type_ = d.pop("type", UNSET)
        type_: TemplateUpdateType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = TemplateUpdateType(_type_)

        template_update = cls(
            auto_approve=auto_approve,
            description=description,
            info_fields=info_fields,
            name=name,
            role_id=role_id,
            ttl_seconds=ttl_seconds,
            type_=type_,
        )

        return template_update
