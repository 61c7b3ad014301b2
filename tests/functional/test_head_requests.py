"""HEAD is answered wherever GET is (RFC 9110 section 9.3.2): GET's status and headers.

The app answers HEAD with GET's whole response; the body is left out on the wire, by API
Gateway deployed and by the local server here (tests/e2e/test_head_over_http.py), so that
Content-Length says what the GET would send.
"""

from __future__ import annotations

import re

import pytest

from app import app
from chalicelib.api.http import ENDPOINTS, Endpoint
from tests.functional.conftest import Api, Reply

GETS = [e for e in ENDPOINTS if e.method == "GET"]  # filled by importing the app


def without_request_id(reply: Reply) -> dict[str, str]:
    return {name: value for name, value in reply.headers.items() if name != "x-request-id"}


def test_every_route_with_get_takes_head_and_no_other() -> None:
    assert GETS
    for path, methods in app.routes.items():
        assert ("HEAD" in methods) == ("GET" in methods), (path, sorted(methods))


def concrete(endpoint: Endpoint, pid: str) -> str:
    """The route's path with the project's id, and a name that exists nowhere for the other parameters."""
    return re.sub(r"{(\w+)}", lambda m: pid if m[1] == "pid" else "nothing-here", endpoint.path)


@pytest.mark.parametrize("endpoint", GETS, ids=lambda e: e.path)
def test_head_answers_as_get_does(api: Api, endpoint: Endpoint) -> None:
    pid = api.project(owner="ann")
    path = concrete(endpoint, pid)
    for caller in ("ann", "stranger", None):
        got = api.get(path, as_user=caller)
        head = api.request("HEAD", path, as_user=caller)
        assert head.status == got.status != 405, (path, caller, head.status, head.body)
        assert without_request_id(head) == without_request_id(got), (path, caller)


def test_head_of_a_project_reads_it_as_get_does(api: Api) -> None:
    pid = api.project(owner="ann")
    got, head = api.get(f"/v1/projects/{pid}", as_user="ann"), api.request("HEAD", f"/v1/projects/{pid}", as_user="ann")
    assert (head.status, head.headers["content-type"]) == (200, "application/json")
    assert head.body == got.body  # the same answer; the wire leaves its body out
    # Outsiders learn nothing more from HEAD than from GET.
    assert api.request("HEAD", f"/v1/projects/{pid}", as_user="eve").status == 404
    assert api.request("HEAD", "/v1/projects").status == 401


def test_head_on_a_route_without_get_is_405_naming_the_methods(api: Api) -> None:
    reply = api.request("HEAD", "/v1/keys/verify")
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
