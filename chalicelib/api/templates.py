"""Key templates: keys half-formed, from which members request keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import UNSET, structs

from chalicelib.api.access import Stricter
from chalicelib.api.http import Call, Router
from chalicelib.api.request_schemas import (
    InfoField,
    InfoFieldView,
    MyRequest,
    Template,
    TemplateCreate,
    TemplateUpdate,
)
from chalicelib.api.schemas import ListQuery, Page
from chalicelib.domain.clock import now
from chalicelib.domain.key_requests import Status, status_at
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import templates as template_cases
    from chalicelib.store import key_requests, templates
    from chalicelib.store.request_models import KeyRequestTileModel, KeyTemplateModel
else:  # at first use: see chalicelib.lazy
    key_requests = lazy_module("chalicelib.store.key_requests")
    templates = lazy_module("chalicelib.store.templates")
    template_cases = lazy_module("chalicelib.services.templates")

router = Router("templates", "key templates")


def _my_request(tile: KeyRequestTileModel | None) -> MyRequest | None:
    if tile is None:
        return None
    status = status_at(Status(tile.status), float(tile.expires_at), now())
    return MyRequest(id=tile.request_id, status=status.value)


def template_view(template: KeyTemplateModel, tile: KeyRequestTileModel | None) -> Template:
    return Template(
        id=template.id,
        project_id=template.project_id,
        name=template.name,
        description=template.description,
        role_id=template.role_id,
        type=template.type,  # type: ignore[arg-type]
        ttl_seconds=int(template.ttl_seconds) if template.ttl_seconds is not None else None,
        auto_approve=bool(template.auto_approve),
        info_fields=[
            InfoFieldView(f["name"], f.get("description", ""), f["value"]) for f in template.info_fields or []
        ],
        created_at=template.created_at,
        created_by=template.created_by,
        updated_at=template.updated_at,
        my_request=_my_request(tile),
    )


def _tile(call: Call[Any, Any], template_id: str) -> KeyRequestTileModel | None:
    return key_requests.tiles_of(call.access.project.id, call.person.sub).get(template_id)


_SELF_APPROVING = "only owners and admins may make or change a template that approves requests by itself"


def _load_template(project_id: str, params: dict[str, str]) -> KeyTemplateModel:
    return templates.get_template(project_id, params["template_id"])


def _changes(body: TemplateUpdate) -> dict[str, Any]:
    return {k: v for k, v in structs.asdict(body).items() if v is not UNSET}


# A template that approves its requests by itself issues keys: making or changing one is
# deciding requests in advance, which editors may not do (they may not create keys either).
_CREATES_SELF_APPROVING = Stricter(Action.DECIDE_REQUESTS, lambda body, _: bool(body.auto_approve), _SELF_APPROVING)
_CHANGES_SELF_APPROVING = Stricter(
    Action.DECIDE_REQUESTS,
    lambda body, template: bool(_changes(body)) and bool(template.auto_approve or body.auto_approve is True),
    _SELF_APPROVING,
    load=_load_template,
)


def _fields(items: list[InfoField]) -> list[dict[str, str]]:
    return [structs.asdict(f) for f in items]


@router.route(
    "GET", "/v1/projects/{pid}/key-templates", query=ListQuery, response=Page[Template], action=Action.READ_PROJECT
)
def list_templates(call: Call[None, ListQuery]) -> Page[Template]:
    """The project's templates, each with the caller's latest request from it (`my_request`)."""
    project_id = call.access.project.id
    page = templates.list_templates(project_id, call.query.limit, call.query.cursor)
    tiles = key_requests.tiles_of(project_id, call.person.sub) if page.items else {}
    return Page([template_view(t, tiles.get(t.id)) for t in page.items], page.next_cursor)


@router.route(
    "POST",
    "/v1/projects/{pid}/key-templates",
    body=TemplateCreate,
    response=Template,
    status=201,
    action=Action.MANAGE_CONFIG,
    own=_CREATES_SELF_APPROVING,
)
def create_template(call: Call[TemplateCreate, None]) -> Template:
    """Creates a template (owner, admin, editor; one with `auto_approve`: owner, admin). Every
    node a placeholder names must exist (else 422)."""
    body = call.body
    spec = templates.TemplateSpec(
        name=body.name,
        description=body.description,
        role_id=body.role_id,
        type=body.type,
        ttl_seconds=body.ttl_seconds,
        auto_approve=body.auto_approve,
        info_fields=_fields(body.info_fields),
    )
    return template_view(template_cases.create_template(call.access.project.id, spec, call.person.sub), None)


@router.route("GET", "/v1/projects/{pid}/key-templates/{template_id}", response=Template, action=Action.READ_PROJECT)
def get_template(call: Call[None, None]) -> Template:
    """One template, with the caller's `my_request`."""
    template = templates.get_template(call.access.project.id, call.params["template_id"])
    return template_view(template, _tile(call, template.id))


@router.route(
    "PATCH",
    "/v1/projects/{pid}/key-templates/{template_id}",
    body=TemplateUpdate,
    response=Template,
    action=Action.MANAGE_CONFIG,
    own=_CHANGES_SELF_APPROVING,
)
def update_template(call: Call[TemplateUpdate, None]) -> Template:
    """Changes a template; keys already issued from it keep what they were issued with. A
    template with `auto_approve` (or being given it) may be changed by owners and admins only."""
    template: KeyTemplateModel = call.access.resource
    changes = _changes(call.body)
    if "info_fields" in changes:
        changes["info_fields"] = _fields(changes["info_fields"])
    updated = template_cases.update_template(template, changes, call.person.sub)
    return template_view(updated, _tile(call, updated.id))


@router.route("DELETE", "/v1/projects/{pid}/key-templates/{template_id}", status=204, action=Action.MANAGE_CONFIG)
def delete_template(call: Call[None, None]) -> None:
    """Deletes a template; its pending requests can then only be denied or cancelled."""
    template_cases.delete_template(
        templates.get_template(call.access.project.id, call.params["template_id"]), call.person.sub
    )
