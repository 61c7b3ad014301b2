from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.identity_ref_view_meta import IdentityRefViewMeta


T = TypeVar("T", bound="IdentityRefView")


@_attrs_define
class IdentityRefView:
    """
    Attributes:
        external_id (str):
        id (str):
        meta (IdentityRefViewMeta):
    """

    external_id: str
    id: str
    meta: IdentityRefViewMeta
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        id = self.id

        meta = self.meta.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "external_id": external_id,
                "id": id,
                "meta": meta,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identity_ref_view_meta import IdentityRefViewMeta  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id")

        id = d.pop("id")

        meta = IdentityRefViewMeta.from_dict(d.pop("meta"))

        identity_ref_view = cls(
            external_id=external_id,
            id=id,
            meta=meta,
        )

        identity_ref_view.additional_properties = d
        return identity_ref_view

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
