from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_events_item import WebhookEventsItem

T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    """
    Attributes:
        created_at (str): RFC 3339, UTC
        created_by (str):
        description (str):
        disabled_reason (None | str):
        enabled (bool):
        events (list[WebhookEventsItem]):
        id (str):
        previous_secret_valid_until (None | str): after a rotation, the previous secret also signs until then
        project_id (str):
        updated_at (str): RFC 3339, UTC
        url (str):
    """

    created_at: str
    created_by: str
    description: str
    disabled_reason: None | str
    enabled: bool
    events: list[WebhookEventsItem]
    id: str
    previous_secret_valid_until: None | str
    project_id: str
    updated_at: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        description = self.description

        disabled_reason: None | str
        disabled_reason = self.disabled_reason

        enabled = self.enabled

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.value
            events.append(events_item)

        id = self.id

        previous_secret_valid_until: None | str
        previous_secret_valid_until = self.previous_secret_valid_until

        project_id = self.project_id

        updated_at = self.updated_at

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "description": description,
                "disabled_reason": disabled_reason,
                "enabled": enabled,
                "events": events,
                "id": id,
                "previous_secret_valid_until": previous_secret_valid_until,
                "project_id": project_id,
                "updated_at": updated_at,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        description = d.pop("description")

        def _parse_disabled_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        enabled = d.pop("enabled")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = WebhookEventsItem(events_item_data)

            events.append(events_item)

        id = d.pop("id")

        def _parse_previous_secret_valid_until(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous_secret_valid_until = _parse_previous_secret_valid_until(d.pop("previous_secret_valid_until"))

        project_id = d.pop("project_id")

        updated_at = d.pop("updated_at")

        url = d.pop("url")

        webhook = cls(
            created_at=created_at,
            created_by=created_by,
            description=description,
            disabled_reason=disabled_reason,
            enabled=enabled,
            events=events,
            id=id,
            previous_secret_valid_until=previous_secret_valid_until,
            project_id=project_id,
            updated_at=updated_at,
            url=url,
        )

        webhook.additional_properties = d
        return webhook

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
