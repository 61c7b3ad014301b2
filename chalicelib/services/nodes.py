"""Nodes' use cases: create and delete (a node a template names cannot go)."""

from __future__ import annotations

from chalicelib.store import nodes
from chalicelib.store.project_models import NodeModel


def create_node(project_id: str, name: str, kind: str, actor: str) -> NodeModel:
    return nodes.create_node(project_id, name, kind, actor)


def delete_node(node: NodeModel, actor: str) -> None:
    """Deletes the node, unless a template names it (409)."""
    nodes.delete_node(node, actor)
