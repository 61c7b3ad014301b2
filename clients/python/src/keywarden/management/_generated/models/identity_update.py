from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_update import CreditsUpdate
    from ..models.identity_update_meta import IdentityUpdateMeta
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="IdentityUpdate")


@_attrs_define
class IdentityUpdate:
    """`meta`, `ratelimits` and `credits` replace what the identity has (`credits: null`: unlimited;
    credits given set the balance to their `remaining`). Every other field is immutable.

    Attributes:
        created_at (Any | Unset):
        credits_ (CreditsUpdate | None | Unset):
        external_id (Any | Unset):
        id (Any | Unset):
        meta (IdentityUpdateMeta | Unset): free-form JSON object, at most 4 KiB encoded
        project_id (Any | Unset):
        ratelimits (list[RateLimitSpec] | Unset):
    """

    created_at: Any | Unset = UNSET
    credits_: CreditsUpdate | None | Unset = UNSET
    external_id: Any | Unset = UNSET
    id: Any | Unset = UNSET
    meta: IdentityUpdateMeta | Unset = UNSET
    project_id: Any | Unset = UNSET
    ratelimits: list[RateLimitSpec] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_update import CreditsUpdate  # noqa: PLC0415

        created_at = self.created_at

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsUpdate):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        external_id = self.external_id

        id = self.id

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        project_id = self.project_id

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if id is not UNSET:
            field_dict["id"] = id
        if meta is not UNSET:
            field_dict["meta"] = meta
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_update import CreditsUpdate  # noqa: PLC0415
        from ..models.identity_update_meta import IdentityUpdateMeta  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at", UNSET)

        def _parse_credits_(data: object) -> CreditsUpdate | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsUpdate.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsUpdate | None | Unset, data)

        credits_ = _parse_credits_(d.pop("credits", UNSET))

        external_id = d.pop("external_id", UNSET)

        id = d.pop("id", UNSET)

        _meta = d.pop("meta", UNSET)
        meta: IdentityUpdateMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = IdentityUpdateMeta.from_dict(_meta)

        project_id = d.pop("project_id", UNSET)

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitSpec] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        identity_update = cls(
            created_at=created_at,
            credits_=credits_,
            external_id=external_id,
            id=id,
            meta=meta,
            project_id=project_id,
            ratelimits=ratelimits,
        )

        return identity_update
