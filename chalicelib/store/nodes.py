"""Nodes: the project's inputs and outputs, which templates may refer to."""

from __future__ import annotations

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.project_models import NodeModel
from chalicelib.store.projects import conflict_or_gone, project_is_live


def create_node(project_id: str, name: str, kind: str, actor: str) -> NodeModel:
    node = NodeModel(project_id, new_id("nod"), name=name, kind=kind, created_at=rfc3339(now()), ref_count=0)
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.save(node, condition=NodeModel.id.does_not_exist())
            audit.record(txn, project_id, actor, "node.created", ("node", node.id), {"name": name, "kind": kind})
    except TransactionCancelledError as error:
        raise conflict_or_gone(error, "a node with this id exists") from None
    return node


def get_node(project_id: str, node_id: str) -> NodeModel:
    return get_or_not_found(NodeModel, project_id, node_id, prefix="nod", what="node")


def list_nodes(project_id: str, limit: int, cursor: str | None) -> Page[NodeModel]:
    return query_page(NodeModel, project_id, "id", limit, cursor, consistent_read=True)


def delete_node(node: NodeModel, actor: str) -> None:
    try:
        with transaction() as txn:
            project_is_live(txn, node.project_id)
            # A node that templates name cannot go; the count is kept in the templates' transactions.
            unused = NodeModel.ref_count.does_not_exist() | (NodeModel.ref_count == 0)
            txn.delete(node, condition=NodeModel.id.exists() & unused, label="node")
            audit.record(txn, node.project_id, actor, "node.deleted", ("node", node.id), {"name": node.name})
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "node" in error.failed:
            get_node(node.project_id, node.id)  # NotFoundError: someone else deleted it first
            raise ConflictError("the node is in use by a template") from None
        raise
