from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.node_create_kind import NodeCreateKind

T = TypeVar("T", bound="NodeCreate")


@_attrs_define
class NodeCreate:
    """
    Attributes:
        kind (NodeCreateKind):
        name (str): 1 to 128 characters
    """

    kind: NodeCreateKind
    name: str

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = NodeCreateKind(d.pop("kind"))

        name = d.pop("name")

        node_create = cls(
            kind=kind,
            name=name,
        )

        return node_create
