from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
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
        permissions (list[str] | Unset): the key must hold all of them (as /v1/keys/verify)
    """

    headers: VerifyHmacHeaders
    method: str
    url: str
    body: None | str | Unset = UNSET
    permissions: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        headers = self.headers.to_dict()

        method = self.method

        url = self.url

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

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
        if permissions is not UNSET:
            field_dict["permissions"] = permissions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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

        permissions = cast(list[str], d.pop("permissions", UNSET))

        verify_hmac = cls(
            headers=headers,
            method=method,
            url=url,
            body=body,
            permissions=permissions,
        )

        return verify_hmac
