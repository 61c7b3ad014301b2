from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verify_result_code import VerifyResultCode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_state import CreditsState
    from ..models.identity_ref_view import IdentityRefView
    from ..models.rate_limit_state import RateLimitState
    from ..models.verify_result_meta import VerifyResultMeta


T = TypeVar("T", bound="VerifyResult")


@_attrs_define
class VerifyResult:
    """
    Attributes:
        code (VerifyResultCode): DISABLED: disabled by its project (reversible); IP_NOT_ALLOWED: the key has an IP
            allowlist and `client_ip` is missing or outside it; INVALID_SIGNATURE: a JWT key the service's published keys
            did not sign, or an HMAC signature that does not match; STALE_REQUEST and REPLAYED: HMAC only; RATE_LIMITED: a
            rate limit would be passed (none was charged); USAGE_EXCEEDED: fewer credits than the cost (none spent)
        valid (bool):
        credits_ (CreditsState | Unset):
        expires_at (None | str | Unset):
        identity (IdentityRefView | None | Unset): the identity the key belongs to
        ip_allowlist (list[str] | Unset): the key's IP allowlist, when it has one: a verifier that keeps this answer
            judges later requests' addresses against it without asking again
        key_id (str | Unset):
        meta (VerifyResultMeta | Unset):
        owner_id (None | str | Unset): null: an identity's key (see `identity`)
        permissions (list[str] | Unset):
        project_id (str | Unset):
        ratelimits (list[RateLimitState] | Unset): the rate limits applied (keys with limits): what each window still
            accepts
        reset_at (str | Unset): RATE_LIMITED: when the limits that refused accept again
        role_id (str | Unset):
    """

    code: VerifyResultCode
    valid: bool
    credits_: CreditsState | Unset = UNSET
    expires_at: None | str | Unset = UNSET
    identity: IdentityRefView | None | Unset = UNSET
    ip_allowlist: list[str] | Unset = UNSET
    key_id: str | Unset = UNSET
    meta: VerifyResultMeta | Unset = UNSET
    owner_id: None | str | Unset = UNSET
    permissions: list[str] | Unset = UNSET
    project_id: str | Unset = UNSET
    ratelimits: list[RateLimitState] | Unset = UNSET
    reset_at: str | Unset = UNSET
    role_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.identity_ref_view import IdentityRefView  # noqa: PLC0415

        code = self.code.value

        valid = self.valid

        credits_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.credits_, Unset):
            credits_ = self.credits_.to_dict()

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        identity: dict[str, Any] | None | Unset
        if isinstance(self.identity, Unset):
            identity = UNSET
        elif isinstance(self.identity, IdentityRefView):
            identity = self.identity.to_dict()
        else:
            identity = self.identity

        ip_allowlist: list[str] | Unset = UNSET
        if not isinstance(self.ip_allowlist, Unset):
            ip_allowlist = self.ip_allowlist

        key_id = self.key_id

        meta: dict[str, Any] | Unset = UNSET
        if not isinstance(self.meta, Unset):
            meta = self.meta.to_dict()

        owner_id: None | str | Unset
        if isinstance(self.owner_id, Unset):
            owner_id = UNSET
        else:
            owner_id = self.owner_id

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

        project_id = self.project_id

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        reset_at = self.reset_at

        role_id = self.role_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "valid": valid,
            }
        )
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if identity is not UNSET:
            field_dict["identity"] = identity
        if ip_allowlist is not UNSET:
            field_dict["ip_allowlist"] = ip_allowlist
        if key_id is not UNSET:
            field_dict["key_id"] = key_id
        if meta is not UNSET:
            field_dict["meta"] = meta
        if owner_id is not UNSET:
            field_dict["owner_id"] = owner_id
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits
        if reset_at is not UNSET:
            field_dict["reset_at"] = reset_at
        if role_id is not UNSET:
            field_dict["role_id"] = role_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_state import CreditsState  # noqa: PLC0415
        from ..models.identity_ref_view import IdentityRefView  # noqa: PLC0415
        from ..models.rate_limit_state import RateLimitState  # noqa: PLC0415
        from ..models.verify_result_meta import VerifyResultMeta  # noqa: PLC0415

        d = dict(src_dict)
        code = VerifyResultCode(d.pop("code"))

        valid = d.pop("valid")

        _credits_ = d.pop("credits", UNSET)
        credits_: CreditsState | Unset
        if isinstance(_credits_, Unset):
            credits_ = UNSET
        else:
            credits_ = CreditsState.from_dict(_credits_)

        def _parse_expires_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_identity(data: object) -> IdentityRefView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                identity_type_0 = IdentityRefView.from_dict(data)

                return identity_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(IdentityRefView | None | Unset, data)

        identity = _parse_identity(d.pop("identity", UNSET))

        ip_allowlist = cast(list[str], d.pop("ip_allowlist", UNSET))

        key_id = d.pop("key_id", UNSET)

        _meta = d.pop("meta", UNSET)
        meta: VerifyResultMeta | Unset
        if isinstance(_meta, Unset):
            meta = UNSET
        else:
            meta = VerifyResultMeta.from_dict(_meta)

        def _parse_owner_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        owner_id = _parse_owner_id(d.pop("owner_id", UNSET))

        permissions = cast(list[str], d.pop("permissions", UNSET))

        project_id = d.pop("project_id", UNSET)

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitState] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitState.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        reset_at = d.pop("reset_at", UNSET)

        role_id = d.pop("role_id", UNSET)

        verify_result = cls(
            code=code,
            valid=valid,
            credits_=credits_,
            expires_at=expires_at,
            identity=identity,
            ip_allowlist=ip_allowlist,
            key_id=key_id,
            meta=meta,
            owner_id=owner_id,
            permissions=permissions,
            project_id=project_id,
            ratelimits=ratelimits,
            reset_at=reset_at,
            role_id=role_id,
        )

        verify_result.additional_properties = d
        return verify_result

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
