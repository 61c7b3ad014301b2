"""Key requests: a member asks for a key from a template, an admin decides, the member claims it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.access import MembersOnly, Own, OwnFilter
from chalicelib.api.http import Call, Reply, Router
from chalicelib.api.keys import allowlist_of, future_epoch, key_view
from chalicelib.api.request_schemas import (
    Approve,
    Claimed,
    Deny,
    KeyRequest,
    RequestCreate,
    RequestListQuery,
)
from chalicelib.api.schemas import Page
from chalicelib.domain import info_fields
from chalicelib.domain.policy import Action
from chalicelib.errors import NotFoundError, ValidationFailedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import key_requests as requests_domain
    from chalicelib.services import key_requests as request_cases
    from chalicelib.store import event_data, key_requests, templates
    from chalicelib.store.request_models import KeyRequestModel
else:  # at first use: see chalicelib.lazy
    event_data = lazy_module("chalicelib.store.event_data")
    request_cases = lazy_module("chalicelib.services.key_requests")
    key_requests = lazy_module("chalicelib.store.key_requests")
    templates = lazy_module("chalicelib.store.templates")

router = Router("key_requests", "key requests")


def request_view(state: requests_domain.KeyRequest) -> KeyRequest:
    return KeyRequest(**event_data.request_data(state))


def _load_request(project_id: str, params: dict[str, str]) -> KeyRequestModel:
    return key_requests.get_request(project_id, params["request_id"])


def _requester(model: KeyRequestModel) -> str:
    return model.requester_id


# A request is its requester's; those who decide requests see and decide everyone's.
_REQUESTERS_OR_DECIDERS = Own(_load_request, _requester, elevated=Action.DECIDE_REQUESTS)
_REQUESTER_ONLY = Own(_load_request, _requester, elevated=None)


@router.route(
    "POST",
    "/v1/projects/{pid}/key-requests",
    body=RequestCreate,
    response=KeyRequest,
    status=201,
    action=Action.REQUEST_KEYS,
    # The key would be the requester's, and only members hold keys: no approval could ever issue it.
    own=MembersOnly("only the project's members may request keys: add yourself as a member first"),
)
def create_request(call: Call[RequestCreate, None]) -> KeyRequest:
    """Requests a key from a template; one pending request per requester and template (else 409).

    From an `auto_approve` template the request is approved at once and its key issued.
    """
    project, body = call.access.project, call.body
    try:
        template = templates.get_template(project.id, body.template_id)
    except NotFoundError:
        raise ValidationFailedError.single("template_id", "no such template in this project") from None
    return request_view(request_cases.create_request(project, template, call.person.sub, body.justification))


@router.route(
    "GET",
    "/v1/projects/{pid}/key-requests",
    query=RequestListQuery,
    response=Page[KeyRequest],
    action=Action.REQUEST_KEYS,
    own=OwnFilter("requester_id", elevated=Action.DECIDE_REQUESTS),
)
def list_requests(call: Call[None, RequestListQuery]) -> Page[KeyRequest]:
    """Newest first. Owners and admins see every request; other members their own."""
    query = call.query
    page = key_requests.list_requests(
        call.access.project.id, query.limit, query.cursor, status=query.status, requester_id=query.requester_id
    )
    return Page([request_view(key_requests.value_of(r)) for r in page.items], page.next_cursor)


@router.route(
    "GET",
    "/v1/projects/{pid}/key-requests/{request_id}",
    response=KeyRequest,
    action=Action.REQUEST_KEYS,
    own=_REQUESTERS_OR_DECIDERS,
)
def get_request(call: Call[None, None]) -> KeyRequest:
    """One request, for its requester and for those who decide."""
    return request_view(key_requests.value_of(call.access.resource))


@router.route(
    "POST",
    "/v1/projects/{pid}/key-requests/{request_id}/approve",
    body=Approve,
    response=KeyRequest,
    action=Action.DECIDE_REQUESTS,
)
def approve_request(call: Call[Approve, None]) -> KeyRequest:
    """Approves a pending request and issues its key (409 if it is no longer pending; 403 for
    its own requester). The requester then has 7 days to claim the key, else it is revoked."""
    project, body = call.access.project, call.body
    expires_at = future_epoch(body.expires_at, "expires_at") if body.expires_at is not None else None
    allowlist = allowlist_of(body.ip_allowlist)
    return request_view(
        request_cases.approve(project, call.params["request_id"], call.person.sub, body.note, expires_at, allowlist)
    )


@router.route(
    "POST",
    "/v1/projects/{pid}/key-requests/{request_id}/deny",
    body=Deny,
    response=KeyRequest,
    action=Action.DECIDE_REQUESTS,
)
def deny_request(call: Call[Deny, None]) -> KeyRequest:
    """Denies a pending request (409 if it is no longer pending; 403 for its own requester)."""
    model = key_requests.get_request(call.access.project.id, call.params["request_id"])
    return request_view(request_cases.deny(model, call.person.sub, call.body.reason))


@router.route(
    "POST",
    "/v1/projects/{pid}/key-requests/{request_id}/cancel",
    response=KeyRequest,
    action=Action.REQUEST_KEYS,
    own=_REQUESTER_ONLY,
)
def cancel_request(call: Call[None, None]) -> KeyRequest:
    """The requester withdraws a pending request."""
    return request_view(request_cases.cancel(call.access.resource, call.person.sub))


@router.route(
    "POST",
    "/v1/projects/{pid}/key-requests/{request_id}/claim",
    response=Claimed,
    # Exactly once: not even an Idempotency-Key replay keeps a copy of the secret.
    replayable=False,
    action=Action.REQUEST_KEYS,
    own=_REQUESTER_ONLY,
)
def claim_request(call: Call[None, None]) -> Reply:
    """The requester takes the approved key, once: its secret, and the template's info fields
    as `secrets` and as `.env` text. Nothing of them is kept afterwards (409 on a second claim)."""
    _, key, secret, secrets = request_cases.claim(call.access.project, call.access.resource, call.person.sub)
    return Reply(Claimed(key=key_view(key), secret=secret, secrets=secrets, dotenv=info_fields.dotenv(secrets)))
