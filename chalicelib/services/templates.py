"""Key templates' use cases: create, change, delete.

The info fields are decided in the domain first (`info_fields.check_fields`: unique names,
well-formed placeholders, what a template and its sealed claim can hold), so the store only
writes a template whose nodes it has to count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain import info_fields
from chalicelib.store import templates
from chalicelib.store.request_models import KeyTemplateModel
from chalicelib.store.templates import TemplateSpec


def create_template(project_id: str, spec: TemplateSpec, actor: str) -> KeyTemplateModel:
    """A new template; every node a placeholder names must exist (else 422)."""
    return templates.create_template(project_id, spec, info_fields.check_fields(spec.info_fields), actor)


def update_template(template: KeyTemplateModel, changes: Mapping[str, Any], actor: str) -> KeyTemplateModel:
    """Changes the template as read; keys already issued from it keep what they were issued with."""
    if "info_fields" in changes:
        nodes = info_fields.check_fields(changes["info_fields"])
    else:
        nodes = set(template.node_ids or ())
    return templates.update_template(template, changes, nodes, actor)


def delete_template(template: KeyTemplateModel, actor: str) -> None:
    """Deletes the template; requests made from it keep their keys, pending ones can only be
    denied or cancelled."""
    templates.delete_template(template, actor)
