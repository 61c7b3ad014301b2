from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.template_type import TemplateType

if TYPE_CHECKING:
    from ..models.info_field_view import InfoFieldView
    from ..models.my_request import MyRequest


T = TypeVar("T", bound="Template")


@_attrs_define
class Template:
    """
    Attributes:
        auto_approve (bool):
        created_at (str): RFC 3339, UTC
        created_by (str):
        description (str):
        id (str):
        info_fields (list[InfoFieldView]):
        my_request (MyRequest | None): the caller's latest request from this template (the key tile)
        name (str):
        project_id (str):
        role_id (str):
        ttl_seconds (int | None):
        type_ (TemplateType):
        updated_at (str): RFC 3339, UTC
    """

    auto_approve: bool
    created_at: str
    created_by: str
    description: str
    id: str
    info_fields: list[InfoFieldView]
    my_request: MyRequest | None
    name: str
    project_id: str
    role_id: str
    ttl_seconds: int | None
    type_: TemplateType
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.my_request import MyRequest  # noqa: PLC0415

        auto_approve = self.auto_approve

        created_at = self.created_at

        created_by = self.created_by

        description = self.description

        id = self.id

        info_fields = []
        for info_fields_item_data in self.info_fields:
            info_fields_item = info_fields_item_data.to_dict()
            info_fields.append(info_fields_item)

        my_request: dict[str, Any] | None
        if isinstance(self.my_request, MyRequest):
            my_request = self.my_request.to_dict()
        else:
            my_request = self.my_request

        name = self.name

        project_id = self.project_id

        role_id = self.role_id

        ttl_seconds: int | None
        ttl_seconds = self.ttl_seconds

        type_ = self.type_.value

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auto_approve": auto_approve,
                "created_at": created_at,
                "created_by": created_by,
                "description": description,
                "id": id,
                "info_fields": info_fields,
                "my_request": my_request,
                "name": name,
                "project_id": project_id,
                "role_id": role_id,
                "ttl_seconds": ttl_seconds,
                "type": type_,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.info_field_view import InfoFieldView  # noqa: PLC0415
        from ..models.my_request import MyRequest  # noqa: PLC0415

        d = dict(src_dict)
        auto_approve = d.pop("auto_approve")

        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        description = d.pop("description")

        id = d.pop("id")

        info_fields = []
        _info_fields = d.pop("info_fields")
        for info_fields_item_data in _info_fields:
            info_fields_item = InfoFieldView.from_dict(info_fields_item_data)

            info_fields.append(info_fields_item)

        def _parse_my_request(data: object) -> MyRequest | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                my_request_type_0 = MyRequest.from_dict(data)

                return my_request_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MyRequest | None, data)

        my_request = _parse_my_request(d.pop("my_request"))

        name = d.pop("name")

        project_id = d.pop("project_id")

        role_id = d.pop("role_id")

        def _parse_ttl_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds"))

        type_ = TemplateType(d.pop("type"))

        updated_at = d.pop("updated_at")

        template = cls(
            auto_approve=auto_approve,
            created_at=created_at,
            created_by=created_by,
            description=description,
            id=id,
            info_fields=info_fields,
            my_request=my_request,
            name=name,
            project_id=project_id,
            role_id=role_id,
            ttl_seconds=ttl_seconds,
            type_=type_,
            updated_at=updated_at,
        )

        template.additional_properties = d
        return template

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
