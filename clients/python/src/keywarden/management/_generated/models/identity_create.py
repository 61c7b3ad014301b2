from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_spec import CreditsSpec
    from ..models.identity_create_meta import IdentityCreateMeta
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="IdentityCreate")


@_attrs_define
class IdentityCreate:
    """
    Attributes:
        external_id (str): the platform's own id of its customer: 1 to 256 characters, unique in the project
        credits_ (CreditsSpec | None | Unset):
        meta (IdentityCreateMeta | Unset): free-form JSON object, at most 4 KiB encoded
        ratelimits (list[RateLimitSpec] | Unset): shared by all the identity's keys; a key's own limit of a name
            replaces it
    """

    external_id: str
    credits_: CreditsSpec | None | Unset = UNSET
    meta: IdentityCreateMeta | Unset = UNSET
    ratelimits: list[RateLimitSpec] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415

        external_id = self.external_id

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsSpec):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "external_id": external_id,
            }
        )
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if meta is not UNSET:
            field_dict["meta"] = meta
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415
        from ..models.identity_create_meta import IdentityCreateMeta  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id")

        def _parse_credits_(data: object) -> CreditsSpec | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsSpec.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsSpec | None | Unset, data)

        credits_ = _parse_credits_(d.pop("credits", UNSET))

        _meta = d.pop("meta", UNSET)
        meta: IdentityCreateMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = IdentityCreateMeta.from_dict(_meta)

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitSpec] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        identity_create = cls(
            external_id=external_id,
            credits_=credits_,
            meta=meta,
            ratelimits=ratelimits,
        )

        return identity_create
