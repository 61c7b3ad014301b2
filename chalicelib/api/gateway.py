"""The Chalice app object, made to answer its own errors as RFC 9457 problems.

Chalice answers some requests before any route of ours runs: a method the route does not
have (405, `{"Code": "MethodNotAllowedError", ...}`), and, in principle, a content type a
route does not accept (415), a binary response without a matching Accept (400) and an
exception outside a view (500). Those answers are built inside `Chalice.__call__`, so
they happen in Lambda too, not only in the local server; `KeywardenChalice` turns each of
them into a problem in an HTTP middleware of its own, the outermost one.

Routes, 404s for unknown paths and errors of the HTTP parser itself are API Gateway's
business in AWS (its gateway responses) and the local server's locally (devstack).

`__call__`, the API function's entry, is also where each request's JSON line is written and
a verification's metrics are printed (`request_log`, `chalicelib.observability`): outside
every middleware, once the answer is final.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Request, Response

from chalicelib.api import request_log
from chalicelib.api.problems import UNEXPECTED, new_request_id, problem_response, stamped
from chalicelib.errors import (
    ConflictError,
    ForbiddenError,
    KeywardenError,
    MalformedRequestError,
    MethodNotAllowedError,
    NotFoundError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)
from chalicelib.lazy import lazy_module
from chalicelib.observability import logs
from chalicelib.services import lambda_extension

if TYPE_CHECKING:
    from chalicelib.observability import metrics
else:  # at the first verification: see chalicelib.lazy
    metrics = lazy_module("chalicelib.observability.metrics")

log = logging.getLogger("keywarden.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The statuses chalice itself answers with (its error_response and ChaliceViewError).
_BY_STATUS: dict[int, Callable[[str], KeywardenError]] = {
    400: MalformedRequestError,
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    415: UnsupportedMediaTypeError,
}


class KeywardenChalice(Chalice):
    """A Chalice app whose every error response, chalice's own included, is a problem."""

    def __init__(self, app_name: str, **kwargs: Any) -> None:
        # The service's loggers write powertools' JSON to stdout, not chalice's text lines.
        logs.configure()
        kwargs.setdefault("configure_logs", False)
        super().__init__(app_name, **kwargs)
        # Registered first, so it wraps every middleware registered later as well.
        self.register_middleware(self._framework_errors_as_problems, "http")

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        """The API function's entry: the answer, its request line and metrics, then work that runs
        after it (Lambda)."""
        started = time.perf_counter()
        request = event.get("requestContext") if isinstance(event, dict) else None
        if not isinstance(request, dict):
            request = {}
        # API Gateway sends a request id, chalice's local gateway none: the one pinned here is
        # the one the problem body, X-Request-Id and the request line all show.
        request_id = request["requestId"] = new_request_id(request)
        answer: dict[str, Any] | None = None
        with request_log.request_facts(request_id) as facts:
            try:
                answer = super().__call__(event, context)
                return answer
            finally:
                _observe(facts, request, answer, time.perf_counter() - started)
                lambda_extension.invocation_finished(context)

    def _framework_errors_as_problems(self, request: Request | None, get_response: Callable[..., Response]) -> Response:
        context: dict[str, Any] = (request.context if request is not None else None) or {}
        request_id = new_request_id(context)
        try:
            response = get_response(request)
        except Exception:
            # Only ChaliceUnhandledError leaves a view; chalice's own handler would answer
            # it with its JSON 500 (or, in debug mode, the stack trace).
            log.exception(
                "unhandled error in %s %s, request %s",
                context.get("httpMethod"),
                context.get("resourcePath"),
                request_id,
            )
            error: KeywardenError = KeywardenError(UNEXPECTED)
        else:
            if response.status_code < 400 or _is_problem(response):
                return response
            error = self._error_for(response, context)
        return stamped(problem_response(error, request_id), request_id)

    def _error_for(self, response: Response, context: dict[str, Any]) -> KeywardenError:
        status = response.status_code
        if status == 405:
            methods = self.routes.get(str(context.get("resourcePath")), {})
            return MethodNotAllowedError(sorted(methods) or _allow_header(response))
        factory = _BY_STATUS.get(status)
        if factory is None:
            # Chalice's 500 (an exception outside a view) and anything unforeseen: no detail
            # of chalice's is passed on, as it may describe the failure.
            return KeywardenError(UNEXPECTED)
        return factory(_chalice_message(response) or "")


def _observe(
    facts: request_log.RequestFacts, request: dict[str, Any], answer: dict[str, Any] | None, seconds: float
) -> None:
    """Writes the request line, and a verification's metrics; never lets them fail the request."""
    # No answer: the handler raised past chalice's own handler, and API Gateway answers 502.
    status = int(answer["statusCode"]) if answer is not None else 502
    duration_ms = seconds * 1000
    try:
        request_log.log_request(facts, request.get("httpMethod"), request.get("resourcePath"), status, duration_ms)
        if facts.outcome is not None:
            metrics.record_verification(facts.outcome, duration_ms, facts.project, facts.request_id)
    except Exception:
        log.exception("could not log request %s", facts.request_id)


def _is_problem(response: Response) -> bool:
    for name, value in response.headers.items():
        if name.lower() == "content-type":
            return str(value).split(";")[0].strip().lower() == PROBLEM_CONTENT_TYPE
    return False


def _allow_header(response: Response) -> list[str]:
    for name, value in response.headers.items():
        if name.lower() == "allow":
            return [method.strip() for method in str(value).split(",") if method.strip()]
    return []


def _chalice_message(response: Response) -> str | None:
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        return str(body["Message"])
    return None
