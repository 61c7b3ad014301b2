from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.key import Key
    from ..models.key_issued_secret_type_0 import KeyIssuedSecretType0
    from ..models.key_issued_secret_type_1 import KeyIssuedSecretType1


T = TypeVar("T", bound="KeyIssued")


@_attrs_define
class KeyIssued:
    """
    Attributes:
        key (Key):
        secret (KeyIssuedSecretType0 | KeyIssuedSecretType1): shown once, never again
    """

    key: Key
    secret: KeyIssuedSecretType0 | KeyIssuedSecretType1
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_issued_secret_type_0 import KeyIssuedSecretType0  # noqa: PLC0415

        key = self.key.to_dict()

        secret: dict[str, Any]
        if isinstance(self.secret, KeyIssuedSecretType0):
            secret = self.secret.to_dict()
        else:
            secret = self.secret.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key import Key  # noqa: PLC0415
        from ..models.key_issued_secret_type_0 import KeyIssuedSecretType0  # noqa: PLC0415
        from ..models.key_issued_secret_type_1 import KeyIssuedSecretType1  # noqa: PLC0415

        d = dict(src_dict)
        key = Key.from_dict(d.pop("key"))

        def _parse_secret(data: object) -> KeyIssuedSecretType0 | KeyIssuedSecretType1:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                secret_type_0 = KeyIssuedSecretType0.from_dict(data)

                return secret_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            secret_type_1 = KeyIssuedSecretType1.from_dict(data)

            return secret_type_1

        secret = _parse_secret(d.pop("secret"))

        key_issued = cls(
            key=key,
            secret=secret,
        )

        key_issued.additional_properties = d
        return key_issued

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
