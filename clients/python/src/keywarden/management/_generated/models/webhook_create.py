from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.webhook_create_events_item import WebhookCreateEventsItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookCreate")


@_attrs_define
class WebhookCreate:
    """
    Attributes:
        events (list[WebhookCreateEventsItem]): `data` is the key, request or identity as GET shows it; for the notices
            of limits (`key.credits_low`, `key.credits_exhausted`, `key.rate_limited` and their `identity.*` twins, each
            sent once: a balance crossing `notify_below`, the last credit spent, a limit's first refusal in a window) it is
            `{project_id, key_id, owner_id | identity: {id, external_id}}` with `remaining` and `notify_below`, or with
            `ratelimit: {name, limit, duration_seconds}` and `reset_at`; for `key.exposed` (a leak report acted on the key)
            it is `{key, source: github|report, url, action_taken: revoke|disable|notify}`
        url (str): https, and not a private, loopback or link-local address (http and any host: local stage only)
        description (str | Unset):  Default: ''.
    """

    events: list[WebhookCreateEventsItem]
    url: str
    description: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        events = []
        for events_item_data in self.events:
            events_item = events_item_data.value
            events.append(events_item)

        url = self.url

        description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = WebhookCreateEventsItem(events_item_data)

            events.append(events_item)

        url = d.pop("url")

        description = d.pop("description", UNSET)

        webhook_create = cls(
            events=events,
            url=url,
            description=description,
        )

        return webhook_create
