from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_update import CreditsUpdate
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="KeyUpdate")


@_attrs_define
class KeyUpdate:
    """`expires_at: null` removes the expiry. `ratelimits` replaces the key's own rate limits
    (`[]`: none); `credits` replaces its credits and sets the balance to `remaining` (`null`:
    unlimited). `enabled: false` disables the key (DISABLED, until enabled again); `ip_allowlist`
    replaces its allowlist (`[]` or null: anywhere). Every other field of a key is immutable.

    Attributes:
        created_at (Any | Unset):
        created_by (Any | Unset):
        credits_ (CreditsUpdate | None | Unset):
        description (str | Unset):
        enabled (bool | Unset):
        expires_at (datetime.datetime | None | Unset):
        hint (Any | Unset):
        id (Any | Unset):
        identity_id (Any | Unset):
        ip_allowlist (list[str] | None | Unset):
        last_used_at (Any | Unset):
        meta (Any | Unset):
        name (str | Unset): 1 to 128 characters
        owner_id (Any | Unset):
        permissions (Any | Unset):
        project_id (Any | Unset):
        ratelimits (list[RateLimitSpec] | Unset):
        request_id (Any | Unset):
        revoked_at (Any | Unset):
        role_id (Any | Unset):
        status (Any | Unset):
        template_id (Any | Unset):
        type_ (Any | Unset):
    """

    created_at: Any | Unset = UNSET
    created_by: Any | Unset = UNSET
    credits_: CreditsUpdate | None | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    hint: Any | Unset = UNSET
    id: Any | Unset = UNSET
    identity_id: Any | Unset = UNSET
    ip_allowlist: list[str] | None | Unset = UNSET
    last_used_at: Any | Unset = UNSET
    meta: Any | Unset = UNSET
    name: str | Unset = UNSET
    owner_id: Any | Unset = UNSET
    permissions: Any | Unset = UNSET
    project_id: Any | Unset = UNSET
    ratelimits: list[RateLimitSpec] | Unset = UNSET
    request_id: Any | Unset = UNSET
    revoked_at: Any | Unset = UNSET
    role_id: Any | Unset = UNSET
    status: Any | Unset = UNSET
    template_id: Any | Unset = UNSET
    type_: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_update import CreditsUpdate  # noqa: PLC0415

        created_at = self.created_at

        created_by = self.created_by

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsUpdate):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        description = self.description

        enabled = self.enabled

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        hint = self.hint

        id = self.id

        identity_id = self.identity_id

        ip_allowlist: list[str] | None | Unset
        if isinstance(self.ip_allowlist, Unset):
            ip_allowlist = UNSET
        elif isinstance(self.ip_allowlist, list):
            ip_allowlist = self.ip_allowlist

        else:
            ip_allowlist = self.ip_allowlist

        last_used_at = self.last_used_at

        meta = self.meta

        name = self.name

        owner_id = self.owner_id

        permissions = self.permissions

        project_id = self.project_id

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        request_id = self.request_id

        revoked_at = self.revoked_at

        role_id = self.role_id

        status = self.status

        template_id = self.template_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if hint is not UNSET:
            field_dict["hint"] = hint
        if id is not UNSET:
            field_dict["id"] = id
        if identity_id is not UNSET:
            field_dict["identity_id"] = identity_id
        if ip_allowlist is not UNSET:
            field_dict["ip_allowlist"] = ip_allowlist
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at
        if meta is not UNSET:
            field_dict["meta"] = meta
        if name is not UNSET:
            field_dict["name"] = name
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if role_id is not UNSET:
            field_dict["role_id"] = role_id
        if status is not UNSET:
            field_dict["status"] = status
        if template_id is not UNSET:
            field_dict["template_id"] = template_id
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_update import CreditsUpdate  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at", UNSET)

        created_by = d.pop("created_by", UNSET)

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

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        hint = d.pop("hint", UNSET)

        id = d.pop("id", UNSET)

        identity_id = d.pop("identity_id", UNSET)

        def _parse_ip_allowlist(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ip_allowlist_type_0 = cast(list[str], data)

                return ip_allowlist_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        ip_allowlist = _parse_ip_allowlist(d.pop("ip_allowlist", UNSET))

        last_used_at = d.pop("last_used_at", UNSET)

        meta = d.pop("meta", UNSET)

        name = d.pop("name", UNSET)

        owner_id = d.pop("owner_id", UNSET)

        permissions = d.pop("permissions", UNSET)

        project_id = d.pop("project_id", UNSET)

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitSpec] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        request_id = d.pop("request_id", UNSET)

        revoked_at = d.pop("revoked_at", UNSET)

        role_id = d.pop("role_id", UNSET)

        status = d.pop("status", UNSET)

        template_id = d.pop("template_id", UNSET)

        type_ = d.pop("type", UNSET)

        key_update = cls(
            created_at=created_at,
            created_by=created_by,
            credits_=credits_,
            description=description,
            enabled=enabled,
            expires_at=expires_at,
            hint=hint,
            id=id,
            identity_id=identity_id,
            ip_allowlist=ip_allowlist,
            last_used_at=last_used_at,
            meta=meta,
            name=name,
            owner_id=owner_id,
            permissions=permissions,
            project_id=project_id,
            ratelimits=ratelimits,
            request_id=request_id,
            revoked_at=revoked_at,
            role_id=role_id,
            status=status,
            template_id=template_id,
            type_=type_,
        )

        return key_update
