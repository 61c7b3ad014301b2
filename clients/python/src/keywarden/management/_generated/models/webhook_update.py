from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.webhook_update_events_item import WebhookUpdateEventsItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookUpdate")


@_attrs_define
class WebhookUpdate:
    """
    Attributes:
        description (str | Unset):
        enabled (bool | Unset): true re-enables an endpoint disabled after a 410
        events (list[WebhookUpdateEventsItem] | Unset): `data` is the key, request or identity as GET shows it; for the
            notices of limits (`key.credits_low`, `key.credits_exhausted`, `key.rate_limited` and their `identity.*` twins,
            each sent once: a balance crossing `notify_below`, the last credit spent, a limit's first refusal in a window)
            it is `{project_id, key_id, owner_id | identity: {id, external_id}}` with `remaining` and `notify_below`, or
            with `ratelimit: {name, limit, duration_seconds}` and `reset_at`; for `key.exposed` (a leak report acted on the
            key) it is `{key, source: github|report, url, action_taken: revoke|disable|notify}`
        url (str | Unset): https, and not a private, loopback or link-local address (http and any host: local stage
            only)
    """

    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    events: list[WebhookUpdateEventsItem] | Unset = UNSET
    url: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        enabled = self.enabled

        events: list[str] | Unset = UNSET
        if not isinstance(self.events, Unset):
            events = []
            for events_item_data in self.events:
                events_item = events_item_data.value
                events.append(events_item)

        url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if events is not UNSET:
            field_dict["events"] = events
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        _events = d.pop("events", UNSET)
        events: list[WebhookUpdateEventsItem] | Unset = UNSET
        if _events is not UNSET:
            events = []
            for events_item_data in _events:
                events_item = WebhookUpdateEventsItem(events_item_data)

                events.append(events_item)

        url = d.pop("url", UNSET)

        webhook_update = cls(
            description=description,
            enabled=enabled,
            events=events,
            url=url,
        )

        return webhook_update
