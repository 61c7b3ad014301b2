"""The recipe every handler follows, written once.

A handler only says what it does with a `Call`; this module does the rest, in this
order: size limit (413) → who is calling (401) → content type (415) → JSON (400) →
schema (422) → the project and the caller's right in it (404/403, step-up 401) →
Idempotency-Key replay → the handler → the response. Every error on the way, expected
or not, leaves as an RFC 9457 problem (see `problems`); an unexpected one is logged
with the request id and answered 500 without a trace.

    router = Router("keys", "api keys")

    @router.route("POST", "/v1/projects/{pid}/keys", body=KeyCreate, status=201, action=Action.MANAGE_KEYS)
    def create_key(call: Call[KeyCreate, None]) -> KeyIssued:
        project = call.access.project  # loaded and authorized already
        ...
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from chalice.app import Blueprint, Request, Response
from msgspec import Struct, field

from chalicelib.api import request_log
from chalicelib.api.access import (
    MembersOnly,
    Own,
    OwnFilter,
    ProjectAccess,
    Stricter,
    authorize_member,
    authorize_own,
    authorize_project,
    authorize_stricter,
    own_filter,
)
from chalicelib.api.binding import (
    decode_body,
    decode_form,
    decode_path_params,
    decode_query,
    refuse_repeated_headers,
)
from chalicelib.api.problems import UNEXPECTED, new_request_id, problem_response, stamped
from chalicelib.api.schemas import encode
from chalicelib.auth.people import authenticate_person
from chalicelib.config import get_settings
from chalicelib.domain.app_secrets import SERVICE_KEY_PREFIX
from chalicelib.domain.policy import Action
from chalicelib.domain.principal import Principal
from chalicelib.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    KeywardenError,
    NotFoundError,
    PayloadTooLargeError,
    ValidationFailedError,
)
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import service_auth
    from chalicelib.store import idempotency
else:  # at first use: see chalicelib.lazy
    service_auth = lazy_module("chalicelib.services.service_auth")
    idempotency = lazy_module("chalicelib.store.idempotency")

log = logging.getLogger("keywarden.api")

MAX_BODY_BYTES = 256 * 1024
AUTH_NONE = "none"
AUTH_PERSON = "person"
AUTH_SERVICE = "service"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


B = TypeVar("B")
Q = TypeVar("Q")


class Call(Struct, Generic[B, Q]):
    """One request, as a handler sees it: already authenticated, parsed, validated and, under
    `/v1/projects/{pid}`, authorized. `B` and `Q` are the route's body and query types."""

    request: Request
    params: dict[str, str]
    body: B
    query: Q
    principal: Principal | None
    request_id: str
    endpoint: Endpoint
    service_project: str | None = None
    project_access: ProjectAccess | None = None

    @property
    def person(self) -> Principal:
        assert self.principal is not None, "route declared without person auth"
        return self.principal

    @property
    def access(self) -> ProjectAccess:
        """The project of `{pid}` and the caller's role in it, authorized for the route's action."""
        assert self.project_access is not None, "route declared without an action"
        return self.project_access

    @property
    def project_id_of_service(self) -> str:
        assert self.service_project is not None, "route declared without service auth"
        return self.service_project


class Reply(Struct):
    """A handler's answer when the route's default status or headers do not fit."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call[Any, Any]], Any]


class Endpoint(Struct):
    method: str
    path: str
    handler: Handler
    tag: str
    body: type | None
    query: type | None
    response: Any
    status: int
    auth: str
    local_only: bool
    step_up: bool
    replayable: bool
    secret_response: bool
    action: Action | None
    system_admin: bool
    # The body is application/x-www-form-urlencoded (OAuth's endpoints), not JSON.
    form: bool = False
    # A person's route under {pid} that the project's own service key may also call (feeds
    # for resource servers); the handler then has `call.service_project`, not `call.access`.
    service_key_too: bool = False
    # Routes on people's own things: whose the thing is, or whose a list shows (see api.access).
    own: Own | OwnFilter | Stricter | MembersOnly | None = None
    # Problem statuses a route answers beyond those of its kind (documented in OpenAPI).
    problems: tuple[int, ...] = ()

    @property
    def idempotent(self) -> bool:
        return self.method == "POST" and self.auth == AUTH_PERSON and self.replayable


ENDPOINTS: list[Endpoint] = []


class Router:
    """A chalice Blueprint whose routes follow the recipe and are listed in ENDPOINTS."""

    def __init__(self, name: str, tag: str) -> None:
        self.blueprint = Blueprint(f"chalicelib.api.{name}")
        self.tag = tag

    def route(
        self,
        method: str,
        path: str,
        *,
        body: type | None = None,
        query: type | None = None,
        response: Any = None,
        status: int = 200,
        auth: str = AUTH_PERSON,
        local_only: bool = False,
        step_up: bool = False,
        replayable: bool = True,
        secret_response: bool = False,
        action: Action | None = None,
        system_admin: bool = False,
        form: bool = False,
        service_key_too: bool = False,
        own: Own | OwnFilter | Stricter | MembersOnly | None = None,
        problems: tuple[int, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Registers `handler`. `action` is required on every route under `{pid}`: the caller's
        right to it is checked before the handler runs, replays included, and the handler gets
        the result as `call.access`. `step_up` marks routes that need a fresh login (checked
        after the right, see access.authorize_project); `replayable=False` opts a POST out of
        Idempotency-Key handling (reads, verification, reveals); `secret_response` marks
        responses that hold a secret, which are kept for replay only sealed with KMS;
        `system_admin` admits only people in the administrators' group (service-wide routes);
        `form` takes the body as application/x-www-form-urlencoded (OAuth endpoints);
        `service_key_too` also admits the service key of `{pid}`'s project (reads only), any
        other project's service key being 404; `own` declares who may act on the route's thing
        (`Own`: its owner, or those with a right), whose things a list shows (`OwnFilter`), or
        when a request needs a higher right than the action (`Stricter`), or membership itself
        (`MembersOnly`); `problems` lists statuses it answers beyond its kind's (for OpenAPI)."""

        def register(handler: Handler) -> Handler:
            if ("{pid}" in path) != (action is not None) or (action is not None and auth != AUTH_PERSON):
                raise TypeError(f"{method} {path}: every person's route under {{pid}}, and only those, has an action")
            if step_up and action is None:
                raise TypeError(f"{method} {path}: step-up is checked with the action; declare one")
            if service_key_too and (action is None or method != "GET" or step_up):
                raise TypeError(f"{method} {path}: only reads under {{pid}} are open to the project's service key")
            if own is not None and (action is None or service_key_too):
                raise TypeError(f"{method} {path}: ownership is checked with the action; declare one")
            if isinstance(own, OwnFilter) and query is None:
                raise TypeError(f"{method} {path}: an ownership filter narrows the route's query")
            if system_admin and (auth != AUTH_PERSON or action is not None):
                raise TypeError(f"{method} {path}: system administrators' routes are people's, outside projects")
            endpoint = Endpoint(
                method,
                path,
                handler,
                self.tag,
                body,
                query,
                response,
                status,
                auth,
                local_only,
                step_up,
                replayable,
                secret_response,
                action,
                system_admin,
                form,
                service_key_too,
                own,
                problems,
            )
            ENDPOINTS.append(endpoint)
            blueprint = self.blueprint

            def view(**params: str) -> Response:
                return run(endpoint, blueprint.current_request, params)

            view.__name__ = handler.__name__
            # Content types are checked here, not by chalice, so that a wrong one is a problem+json 415.
            # HEAD is wherever GET is (RFC 9110 section 9.3.2): the same view and answer, whose
            # body API Gateway and the local server leave out.
            methods = [method, "HEAD"] if method == "GET" else [method]
            blueprint.route(path, methods=methods, content_types=["*/*"])(view)
            return handler

        return register


def run(endpoint: Endpoint, request: Request, params: dict[str, str]) -> Response:
    """Runs one request through the recipe; never raises."""
    context = request.context or {}
    request_id = new_request_id(context)
    try:
        response = _handle(endpoint, request, params, request_id)
    except KeywardenError as error:
        response = problem_response(error, request_id)
    except Exception:
        log.exception("unexpected error in %s %s, request %s", endpoint.method, endpoint.path, request_id)
        response = problem_response(KeywardenError(UNEXPECTED), request_id)
    return stamped(response, request_id)


def _handle(endpoint: Endpoint, request: Request, params: dict[str, str], request_id: str) -> Response:
    settings = get_settings()
    if endpoint.local_only and not settings.is_local:
        raise NotFoundError("no such route in this stage")
    params = decode_path_params(params)
    if "pid" in params:
        request_log.note(project=params["pid"])
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    # Before authentication: of two Authorization headers, none is taken (400).
    refuse_repeated_headers(request.to_original_event().get("multiValueHeaders"))
    headers = request.headers
    principal = None
    service_project = None
    if endpoint.service_key_too and _carries_service_key(headers.get("authorization")):
        service_project = service_auth.authenticate_service(headers.get("authorization"))
        request_log.note(caller=f"service:{service_project}")
        if service_project != params["pid"]:
            raise NotFoundError("project not found")
    elif endpoint.auth == AUTH_PERSON:
        principal = authenticate_person(headers.get("authorization"), settings)
        request_log.note(caller=principal.sub)
        if endpoint.system_admin and not principal.is_system_admin:
            raise ForbiddenError("only system administrators may do this")
    elif endpoint.auth == AUTH_SERVICE:
        service_project = service_auth.authenticate_service(headers.get("authorization"))
        request_log.note(project=service_project, caller=f"service:{service_project}")
    decode = decode_form if endpoint.form else decode_body
    body = decode(endpoint.body, raw, headers.get("content-type")) if endpoint.body else None
    query = decode_query(endpoint.query, request.query_params) if endpoint.query else None
    access = None
    if endpoint.action is not None and service_project is None:
        # Before any replay: a stored response is only for a caller who may still act.
        assert principal is not None
        access = authorize_project(principal, params["pid"], endpoint.action, step_up=endpoint.step_up)
        if isinstance(endpoint.own, Own):
            access = authorize_own(access, principal.sub, endpoint.own, params)
        elif isinstance(endpoint.own, OwnFilter):
            query = own_filter(access, principal.sub, endpoint.own, query)
        elif isinstance(endpoint.own, Stricter):
            access = authorize_stricter(access, endpoint.own, params, body)
        elif isinstance(endpoint.own, MembersOnly):
            access = authorize_member(access, endpoint.own)
    call: Call[Any, Any] = Call(request, params, body, query, principal, request_id, endpoint, service_project, access)

    idempotency_key = headers.get("idempotency-key") if endpoint.idempotent else None
    if idempotency_key is None:
        return _respond(endpoint, endpoint.handler(call))
    return _run_idempotent(endpoint, call, idempotency_key)


def _carries_service_key(authorization: str | None) -> bool:
    """Whether the credential is meant as a service key (`Bearer kws_...` or HTTP Basic), not a person's token."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    scheme = scheme.lower()
    return scheme == "basic" or (scheme == "bearer" and credentials.strip().startswith(SERVICE_KEY_PREFIX))


def _respond(endpoint: Endpoint, result: Any) -> Response:
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or endpoint.status
    if status == 204:
        return Response(body="", status_code=204, headers=dict(reply.headers))
    return Response(
        body=encode(reply.body), status_code=status, headers={"Content-Type": "application/json", **reply.headers}
    )


def _run_idempotent(endpoint: Endpoint, call: Call[Any, Any], key: str) -> Response:
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailedError([FieldError("Idempotency-Key", "must be 1 to 255 visible ASCII characters")])
    caller = call.principal.sub if call.principal else "anonymous"
    path = endpoint.path.format(**call.params)
    scope = "\n".join((caller, endpoint.method, path, key))
    storage_key = hashlib.sha256(scope.encode()).hexdigest()
    request_hash = hashlib.sha256(msgspec.json.encode(call.body) if call.body is not None else b"").hexdigest()

    stored = idempotency.begin(storage_key, request_hash)
    if stored is not None:
        return Response(
            body=idempotency.open_body(stored, storage_key),
            status_code=stored.status_code,
            headers={**stored.headers, "Idempotent-Replayed": "true"},
        )
    try:
        response = _respond(endpoint, endpoint.handler(call))
    except KeywardenError as error:
        # A conflict with a concurrent change is no outcome of this request: like Stripe, keep
        # nothing, so that the retry runs again. Neither is a server error.
        if error.status >= 500 or isinstance(error, ConflictError):
            idempotency.release(storage_key, request_hash)
            raise
        response = problem_response(error, call.request_id)
    except BaseException:
        idempotency.release(storage_key, request_hash)
        raise
    kept_headers = {name: str(value) for name, value in response.headers.items() if name.lower() == "content-type"}
    idempotency.complete(
        storage_key,
        request_hash,
        idempotency.StoredResponse(response.status_code, str(response.body), kept_headers),
        sealed=endpoint.secret_response and response.status_code < 400,
    )
    return response
