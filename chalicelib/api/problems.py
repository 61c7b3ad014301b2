"""Errors to RFC 9457 responses: the only place an error becomes HTTP."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import msgspec
from chalice.app import Response
from msgspec import UNSET

from chalicelib.api.schemas import Problem, ProblemFieldError, encode
from chalicelib.errors import KeywardenError, ValidationFailedError

PROBLEM_TYPE_PREFIX = "urn:keywarden:problem:"
UNEXPECTED = "an unexpected error occurred; quote the request id when you report it"


def new_request_id(context: Mapping[str, Any] | None = None) -> str:
    """API Gateway's request id when there is one (Lambda, chalice's local gateway), else a fresh one."""
    return str((context or {}).get("requestId") or os.urandom(16).hex())


def stamped(response: Response, request_id: str) -> Response:
    """Adds the headers every answer carries, problems included: no caching, and the request id."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Request-Id"] = request_id
    return response


def problem_response(error: KeywardenError, request_id: str) -> Response:
    errors = (
        [ProblemFieldError(e.field, e.message) for e in error.errors]
        if isinstance(error, ValidationFailedError)
        else UNSET
    )
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + error.code,
        title=error.title,
        status=error.status,
        detail=error.detail,
        code=error.code,
        errors=errors,
        request_id=request_id,
    )
    body = encode(problem)
    extensions = error.extensions()
    if extensions:
        body = encode({**msgspec.to_builtins(problem), **extensions})
    return Response(
        body=body,
        status_code=error.status,
        headers={"Content-Type": "application/problem+json", **error.headers()},
    )
