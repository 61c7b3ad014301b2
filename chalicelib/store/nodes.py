"""Nodes: the project's inputs and outputs, which templates may refer to."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.errors import NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.models import NodeModel
from chalicelib.store.pagination import Page, decode_cursor, paginate
from chalicelib.store.projects import conflict_or_gone, project_is_live


def create_node(project_id: str, name: str, kind: str, actor: str) -> NodeModel:
    node = NodeModel(project_id, new_id("nod"), name=name, kind=kind, created_at=rfc3339(now()))
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.save(node, condition=NodeModel.id.does_not_exist())
            audit.record(txn, project_id, actor, "node.created", ("node", node.id), {"name": name, "kind": kind})
    except TransactionCancelledError as error:
        raise conflict_or_gone(error, "a node with this id exists") from None
    return node


def get_node(project_id: str, node_id: str) -> NodeModel:
    if not is_id(node_id, "nod"):
        raise NotFoundError("node not found")
    try:
        return NodeModel.get(project_id, node_id, consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("node not found") from None


def list_nodes(project_id: str, limit: int, cursor: str | None) -> Page[NodeModel]:
    start = decode_cursor(cursor, ["id"])
    results = NodeModel.query(
        project_id,
        limit=limit + 1,
        last_evaluated_key={"project_id": {"S": project_id}, "id": {"S": start["id"]}} if start else None,
    )
    return paginate(results, limit, lambda n: {"id": n.id})


def delete_node(node: NodeModel, actor: str) -> None:
    try:
        with transaction() as txn:
            txn.delete(node, condition=NodeModel.id.exists(), label="node")
            audit.record(txn, node.project_id, actor, "node.deleted", ("node", node.id), {"name": node.name})
    except TransactionCancelledError as error:
        if "node" in error.failed:
            raise NotFoundError("node not found") from None
        raise
