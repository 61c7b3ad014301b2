"""Nodes: a project's inputs and outputs, which key templates can name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Node, NodeCreate, Page
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import nodes as node_cases
    from chalicelib.store import nodes
    from chalicelib.store.project_models import NodeModel
else:  # at first use: see chalicelib.lazy
    nodes = lazy_module("chalicelib.store.nodes")
    node_cases = lazy_module("chalicelib.services.nodes")

router = Router("nodes", "nodes")


def node_view(node: NodeModel) -> Node:
    return Node(id=node.id, name=node.name, kind=node.kind, created_at=node.created_at)  # type: ignore[arg-type]


@router.route("GET", "/v1/projects/{pid}/nodes", query=ListQuery, response=Page[Node], action=Action.READ_PROJECT)
def list_nodes(call: Call[None, ListQuery]) -> Page[Node]:
    """The nodes of a project."""
    page = nodes.list_nodes(call.access.project.id, call.query.limit, call.query.cursor)
    return Page([node_view(n) for n in page.items], page.next_cursor)


@router.route(
    "POST", "/v1/projects/{pid}/nodes", body=NodeCreate, response=Node, status=201, action=Action.MANAGE_CONFIG
)
def create_node(call: Call[NodeCreate, None]) -> Node:
    """Creates a node (owner, admin, editor)."""
    body = call.body
    return node_view(node_cases.create_node(call.access.project.id, body.name, body.kind, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}/nodes/{node_id}", status=204, action=Action.MANAGE_CONFIG)
def delete_node(call: Call[None, None]) -> None:
    """Deletes a node (owner, admin, editor) that no template names (else 409)."""
    node_cases.delete_node(nodes.get_node(call.access.project.id, call.params["node_id"]), call.person.sub)
