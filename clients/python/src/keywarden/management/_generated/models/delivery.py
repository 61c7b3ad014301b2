from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_event_type import DeliveryEventType
from ..models.delivery_status import DeliveryStatus

if TYPE_CHECKING:
    from ..models.delivery_attempt import DeliveryAttempt
    from ..models.delivery_payload import DeliveryPayload


T = TypeVar("T", bound="Delivery")


@_attrs_define
class Delivery:
    """
    Attributes:
        attempt_count (int):
        attempts (list[DeliveryAttempt]): newest first
        created_at (str): RFC 3339, UTC
        event_type (DeliveryEventType):
        id (str):
        message_id (str): the `webhook-id` header; every attempt and retry keeps it
        next_attempt_at (None | str):
        payload (DeliveryPayload): the body sent: {type, timestamp, data}
        status (DeliveryStatus):
        webhook_id (str):
    """

    attempt_count: int
    attempts: list[DeliveryAttempt]
    created_at: str
    event_type: DeliveryEventType
    id: str
    message_id: str
    next_attempt_at: None | str
    payload: DeliveryPayload
    status: DeliveryStatus
    webhook_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_count = self.attempt_count

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        created_at = self.created_at

        event_type = self.event_type.value

        id = self.id

        message_id = self.message_id

        next_attempt_at: None | str
        next_attempt_at = self.next_attempt_at

        payload = self.payload.to_dict()

        status = self.status.value

        webhook_id = self.webhook_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_count": attempt_count,
                "attempts": attempts,
                "created_at": created_at,
                "event_type": event_type,
                "id": id,
                "message_id": message_id,
                "next_attempt_at": next_attempt_at,
                "payload": payload,
                "status": status,
                "webhook_id": webhook_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415
        from ..models.delivery_payload import DeliveryPayload  # noqa: PLC0415

        d = dict(src_dict)
        attempt_count = d.pop("attempt_count")

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = DeliveryAttempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        created_at = d.pop("created_at")

        event_type = DeliveryEventType(d.pop("event_type"))

        id = d.pop("id")

        message_id = d.pop("message_id")

        def _parse_next_attempt_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        payload = DeliveryPayload.from_dict(d.pop("payload"))

        status = DeliveryStatus(d.pop("status"))

        webhook_id = d.pop("webhook_id")

        delivery = cls(
            attempt_count=attempt_count,
            attempts=attempts,
            created_at=created_at,
            event_type=event_type,
            id=id,
            message_id=message_id,
            next_attempt_at=next_attempt_at,
            payload=payload,
            status=status,
            webhook_id=webhook_id,
        )

        delivery.additional_properties = d
        return delivery

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
