from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.limit_request import LimitRequest
    from ..models.verify_hmac_headers import VerifyHmacHeaders


T = TypeVar("T", bound="VerifyHmac")


@_attrs_define
class VerifyHmac:
    """A request as the resource server received it. Anything wrong inside it (headers,
    date, signature) is answered 200 with `valid: false` and a code, never an error.

    Attributes:
        headers (VerifyHmacHeaders): at least host, x-ms-date, x-ms-content-sha256 and authorization; names are case-
            insensitive
        method (str):
        url (str): the request target as received: `/orders?limit=5`, or an absolute URL
        body (None | str | Unset):
        client_ip (None | str | Unset):
        cost (int | Unset): credits this verification spends when accepted Default: 1.
        permissions (list[str] | str | Unset):
        ratelimits (list[LimitRequest] | None | Unset): as /v1/keys/verify
    """

    headers: VerifyHmacHeaders
    method: str
    url: str
    body: None | str | Unset = UNSET
    client_ip: None | str | Unset = UNSET
    cost: int | Unset = 1
    permissions: list[str] | str | Unset = UNSET
    ratelimits: list[LimitRequest] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        headers = self.headers.to_dict()

        method = self.method

        url = self.url

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        client_ip: None | str | Unset
        if isinstance(self.client_ip, Unset):
            client_ip = UNSET
        else:
            client_ip = self.client_ip

        cost = self.cost

        permissions: list[str] | str | Unset
        if isinstance(self.permissions, Unset):
            permissions = UNSET
        elif isinstance(self.permissions, list):
            permissions = self.permissions

        else:
            permissions = self.permissions

        ratelimits: list[dict[str, Any]] | None | Unset
        if isinstance(self.ratelimits, Unset):
            ratelimits = UNSET
        elif isinstance(self.ratelimits, list):
            ratelimits = []
            for ratelimits_type_0_item_data in self.ratelimits:
                ratelimits_type_0_item = ratelimits_type_0_item_data.to_dict()
                ratelimits.append(ratelimits_type_0_item)

        else:
            ratelimits = self.ratelimits

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "headers": headers,
                "method": method,
                "url": url,
            }
        )
        if body is not UNSET:
            field_dict["body"] = body
        if client_ip is not UNSET:
            field_dict["client_ip"] = client_ip
        if cost is not UNSET:
            field_dict["cost"] = cost
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.limit_request import LimitRequest  # noqa: PLC0415
        from ..models.verify_hmac_headers import VerifyHmacHeaders  # noqa: PLC0415

        d = dict(src_dict)
        headers = VerifyHmacHeaders.from_dict(d.pop("headers"))

        method = d.pop("method")

        url = d.pop("url")

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_client_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_ip = _parse_client_ip(d.pop("client_ip", UNSET))

        cost = d.pop("cost", UNSET)

        def _parse_permissions(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                permissions_type_0 = cast(list[str], data)

                return permissions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        permissions = _parse_permissions(d.pop("permissions", UNSET))

        def _parse_ratelimits(data: object) -> list[LimitRequest] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ratelimits_type_0 = []
                _ratelimits_type_0 = data
                for ratelimits_type_0_item_data in _ratelimits_type_0:
                    ratelimits_type_0_item = LimitRequest.from_dict(ratelimits_type_0_item_data)

                    ratelimits_type_0.append(ratelimits_type_0_item)

                return ratelimits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[LimitRequest] | None | Unset, data)

        ratelimits = _parse_ratelimits(d.pop("ratelimits", UNSET))

        verify_hmac = cls(
            headers=headers,
            method=method,
            url=url,
            body=body,
            client_ip=client_ip,
            cost=cost,
            permissions=permissions,
            ratelimits=ratelimits,
        )

        return verify_hmac
