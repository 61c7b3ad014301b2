from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.claimed_secret_type_0 import ClaimedSecretType0
    from ..models.claimed_secret_type_1 import ClaimedSecretType1
    from ..models.claimed_secrets import ClaimedSecrets
    from ..models.key import Key


T = TypeVar("T", bound="Claimed")


@_attrs_define
class Claimed:
    """
    Attributes:
        dotenv (str): the same as `secrets`, as `.env` lines (quoted where needed)
        key (Key):
        secret (ClaimedSecretType0 | ClaimedSecretType1): shown once, never again
        secrets (ClaimedSecrets): the template's info fields, resolved
    """

    dotenv: str
    key: Key
    secret: ClaimedSecretType0 | ClaimedSecretType1
    secrets: ClaimedSecrets
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.claimed_secret_type_0 import ClaimedSecretType0  # noqa: PLC0415

        dotenv = self.dotenv

        key = self.key.to_dict()

        secret: dict[str, Any]
        if isinstance(self.secret, ClaimedSecretType0):
            secret = self.secret.to_dict()
        else:
            secret = self.secret.to_dict()

        secrets = self.secrets.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dotenv": dotenv,
                "key": key,
                "secret": secret,
                "secrets": secrets,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.claimed_secret_type_0 import ClaimedSecretType0  # noqa: PLC0415
        from ..models.claimed_secret_type_1 import ClaimedSecretType1  # noqa: PLC0415
        from ..models.claimed_secrets import ClaimedSecrets  # noqa: PLC0415
        from ..models.key import Key  # noqa: PLC0415

        d = dict(src_dict)
        dotenv = d.pop("dotenv")

        key = Key.from_dict(d.pop("key"))

        def _parse_secret(data: object) -> ClaimedSecretType0 | ClaimedSecretType1:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                secret_type_0 = ClaimedSecretType0.from_dict(data)

                return secret_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            secret_type_1 = ClaimedSecretType1.from_dict(data)

            return secret_type_1

        secret = _parse_secret(d.pop("secret"))

        secrets = ClaimedSecrets.from_dict(d.pop("secrets"))

        claimed = cls(
            dotenv=dotenv,
            key=key,
            secret=secret,
            secrets=secrets,
        )

        claimed.additional_properties = d
        return claimed

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
