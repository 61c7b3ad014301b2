from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.key_exposed_action_type_0 import KeyExposedActionType0
from ..models.key_status import KeyStatus

if TYPE_CHECKING:
    from ..models.credits_view import CreditsView
    from ..models.key_meta import KeyMeta
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="Key")


@_attrs_define
class Key:
    """
    Attributes:
        created_at (str): RFC 3339, UTC
        created_by (str):
        credits_ (CreditsView | None): the key's own credits; null: unlimited
        description (str):
        enabled (bool): false: disabled (DISABLED) until enabled again
        expires_at (None | str):
        exposed_action (KeyExposedActionType0 | None): the leak action taken then (the project's leak_action at the
            time); null: never exposed
        exposed_at (None | str): when a leak report first named it (its project's leak_action was taken then); null:
            never
        hint (str):
        id (str):
        identity_id (None | str): the identity (the platform's customer) it belongs to
        ip_allowlist (list[str]): the networks it may be used from; []: anywhere
        last_used_at (None | str):
        meta (KeyMeta):
        name (str):
        owner_id (None | str): null: an identity's key
        permissions (list[str]):
        project_id (str):
        ratelimits (list[RateLimitSpec]): the key's own rate limits
        request_id (None | str):
        revoked_at (None | str):
        role_id (str):
        status (KeyStatus):
        template_id (None | str):
        type_ (str):
    """

    created_at: str
    created_by: str
    credits_: CreditsView | None
    description: str
    enabled: bool
    expires_at: None | str
    exposed_action: KeyExposedActionType0 | None
    exposed_at: None | str
    hint: str
    id: str
    identity_id: None | str
    ip_allowlist: list[str]
    last_used_at: None | str
    meta: KeyMeta
    name: str
    owner_id: None | str
    permissions: list[str]
    project_id: str
    ratelimits: list[RateLimitSpec]
    request_id: None | str
    revoked_at: None | str
    role_id: str
    status: KeyStatus
    template_id: None | str
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_view import CreditsView  # noqa: PLC0415

        created_at = self.created_at

        created_by = self.created_by

        credits_: dict[str, Any] | None
        if isinstance(self.credits_, CreditsView):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        description = self.description

        enabled = self.enabled

        expires_at: None | str
        expires_at = self.expires_at

        exposed_action: None | str
        if isinstance(self.exposed_action, KeyExposedActionType0):
            exposed_action = self.exposed_action.value
        else:
            exposed_action = self.exposed_action

        exposed_at: None | str
        exposed_at = self.exposed_at

        hint = self.hint

        id = self.id

        identity_id: None | str
        identity_id = self.identity_id

        ip_allowlist = self.ip_allowlist

        last_used_at: None | str
        last_used_at = self.last_used_at

        meta = self.meta.to_dict()

        name = self.name

        owner_id: None | str
        owner_id = self.owner_id

        permissions = self.permissions

        project_id = self.project_id

        ratelimits = []
        for ratelimits_item_data in self.ratelimits:
            ratelimits_item = ratelimits_item_data.to_dict()
            ratelimits.append(ratelimits_item)

        request_id: None | str
        request_id = self.request_id

        revoked_at: None | str
        revoked_at = self.revoked_at

        role_id = self.role_id

        status = self.status.value

        template_id: None | str
        template_id = self.template_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "credits": credits_,
                "description": description,
                "enabled": enabled,
                "expires_at": expires_at,
                "exposed_action": exposed_action,
                "exposed_at": exposed_at,
                "hint": hint,
                "id": id,
                "identity_id": identity_id,
                "ip_allowlist": ip_allowlist,
                "last_used_at": last_used_at,
                "meta": meta,
                "name": name,
                "owner_id": owner_id,
                "permissions": permissions,
                "project_id": project_id,
                "ratelimits": ratelimits,
                "request_id": request_id,
                "revoked_at": revoked_at,
                "role_id": role_id,
                "status": status,
                "template_id": template_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_view import CreditsView  # noqa: PLC0415
        from ..models.key_meta import KeyMeta  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

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

        description = d.pop("description")

        enabled = d.pop("enabled")

        def _parse_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_exposed_action(data: object) -> KeyExposedActionType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                exposed_action_type_0 = KeyExposedActionType0(data)

                return exposed_action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KeyExposedActionType0 | None, data)

        exposed_action = _parse_exposed_action(d.pop("exposed_action"))

        def _parse_exposed_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        exposed_at = _parse_exposed_at(d.pop("exposed_at"))

        hint = d.pop("hint")

        id = d.pop("id")

        def _parse_identity_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        identity_id = _parse_identity_id(d.pop("identity_id"))

        ip_allowlist = cast(list[str], d.pop("ip_allowlist"))

        def _parse_last_used_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        meta = KeyMeta.from_dict(d.pop("meta"))

        name = d.pop("name")

        def _parse_owner_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        owner_id = _parse_owner_id(d.pop("owner_id"))

        permissions = cast(list[str], d.pop("permissions"))

        project_id = d.pop("project_id")

        ratelimits = []
        _ratelimits = d.pop("ratelimits")
        for ratelimits_item_data in _ratelimits:
            ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

            ratelimits.append(ratelimits_item)

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        def _parse_revoked_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        role_id = d.pop("role_id")

        status = KeyStatus(d.pop("status"))

        def _parse_template_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        template_id = _parse_template_id(d.pop("template_id"))

        type_ = d.pop("type")

        key = cls(
            created_at=created_at,
            created_by=created_by,
            credits_=credits_,
            description=description,
            enabled=enabled,
            expires_at=expires_at,
            exposed_action=exposed_action,
            exposed_at=exposed_at,
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

        key.additional_properties = d
        return key

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
