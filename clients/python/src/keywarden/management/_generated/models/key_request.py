from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.key_request_status import KeyRequestStatus

T = TypeVar("T", bound="KeyRequest")


@_attrs_define
class KeyRequest:
    """
    Attributes:
        created_at (str): RFC 3339, UTC
        decided_at (None | str):
        decided_by (None | str):
        expires_at (str): pending: when it lapses; approved: the claim deadline, then the key is revoked
        id (str):
        justification (str):
        key_id (None | str):
        note (None | str):
        project_id (str):
        reason (None | str):
        requester_id (str): an OIDC `sub`
        status (KeyRequestStatus):
        template_id (str):
    """

    created_at: str
    decided_at: None | str
    decided_by: None | str
    expires_at: str
    id: str
    justification: str
    key_id: None | str
    note: None | str
    project_id: str
    reason: None | str
    requester_id: str
    status: KeyRequestStatus
    template_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        decided_at: None | str
        decided_at = self.decided_at

        decided_by: None | str
        decided_by = self.decided_by

        expires_at = self.expires_at

        id = self.id

        justification = self.justification

        key_id: None | str
        key_id = self.key_id

        note: None | str
        note = self.note

        project_id = self.project_id

        reason: None | str
        reason = self.reason

        requester_id = self.requester_id

        status = self.status.value

        template_id = self.template_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "decided_at": decided_at,
                "decided_by": decided_by,
                "expires_at": expires_at,
                "id": id,
                "justification": justification,
                "key_id": key_id,
                "note": note,
                "project_id": project_id,
                "reason": reason,
                "requester_id": requester_id,
                "status": status,
                "template_id": template_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        def _parse_decided_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decided_at = _parse_decided_at(d.pop("decided_at"))

        def _parse_decided_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        decided_by = _parse_decided_by(d.pop("decided_by"))

        expires_at = d.pop("expires_at")

        id = d.pop("id")

        justification = d.pop("justification")

        def _parse_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key_id = _parse_key_id(d.pop("key_id"))

        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))

        project_id = d.pop("project_id")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        requester_id = d.pop("requester_id")

        status = KeyRequestStatus(d.pop("status"))

        template_id = d.pop("template_id")

        key_request = cls(
            created_at=created_at,
            decided_at=decided_at,
            decided_by=decided_by,
            expires_at=expires_at,
            id=id,
            justification=justification,
            key_id=key_id,
            note=note,
            project_id=project_id,
            reason=reason,
            requester_id=requester_id,
            status=status,
            template_id=template_id,
        )

        key_request.additional_properties = d
        return key_request

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
