from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.template_create_type import TemplateCreateType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.info_field import InfoField


T = TypeVar("T", bound="TemplateCreate")


@_attrs_define
class TemplateCreate:
    """
    Attributes:
        name (str): 1 to 128 characters
        role_id (str):
        type_ (TemplateCreateType):
        auto_approve (bool | Unset):  Default: False.
        description (str | Unset):  Default: ''.
        info_fields (list[InfoField] | Unset):
        ttl_seconds (int | None | Unset):
    """

    name: str
    role_id: str
    type_: TemplateCreateType
    auto_approve: bool | Unset = False
    description: str | Unset = ""
    info_fields: list[InfoField] | Unset = UNSET
    ttl_seconds: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        role_id = self.role_id

        type_ = self.type_.value

        auto_approve = self.auto_approve

        description = self.description

        info_fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.info_fields, Unset):
            info_fields = []
            for info_fields_item_data in self.info_fields:
                info_fields_item = info_fields_item_data.to_dict()
                info_fields.append(info_fields_item)

        ttl_seconds: int | None | Unset
        if isinstance(self.ttl_seconds, Unset):
            ttl_seconds = UNSET
        else:
            ttl_seconds = self.ttl_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "role_id": role_id,
                "type": type_,
            }
        )
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if description is not UNSET:
            field_dict["description"] = description
        if info_fields is not UNSET:
            field_dict["info_fields"] = info_fields
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.info_field import InfoField  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        role_id = d.pop("role_id")

        type_ = TemplateCreateType(d.pop("type"))

        auto_approve = d.pop("auto_approve", UNSET)

        description = d.pop("description", UNSET)

        _info_fields = d.pop("info_fields", UNSET)
        info_fields: list[InfoField] | Unset = UNSET
        if _info_fields is not UNSET:
            info_fields = []
            for info_fields_item_data in _info_fields:
                info_fields_item = InfoField.from_dict(info_fields_item_data)

                info_fields.append(info_fields_item)

        def _parse_ttl_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds", UNSET))

        template_create = cls(
            name=name,
            role_id=role_id,
            type_=type_,
            auto_approve=auto_approve,
            description=description,
            info_fields=info_fields,
            ttl_seconds=ttl_seconds,
        )

        return template_create
