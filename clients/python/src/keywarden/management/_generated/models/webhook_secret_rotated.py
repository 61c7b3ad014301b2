from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook import Webhook


T = TypeVar("T", bound="WebhookSecretRotated")


@_attrs_define
class WebhookSecretRotated:
    """
    Attributes:
        previous_valid_until (str): the previous secret signs beside the new one until then
        secret (str): `whsec_` + base64 of 32 random bytes; shown once, never again
        webhook (Webhook):
    """

    previous_valid_until: str
    secret: str
    webhook: Webhook
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        previous_valid_until = self.previous_valid_until

        secret = self.secret

        webhook = self.webhook.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "previous_valid_until": previous_valid_until,
                "secret": secret,
                "webhook": webhook,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook import Webhook  # noqa: PLC0415

        d = dict(src_dict)
        previous_valid_until = d.pop("previous_valid_until")

        secret = d.pop("secret")

        webhook = Webhook.from_dict(d.pop("webhook"))

        webhook_secret_rotated = cls(
            previous_valid_until=previous_valid_until,
            secret=secret,
            webhook=webhook,
        )

        webhook_secret_rotated.additional_properties = d
        return webhook_secret_rotated

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
