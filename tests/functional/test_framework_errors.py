"""Errors that chalice itself answers, before any route of ours runs, are problems too.

The Chalice app object builds these answers (also in Lambda), so they are tested here,
through chalice's test client; the local server's own (unknown routes, http.server's
refusals) are in tests/e2e/test_framework_errors.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from chalice.app import BadRequestError, ChaliceUnhandledError
from chalice.test import Client

from chalicelib.api.gateway import KeywardenChalice
from tests.functional.conftest import Api, Reply

ROOT = Path(__file__).resolve().parents[2]


def assert_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"] == "application/problem+json", reply.headers
    problem: dict[str, Any] = reply.json
    assert problem["type"] == f"urn:keywarden:problem:{code}"
    assert (problem["status"], problem["code"]) == (status, code)
    assert problem["title"] and isinstance(problem["detail"], str)
    assert reply.headers["x-request-id"] == problem["request_id"]
    assert reply.headers["cache-control"] == "no-store"
    assert b"Traceback" not in reply.body
    return problem


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/health", "GET, HEAD"),
        ("PUT", "/v1/projects", "GET, HEAD, POST"),
        ("POST", "/v1/projects/p1/members", "GET, HEAD"),
    ],
)
def test_a_method_the_route_lacks_is_405_with_allow(api: Api, method: str, path: str, allow: str) -> None:
    reply = api.request(method, path, as_user="ann")
    problem = assert_problem(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == allow
    assert allow in problem["detail"]


def test_the_apps_own_problems_pass_unchanged(api: Api) -> None:
    reply = api.get("/v1/projects")  # no token: the recipe's 401, not chalice's
    problem = assert_problem(reply, 401, "unauthenticated")
    assert reply.headers["www-authenticate"] == "Bearer"
    assert problem["request_id"] == reply.headers["x-request-id"]


def _tiny_app() -> KeywardenChalice:
    app = KeywardenChalice(app_name="tiny")

    @app.route("/chalice-error")
    def chalice_error() -> None:
        raise BadRequestError("chalice's own error class")

    @app.route("/unhandled")
    def unhandled() -> None:
        raise ChaliceUnhandledError("a secret the caller must not see")

    return app


def test_chalice_view_errors_become_problems() -> None:
    with Client(_tiny_app(), project_dir=str(ROOT)) as client:
        response = client.http.get("/chalice-error")
    reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)
    problem = assert_problem(reply, 400, "malformed_request")
    assert problem["detail"] == "chalice's own error class"


def test_an_unhandled_error_is_a_500_problem_without_its_message(caplog: pytest.LogCaptureFixture) -> None:
    # The app named "keywarden" stops its logger's records from propagating to the root,
    # where caplog listens; listen on the logger itself.
    logger = logging.getLogger("keywarden.api")
    logger.addHandler(caplog.handler)
    try:
        with Client(_tiny_app(), project_dir=str(ROOT)) as client:
            response = client.http.get("/unhandled")
    finally:
        logger.removeHandler(caplog.handler)
    reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)
    problem = assert_problem(reply, 500, "internal_error")
    assert b"secret" not in reply.body
    assert problem["request_id"] in caplog.text
