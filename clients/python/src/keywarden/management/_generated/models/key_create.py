from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.key_create_type import KeyCreateType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_spec import CreditsSpec
    from ..models.key_create_meta import KeyCreateMeta
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="KeyCreate")


@_attrs_define
class KeyCreate:
    """
    Attributes:
        name (str): 1 to 128 characters
        role_id (str):
        type_ (KeyCreateType):
        credits_ (CreditsSpec | None | Unset): null: unlimited
        description (str | Unset):  Default: ''.
        expires_at (datetime.datetime | Unset): RFC 3339, in the future; not with ttl_seconds
        identity_id (str | Unset): an identity's key instead of a member's
        ip_allowlist (list[str] | Unset): IPv4 and IPv6 addresses or CIDRs the key may be used from (verification's
            `client_ip`); []: anywhere. Written in canonical form; a CIDR with host bits set is refused
        meta (KeyCreateMeta | Unset): free-form JSON object, at most 4 KiB encoded
        owner_id (str | Unset): default: the caller; not with identity_id
        ratelimits (list[RateLimitSpec] | Unset):
        ttl_seconds (int | Unset):
    """

    name: str
    role_id: str
    type_: KeyCreateType
    credits_: CreditsSpec | None | Unset = UNSET
    description: str | Unset = ""
    expires_at: datetime.datetime | Unset = UNSET
    identity_id: str | Unset = UNSET
    ip_allowlist: list[str] | Unset = UNSET
    meta: KeyCreateMeta | Unset = UNSET
    owner_id: str | Unset = UNSET
    ratelimits: list[RateLimitSpec] | Unset = UNSET
    ttl_seconds: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415

        name = self.name

        role_id = self.role_id

        type_ = self.type_.value

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsSpec):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        description = self.description

        expires_at: str | Unset = UNSET
        if not isinstance(self.expires_at, Unset):
            expires_at = self.expires_at.isoformat()

        identity_id = self.identity_id

        ip_allowlist: list[str] | Unset = UNSET
        if not isinstance(self.ip_allowlist, Unset):
            ip_allowlist = self.ip_allowlist

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        owner_id = self.owner_id

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        ttl_seconds = self.ttl_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "role_id": role_id,
                "type": type_,
            }
        )
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if description is not UNSET:
            field_dict["description"] = description
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if identity_id is not UNSET:
            field_dict["identity_id"] = identity_id
        if ip_allowlist is not UNSET:
            field_dict["ip_allowlist"] = ip_allowlist
        if meta is not UNSET:
            field_dict["meta"] = meta
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415
        from ..models.key_create_meta import KeyCreateMeta  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        role_id = d.pop("role_id")

        type_ = KeyCreateType(d.pop("type"))

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

        description = d.pop("description", UNSET)

        _expires_at = d.pop("expires_at", UNSET)
        expires_at: datetime.datetime | Unset
        if isinstance(_expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = datetime.datetime.fromisoformat(_expires_at)

        identity_id = d.pop("identity_id", UNSET)

        ip_allowlist = cast(list[str], d.pop("ip_allowlist", UNSET))

        _meta = d.pop("meta", UNSET)
        meta: KeyCreateMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = KeyCreateMeta.from_dict(_meta)

        owner_id = d.pop("owner_id", UNSET)

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitSpec] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        ttl_seconds = d.pop("ttl_seconds", UNSET)

        key_create = cls(
            name=name,
            role_id=role_id,
            type_=type_,
            credits_=credits_,
            description=description,
            expires_at=expires_at,
            identity_id=identity_id,
            ip_allowlist=ip_allowlist,
            meta=meta,
            owner_id=owner_id,
            ratelimits=ratelimits,
            ttl_seconds=ttl_seconds,
        )

        return key_create
