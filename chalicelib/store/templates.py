"""Key templates: keys half-formed, from which members request keys.

A template names a role and nodes (in its info fields' placeholders); each counts as a
user of them, kept in the template's own transactions, so neither can be deleted while
a template names it. Every change requires the version it read: two concurrent edits
cannot both adjust the counts from the same starting point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.project_models import NodeModel, RoleModel
from chalicelib.store.projects import project_is_live
from chalicelib.store.request_models import KeyTemplateModel


class TemplateSpec(Struct, frozen=True):
    """A template's fields as a caller gives them; `info_fields` are {name, description, value}."""

    name: str
    description: str
    role_id: str
    type: str
    ttl_seconds: int | None
    auto_approve: bool
    info_fields: list[dict[str, str]]


def _unknown_nodes(project_id: str, node_ids: set[str]) -> ValidationFailedError:
    known = {n.id for n in NodeModel.batch_get([(project_id, n) for n in node_ids], consistent_read=True)}
    missing = sorted(node_ids - known)
    return ValidationFailedError(
        [FieldError("info_fields", f"{{{{node:{node_id}}}}} names no node of this project") for node_id in missing]
        or [FieldError("info_fields", "a node it names was deleted meanwhile")]
    )


def _count_refs(
    txn: Transaction, project_id: str, role_deltas: Mapping[str, int], node_deltas: Mapping[str, int]
) -> None:
    for role_id, delta in role_deltas.items():
        if delta:
            txn.update(
                RoleModel(project_id, role_id),
                actions=[RoleModel.ref_count.add(delta)],
                condition=RoleModel.id.exists(),
                label="role" if delta > 0 else "",
            )
    for node_id, delta in node_deltas.items():
        if delta:
            txn.update(
                NodeModel(project_id, node_id),
                actions=[NodeModel.ref_count.add(delta)],
                condition=NodeModel.id.exists(),
                label="node" if delta > 0 else "",
            )


def _explain(error: TransactionCancelledError, project_id: str, node_ids: set[str]) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "role" in error.failed:
        return ValidationFailedError.single("role_id", "no such role in this project")
    if "node" in error.failed:
        return _unknown_nodes(project_id, node_ids)
    if "template" in error.failed:
        return ConflictError("the template changed meanwhile; read it again")
    return error


def create_template(project_id: str, spec: TemplateSpec, node_ids: set[str], actor: str) -> KeyTemplateModel:
    """A new template naming `node_ids` (its info fields' nodes, checked by the caller), counted
    as a user of them and of its role; audited."""
    if not is_id(spec.role_id, "rol"):
        raise ValidationFailedError.single("role_id", "no such role in this project")
    stamp = rfc3339(now())
    template = KeyTemplateModel(
        project_id,
        new_id("tpl"),
        name=spec.name,
        description=spec.description,
        role_id=spec.role_id,
        type=spec.type,
        ttl_seconds=spec.ttl_seconds,
        auto_approve=spec.auto_approve,
        info_fields=spec.info_fields,
        node_ids=node_ids or None,
        created_at=stamp,
        created_by=actor,
        updated_at=stamp,
        version=1,
    )
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.save(template, condition=KeyTemplateModel.id.does_not_exist(), label="template")
            _count_refs(txn, project_id, {spec.role_id: 1}, dict.fromkeys(node_ids, 1))
            audit.record(
                txn,
                project_id,
                actor,
                "template.created",
                ("template", template.id),
                {"name": spec.name, "role_id": spec.role_id, "type": spec.type, "auto_approve": spec.auto_approve},
            )
    except TransactionCancelledError as error:
        raise _explain(error, project_id, node_ids) from None
    return template


def get_template(project_id: str, template_id: str) -> KeyTemplateModel:
    return get_or_not_found(KeyTemplateModel, project_id, template_id, prefix="tpl", what="template")


def list_templates(project_id: str, limit: int, cursor: str | None) -> Page[KeyTemplateModel]:
    return query_page(KeyTemplateModel, project_id, "id", limit, cursor, consistent_read=True)


def update_template(
    template: KeyTemplateModel, changes: Mapping[str, Any], new_nodes: set[str], actor: str
) -> KeyTemplateModel:
    """Changes any of the spec's fields of the template as read; role and node counts follow
    (`new_nodes`: the nodes its info fields name after the change)."""
    if not changes:
        return template
    project_id = template.project_id
    old_nodes = set(template.node_ids or ())
    if "role_id" in changes and not is_id(changes["role_id"], "rol"):
        raise ValidationFailedError.single("role_id", "no such role in this project")
    role_deltas: dict[str, int] = {}
    if changes.get("role_id", template.role_id) != template.role_id:
        role_deltas = {changes["role_id"]: 1, template.role_id: -1}
    node_deltas = {n: 1 for n in new_nodes - old_nodes} | {n: -1 for n in old_nodes - new_nodes}
    actions = [getattr(KeyTemplateModel, field).set(value) for field, value in changes.items() if value is not None]
    actions += [getattr(KeyTemplateModel, field).remove() for field, value in changes.items() if value is None]
    if "info_fields" in changes:
        actions.append(KeyTemplateModel.node_ids.set(new_nodes) if new_nodes else KeyTemplateModel.node_ids.remove())
    actions += [KeyTemplateModel.updated_at.set(rfc3339(now())), KeyTemplateModel.version.add(1)]
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.update(
                template, actions=actions, condition=KeyTemplateModel.version == template.version, label="template"
            )
            _count_refs(txn, project_id, role_deltas, node_deltas)
            audit.record(
                txn,
                project_id,
                actor,
                "template.updated",
                ("template", template.id),
                {"changed": sorted(changes)},
            )
    except TransactionCancelledError as error:
        if "template" in error.failed:
            get_template(project_id, template.id)  # NotFoundError when it was deleted meanwhile
        raise _explain(error, project_id, new_nodes) from None
    return get_template(project_id, template.id)


def delete_template(template: KeyTemplateModel, actor: str) -> None:
    """Deletes a template; requests already made from it keep their keys, pending ones can
    only be denied or cancelled (approval needs the template)."""
    project_id = template.project_id
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.delete(template, condition=KeyTemplateModel.version == template.version, label="template")
            _count_refs(txn, project_id, {template.role_id: -1}, dict.fromkeys(template.node_ids or (), -1))
            audit.record(txn, project_id, actor, "template.deleted", ("template", template.id), {"name": template.name})
    except TransactionCancelledError as error:
        if "template" in error.failed:
            get_template(project_id, template.id)
        raise _explain(error, project_id, set()) from None


def for_issuing(project_id: str, template_id: str) -> tuple[KeyTemplateModel, dict[str, str]] | None:
    """The template a key is issued from and the names of the nodes it names, or None when it is gone."""
    try:
        template = get_template(project_id, template_id)
    except NotFoundError:
        return None
    return template, node_names(project_id, set(template.node_ids or ()))


def node_names(project_id: str, node_ids: set[str]) -> dict[str, str]:
    """The names of the nodes a template names (all exist: a node in use cannot be deleted)."""
    if not node_ids:
        return {}
    return {n.id: n.name for n in NodeModel.batch_get([(project_id, n) for n in node_ids], consistent_read=True)}
