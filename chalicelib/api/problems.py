"""Errors to RFC 9457 responses: the only place an error becomes HTTP."""

from __future__ import annotations

import msgspec
from chalice.app import Response
from msgspec import UNSET

from chalicelib.api.schemas import Problem, ProblemFieldError, encode
from chalicelib.errors import KeywardenError, ValidationFailedError

PROBLEM_TYPE_PREFIX = "urn:keywarden:problem:"


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
