from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ClaimedSecretType1")


@_attrs_define
class ClaimedSecretType1:
    """
    Attributes:
        secret (str): base64 of 32 random bytes that sign requests and never travel; kept only encrypted
        token (str): an HMAC key's token (kwh_...), sent with each request as its Credential
    """

    secret: str
    token: str

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        token = self.token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "secret": secret,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secret = d.pop("secret")

        token = d.pop("token")

        claimed_secret_type_1 = cls(
            secret=secret,
            token=token,
        )

        return claimed_secret_type_1
