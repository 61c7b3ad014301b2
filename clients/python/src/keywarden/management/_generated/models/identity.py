from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.credits_view import CreditsView
    from ..models.identity_meta import IdentityMeta
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="Identity")


@_attrs_define
class Identity:
    """
    Attributes:
        created_at (str): RFC 3339, UTC
        credits_ (CreditsView | None):
        external_id (str):
        id (str):
        meta (IdentityMeta):
        project_id (str):
        ratelimits (list[RateLimitSpec]):
    """

    created_at: str
    credits_: CreditsView | None
    external_id: str
    id: str
    meta: IdentityMeta
    project_id: str
    ratelimits: list[RateLimitSpec]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_view import CreditsView  # noqa: PLC0415

        created_at = self.created_at

        credits_: dict[str, Any] | None
        if isinstance(self.credits_, CreditsView):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        external_id = self.external_id

        id = self.id

        meta = self.meta.to_dict()

        project_id = self.project_id

        ratelimits = []
        for ratelimits_item_data in self.ratelimits:
            ratelimits_item = ratelimits_item_data.to_dict()
            ratelimits.append(ratelimits_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "credits": credits_,
                "external_id": external_id,
                "id": id,
                "meta": meta,
                "project_id": project_id,
                "ratelimits": ratelimits,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_view import CreditsView  # noqa: PLC0415
        from ..models.identity_meta import IdentityMeta  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at")

        def _parse_credits_(data: object) -> CreditsView | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsView.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsView | None, data)

        credits_ = _parse_credits_(d.pop("credits"))

        external_id = d.pop("external_id")

        id = d.pop("id")

        meta = IdentityMeta.from_dict(d.pop("meta"))

        project_id = d.pop("project_id")

        ratelimits = []
        _ratelimits = d.pop("ratelimits")
        for ratelimits_item_data in _ratelimits:
            ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

            ratelimits.append(ratelimits_item)

        identity = cls(
            created_at=created_at,
            credits_=credits_,
            external_id=external_id,
            id=id,
            meta=meta,
            project_id=project_id,
            ratelimits=ratelimits,
        )

        identity.additional_properties = d
        return identity

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
