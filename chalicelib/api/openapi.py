"""The OpenAPI 3.1 document, built from the registered endpoints and their schemas."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import msgspec

from chalicelib.api.http import AUTH_NONE, AUTH_PERSON, AUTH_SERVICE, ENDPOINTS, Call, Endpoint, Router
from chalicelib.api.schemas import Problem
from chalicelib.config import get_settings
from chalicelib.domain.policy import RIGHTS
from chalicelib.errors import KeywardenError

router = Router("openapi", "meta")

_PATH_PARAM = re.compile(r"{(\w+)}")
_REF = "#/components/schemas/{name}"


@lru_cache(maxsize=1)
def _errors_by_status() -> dict[int, str]:
    """Each status's description, from the error classes that answer with it: `Title (`code`)`."""
    titles: dict[int, dict[str, str]] = {}
    for cls in _all_error_classes():
        titles.setdefault(cls.status, {}).setdefault(cls.code, cls.title)
    return {
        status: "; ".join(f"{title} (`{code}`)" for code, title in sorted(by_code.items()))
        for status, by_code in titles.items()
    }


_DESCRIPTION = """Keywarden issues, verifies and governs API keys.

Errors are RFC 9457 problems (`application/problem+json`) whose `code` is stable.
Every GET operation also answers HEAD (not listed here): the same status and headers as
the GET, without the body.
POST requests that change state accept an `Idempotency-Key` header: a repeat with the
same key and body within 24 hours replays the first response (with the header
`Idempotent-Replayed: true`); the same key with another body is 422
`idempotency_key_reused`; while the first is still running, 409 `conflict`. A request
that ended in 409 (it conflicted with a concurrent change) keeps no result, so its retry
runs again; reveals and launch-parameter signing are never replayed. Lists take
`limit` (1..100, default 50) and an opaque `cursor`, and answer
`{"items": [...], "next_cursor": "..." | null}`.

Rights: see the `x-keywarden-rights` table. One rule for existence: a project you are not a
member of is 404, as if it did not exist; a member without the right is 403, whether the
right is the route's or the right to act on someone else's key or request (a key is its
owner's and those who manage keys'; a request its requester's and those who decide; only
its requester cancels or claims it). Only the project's members may request keys (a system
administrator who is not one gets 403: no approval could issue them a key). Any member may
remove themselves from a project, but a project always keeps at least one owner (409).
Editors may rename a project. Path parameters are percent-decoded once by the service:
`auth0%7Cabc` and `auth0|abc` name the same member.

Deleting a project wins over every concurrent change: from the moment it begins the
project is gone for everyone and every write to it fails; if the deletion is interrupted
(409), the owner's repeat of the DELETE finishes it. A key has at most one successor:
rerolling a rerolled key is 409 with the extension member `rerolled_to` naming it.

Key kinds: `opaque`, `jwt` (ES256, verifiable offline against `/.well-known/jwks.json`)
and `hmac` (a token and a secret that signs requests; `/v1/hmac/verify`). Verification
answers `INVALID_SIGNATURE` for a JWT key that the service's published keys did not
sign (API.md names the code for HMAC; it is the precise one for a forged JWT too); a
JWT with `jku`, `x5u`, `jwk`, `x5c` or `crit` headers is `MALFORMED`. A JWT key's
expiry is signed into it: PATCH may bring it forward, not extend or remove it (422).
`/v1/hmac/verify` also takes `permissions`, as `/v1/keys/verify` does; `x-ms-date` may be
an HTTP-date (RFC 1123, RFC 850, asctime) or the Azure App Configuration SDK's
`Nov, 23 2026 19:07:46.358681 GMT`, which the keywarden client package sends too (with
whole seconds, two identical requests in one second would share a signature, and the
second would be REPLAYED). A request refused as NOT_FOUND or INVALID_SIGNATURE does not
spend its signature; one refused after its signature is proven (REVOKED, EXPIRED, ...)
does. A signing-key rotation publishes the new key at once and signs with it after the
JWKS `max-age` plus `KEYWARDEN_CACHE_TTL`.

Restrictions and governance (API.md is silent on these details; this is what is built). A
disabled key (`PATCH {enabled: false}`) answers DISABLED, reversibly; disabling or enabling
emits `key.disabled` / `key.enabled` once per change. An IP allowlist is written in canonical
form (a bare address is /32 or /128, an IPv4-mapped IPv6 range is its IPv4 range); a CIDR with
host bits set is refused, naming the network meant. `client_ip` must be an address (422
otherwise); an IPv4-mapped IPv6 client is judged as its IPv4 address; an answer for a key with an
allowlist carries it (`ip_allowlist`), so a verifier that keeps answers can judge other
addresses. A permission query's keywords are `AND` and `OR` in capitals (permissions are lower
case), at most 32 levels of parentheses. The project's key policy judges a new key whole and a
PATCH by the rules that look at what it changes (the expiry, the allowlist): a key made before
a rule is not refused a rename. An auto-approving template whose key the policy refuses leaves
its request pending, with the reason in `note`; an approver may give the key an `ip_allowlist`.
A claim is refused when the policy changed since the approval so that the key breaks it. A
reroll keeps the old key's allowlist and its disabled state. Leak reports act on opaque keys
and JWT keys the service signed: not on HMAC key tokens (every signed request carries one, so
reporting one would let anyone who saw a request revoke the key) nor service keys; where a
report says a key was found is kept with anything shaped like a key replaced by its prefix;
`/v1/leaks/report`
answers no sooner than `KEYWARDEN_LEAK_REPORT_FLOOR_MS` (250) after it arrived, and beyond
`KEYWARDEN_LEAK_REPORTS_PER_MINUTE` (30) reports from one address in a minute 429
`rate_limited`; `/v1/leaks/github` answers 401 for a signature that does not verify and while
GitHub's keys cannot be fetched (GitHub sends the alert again). Opaque keys carry the
deployment's `KEYWARDEN_KEY_PREFIX`; keys with the default `kw_` keep working after a change,
and any other prefix is MALFORMED before a read.

Deployed (infra/), API Gateway answers some requests itself, as problems too, with the
request id in `request_id`: an unknown route 404 `not_found`; beyond the stage's rate
limit 429 `rate_limited` (retry later: the contract names no code for it); a body over the
gateway's own limit 413 `payload_too_large`; a function that failed or timed out 502 or
504 `internal_error`.

The web console is served at `/console/` (not an API route: static files, `/` redirects
there locally) from the API's own origin, locally by the stack and deployed by CloudFront
in front of API Gateway, so its calls are same-origin and the API sends no CORS headers.
It signs people in with the configured OIDC issuer (authorization code with PKCE), keeps
tokens in memory only, and uses nothing but the operations of this document.
"""


def _body_type(endpoint: Endpoint) -> str:
    return "application/x-www-form-urlencoded" if endpoint.form else "application/json"


def _component(ref: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema a `{"$ref": "#/components/schemas/Name"}` points at."""
    found: dict[str, Any] = components[ref["$ref"].rsplit("/", 1)[-1]]
    return found


def _operation(endpoint: Endpoint, schemas: dict[type, Any], components: dict[str, Any]) -> dict[str, Any]:
    doc = (endpoint.handler.__doc__ or "").strip()
    operation: dict[str, Any] = {
        "operationId": endpoint.handler.__name__,
        "tags": [endpoint.tag],
        "summary": doc.splitlines()[0] if doc else endpoint.handler.__name__,
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 255}}
        for name in _PATH_PARAM.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        query_schema = _component(schemas[endpoint.query], components)
        for name, schema in query_schema.get("properties", {}).items():
            # A query string cannot say null: an optional parameter is simply left out.
            options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
            if len(options) == 1:
                schema = {**options[0], **({"default": schema["default"]} if schema.get("default") else {})}
            parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    if endpoint.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
                "description": "1 to 255 visible ASCII characters",
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        # An absent body is read as `{}`: required only when the body has required fields.
        operation["requestBody"] = {
            "required": bool(_component(schemas[endpoint.body], components).get("required")),
            "content": {_body_type(endpoint): {"schema": schemas[endpoint.body]}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.status != 204 and endpoint.response is not None:
        success["content"] = {"application/json": {"schema": schemas[endpoint.response]}}
    responses: dict[str, Any] = {str(endpoint.status): success}
    problem = {"application/problem+json": {"schema": {"$ref": _REF.format(name="Problem")}}}
    statuses = {AUTH_NONE: [404, 422], AUTH_SERVICE: [401, 422]}.get(endpoint.auth, [401, 403, 404, 409, 422])
    # Any request may repeat a header read once (Authorization, Content-Type, Idempotency-Key)
    # or a query parameter: 400 `malformed_request`, as a body that is not JSON is.
    statuses += [400, *endpoint.problems]
    if endpoint.body is not None:
        statuses += [413, 415]
    for status in sorted(set(statuses)):
        responses[str(status)] = {"description": _errors_by_status()[status], "content": problem}
    responses["500"] = {"description": "Unexpected error, with a `request_id`", "content": problem}
    operation["responses"] = responses
    operation["security"] = {
        AUTH_PERSON: [{"oidc": []}],
        AUTH_SERVICE: [{"serviceKey": []}, {"serviceKeyBasic": []}],
    }.get(endpoint.auth, [])
    if endpoint.service_key_too:
        operation["security"] += [{"serviceKey": []}, {"serviceKeyBasic": []}]
        operation["description"] = (
            "A person with the right, or the project's own service key (another project's is 404)."
        )
    if endpoint.step_up:
        operation["x-step-up"] = True
        operation["description"] = (
            "Needs a login at most KEYWARDEN_STEP_UP_MAX_AGE seconds old (default 300); otherwise 401 "
            '`step_up_required` with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=300` '
            "(RFC 9470)."
        )
    if endpoint.secret_response:
        operation["x-shown-once"] = "The response holds a secret; an Idempotency-Key replay keeps it sealed (KMS)."
    return operation


@lru_cache(maxsize=2)
def build_document(include_local: bool) -> dict[str, Any]:
    """The whole document; the local stage's `/v1/dev/*` routes only when `include_local`."""
    endpoints = [e for e in ENDPOINTS if include_local or not e.local_only]
    types = {t for e in endpoints for t in (e.body, e.query, e.response) if t is not None} | {Problem}
    ordered = sorted(types, key=repr)
    refs, components = msgspec.json.schema_components(ordered, ref_template=_REF)
    schemas = dict(zip(ordered, refs, strict=False))
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Keywarden", "version": "1.0.0", "description": _DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "oidc": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (OIDC access token)"},
                "serviceKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "kws_... (the project's service key)",
                    "description": "Authenticates a project's servers on the verification endpoints only.",
                },
                "serviceKeyBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": (
                        "The service key as the password of HTTP Basic (any user name), as OAuth clients "
                        "authenticate to an introspection endpoint (client_secret_basic); same endpoints."
                    ),
                },
            },
        },
        "x-keywarden-rights": {action.value: sorted(r.value for r in roles) for action, roles in RIGHTS.items()},
        # rate_limited: API Gateway's own answer beyond the stage's rate limit (infra/).
        "x-problem-codes": sorted({cls.code for cls in _all_error_classes()} - {"internal_error"} | {"rate_limited"}),
    }


def _all_error_classes() -> list[type[KeywardenError]]:
    found, todo = [], [KeywardenError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@router.route("GET", "/v1/openapi.json", response=dict[str, Any], auth=AUTH_NONE)
def openapi_document(call: Call[None, None]) -> dict[str, Any]:
    """This document."""
    return build_document(get_settings().is_local)
