"""What the service prints for its operators: one JSON line per request, EMF metrics of verifications.

Everything is read back from stdout (pytest's `capsys`), as CloudWatch Logs would read it
from the API function: every line printed must be a JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from chalice.app import ChaliceUnhandledError
from chalice.local import LambdaContext, LambdaEventConverter, LocalChalice, RouteMatcher
from chalice.test import Client

from chalicelib.api.gateway import KeywardenChalice
from chalicelib.api.http import ENDPOINTS
from chalicelib.observability.metrics import NAMESPACE
from tests.functional.conftest import Api, Reply
from tests.functional.test_hmac_keys import HmacProject, sign
from tests.functional.test_verify import well_formed_key

ROOT = Path(__file__).resolve().parents[2]
REQUEST_FIELDS = {"request_id", "method", "route", "status", "duration_ms", "project", "caller"}


# --- reading what was printed ------------------------------------------------------------


class Printed:
    """The lines printed since the last `read()`, parsed: request lines, EMF objects, other logs."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self.text = ""
        self.lines: list[dict[str, Any]] = []

    def read(self) -> Printed:
        captured = self._capsys.readouterr()
        self.text = captured.out + captured.err
        self.lines = []
        for line in captured.out.splitlines():
            parsed = json.loads(line)  # fails the test on any line that is not JSON
            assert isinstance(parsed, dict), line
            self.lines.append(parsed)
        return self

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "_aws" not in line and "status" in line and "duration_ms" in line]

    @property
    def emf(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "_aws" in line]

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line not in self.requests and line not in self.emf]

    def only_request(self) -> dict[str, Any]:
        assert len(self.requests) == 1, self.lines
        return self.requests[0]


@pytest.fixture
def printed(capsys: pytest.CaptureFixture[str]) -> Printed:
    return Printed(capsys)


def assert_request_line(line: dict[str, Any], reply: Reply, method: str, route: str | None) -> None:
    """The line describes `reply`: the same request id, the route's template, its status."""
    assert set(line) >= REQUEST_FIELDS, line
    assert line["level"] == "INFO" and line["service"] == "keywarden"
    assert line["request_id"] == reply.headers["x-request-id"]
    assert (line["method"], line["route"], line["status"]) == (method, route, reply.status)
    assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 10_000


def assert_emf(document: dict[str, Any]) -> dict[str, Any]:
    """`document` is a valid CloudWatch Embedded Metric Format object (its specification's rules);
    returns its one metric directive."""
    metadata = document["_aws"]
    assert isinstance(metadata["Timestamp"], int) and metadata["Timestamp"] > 1_600_000_000_000  # epoch ms
    (directive,) = metadata["CloudWatchMetrics"]
    assert isinstance(directive["Namespace"], str) and directive["Namespace"]
    for dimension_set in directive["Dimensions"]:
        assert 1 <= len(dimension_set) <= 30
        for name in dimension_set:
            assert isinstance(document[name], str) and document[name], name  # a dimension's value: a string
    for metric in directive["Metrics"]:
        value = document[metric["Name"]]
        values = value if isinstance(value, list) else [value]
        assert values and all(isinstance(v, int | float) for v in values), metric
        assert metric.get("Unit") in {"Count", "Milliseconds"}, metric
    return dict(directive)


def verification_metrics(printed: Printed) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two EMF objects of one verification: its count (by outcome), then its latency."""
    assert len(printed.emf) == 2, printed.lines
    counted, timed = printed.emf
    return counted, timed


# --- the request line --------------------------------------------------------------------


def test_a_persons_call_has_one_line_with_its_route_project_and_caller(api: Api, printed: Printed) -> None:
    pid = api.project(owner="ann")
    printed.read()

    reply = api.get(f"/v1/projects/{pid}/members", as_user="ann")

    assert reply.status == 200
    line = printed.read().only_request()
    assert printed.lines == [line]  # nothing else is printed for it
    assert_request_line(line, reply, "GET", "/v1/projects/{pid}/members")
    assert (line["project"], line["caller"]) == (pid, "ann")
    assert line["message"] == "GET /v1/projects/{pid}/members 200"


def test_a_call_outside_projects_has_a_null_project(api: Api, printed: Printed) -> None:
    printed.read()
    reply = api.post("/v1/projects", {"name": "Billing"}, as_user="bea")
    line = printed.read().only_request()
    assert_request_line(line, reply, "POST", "/v1/projects")
    assert line["project"] is None and line["caller"] == "bea"


@pytest.mark.parametrize(
    ("method", "path", "user", "headers", "status", "route", "caller", "project"),
    [
        # chalice's own answer, before any route of ours runs: the recipe learned nothing
        ("DELETE", "/v1/health", None, {}, 405, "/v1/health", None, None),
        ("PUT", "/v1/projects/{pid}/members", "ann", {}, 405, "/v1/projects/{pid}/members", None, None),
        # the recipe's, before the handler runs: `{pid}` is the project asked for, known or not
        ("GET", "/v1/projects/prj_nobody", "ann", {}, 404, "/v1/projects/{pid}", "ann", "prj_nobody"),
        (
            "PATCH",
            "/v1/projects/{pid}",
            "ann",
            {"content-type": "text/plain"},
            415,
            "/v1/projects/{pid}",
            "ann",
            "{pid}",
        ),
        ("GET", "/v1/projects/{pid}/members", None, {}, 401, "/v1/projects/{pid}/members", None, "{pid}"),
    ],
)
def test_framework_errors_have_their_line(
    api: Api,
    printed: Printed,
    method: str,
    path: str,
    user: str | None,
    headers: dict[str, str],
    status: int,
    route: str,
    caller: str | None,
    project: str | None,
) -> None:
    pid = api.project(owner="ann")
    printed.read()

    reply = api.request(method, path.format(pid=pid), body=b'{"name": "x"}', as_user=user, headers=headers)

    assert reply.status == status, reply.body
    line = printed.read().only_request()
    assert_request_line(line, reply, method, route)
    assert line["caller"] == caller
    assert line["project"] == (project.format(pid=pid) if project else None)
    assert printed.emf == []


def test_an_unexpected_error_has_its_line_and_a_json_error_log(
    api: Api, printed: Printed, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(call: Any) -> None:
        raise RuntimeError("the database is on fire")

    endpoint = next(e for e in ENDPOINTS if (e.method, e.path) == ("GET", "/v1/health"))
    monkeypatch.setattr(endpoint, "handler", broken)
    printed.read()

    reply = api.get("/v1/health")

    assert reply.status == 500
    printed.read()
    line = printed.only_request()
    assert_request_line(line, reply, "GET", "/v1/health")
    (error,) = printed.logs
    assert error["level"] == "ERROR" and error["service"] == "keywarden"
    assert reply.headers["x-request-id"] in error["message"]
    assert "RuntimeError: the database is on fire" in error["exception"]


def test_an_error_outside_any_route_of_ours_has_its_line(printed: Printed) -> None:
    app = KeywardenChalice(app_name="tiny")

    @app.route("/unhandled")
    def unhandled() -> None:
        raise ChaliceUnhandledError("not for the caller")

    with Client(app, project_dir=str(ROOT)) as client:
        printed.read()
        response = client.http.get("/unhandled")
    reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)

    assert reply.status == 500
    printed.read()
    assert_request_line(printed.only_request(), reply, "GET", "/unhandled")
    assert [log["level"] for log in printed.logs] == ["ERROR"]


def test_in_lambda_the_line_carries_api_gateways_request_id(api: Api, printed: Printed) -> None:
    from app import app

    event = LambdaEventConverter(RouteMatcher(list(app.routes))).create_lambda_event(
        "GET", "/v1/health", {"accept": "application/json"}
    )
    event["requestContext"]["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    printed.read()

    answer = app(event, LambdaContext("keywarden-local-api", 1024))

    assert answer["statusCode"] == 200
    assert answer["headers"]["X-Request-Id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    line = printed.read().only_request()
    assert line["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/health", 200)


FRESH_PROCESS = """
import logging, sys
import app
assert "aws_lambda_powertools" not in sys.modules, "powertools imported with the app"
logging.getLogger("keywarden.jobs").info("an info line")
logging.getLogger("keywarden.jobs").warning("a warning line")
"""


@pytest.mark.parametrize(("level", "printed_levels"), [(None, ["INFO", "WARNING"]), ("WARNING", ["WARNING"])])
def test_a_fresh_process_prints_json_at_the_configured_level(level: str | None, printed_levels: list[str]) -> None:
    """As Lambda starts the function: stdout is the log, powertools arrives with the first record
    (not with `import app`: the cold start), and POWERTOOLS_LOG_LEVEL sets the level."""
    level_variables = ("POWERTOOLS_LOG_LEVEL", "LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL")
    env = {name: value for name, value in os.environ.items() if name not in level_variables}
    if level is not None:
        env["POWERTOOLS_LOG_LEVEL"] = level
    child = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    lines = [json.loads(line) for line in child.stdout.splitlines()]
    assert [line["level"] for line in lines] == printed_levels
    assert all(line["service"] == "keywarden" for line in lines)
    assert child.stderr == ""


# --- verification: the line and the metrics ------------------------------------------------


@pytest.fixture
def project(api: Api) -> HmacProject:
    return HmacProject(api, owner="ann")


@pytest.mark.parametrize("outcome", ["VALID", "NOT_FOUND", "MALFORMED", "INSUFFICIENT_PERMISSIONS"])
def test_a_verification_has_its_line_and_emf_metrics(project: HmacProject, printed: Printed, outcome: str) -> None:
    _, key = project.issue(["orders:read"])
    sent = {"NOT_FOUND": well_formed_key(key), "MALFORMED": "kw_short"}.get(outcome, key)
    permissions = ["orders:write"] if outcome == "INSUFFICIENT_PERMISSIONS" else None
    printed.read()

    reply = project.verify(sent, permissions)

    assert (reply.status, reply.json["code"]) == (200, outcome)
    printed.read()
    line = printed.only_request()
    assert_request_line(line, reply, "POST", "/v1/keys/verify")
    assert (line["project"], line["caller"], line["outcome"]) == (project.pid, f"service:{project.pid}", outcome)

    counted, timed = verification_metrics(printed)
    assert assert_emf(counted) == {
        "Namespace": NAMESPACE,
        "Dimensions": [["service", "outcome"]],
        "Metrics": [{"Name": "Verifications", "Unit": "Count"}],
    }
    assert (counted["service"], counted["outcome"], counted["Verifications"]) == ("keywarden", outcome, [1.0])
    assert assert_emf(timed) == {
        "Namespace": NAMESPACE,
        "Dimensions": [["service"]],
        "Metrics": [{"Name": "VerificationLatency", "Unit": "Milliseconds"}],
    }
    assert timed["service"] == "keywarden"
    assert timed["VerificationLatency"] == [line["duration_ms"]]  # the request's time in the function
    for document in (counted, timed):
        # The project is searchable in the logs, but never a dimension (one metric per project).
        assert (document["project_id"], document["request_id"]) == (project.pid, line["request_id"])


def test_an_hmac_verification_has_its_line_and_emf_metrics(project: HmacProject, printed: Printed) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret)
    printed.read()

    assert project.verdict(signed) == "VALID"

    printed.read()
    line = printed.only_request()
    assert (line["route"], line["project"], line["outcome"]) == ("/v1/hmac/verify", project.pid, "VALID")
    counted, timed = verification_metrics(printed)
    assert (counted["outcome"], counted["Verifications"]) == ("VALID", [1.0])
    assert timed["VerificationLatency"] == [line["duration_ms"]]


def test_a_refused_verification_counts_no_outcome(project: HmacProject, printed: Printed) -> None:
    printed.read()
    reply = project.api.post("/v1/keys/verify", {"key": "kw_x"}, headers={"authorization": "Bearer wrong"})
    assert reply.status == 401
    line = printed.read().only_request()
    assert line["caller"] is None and "outcome" not in line
    assert printed.emf == []


def test_nothing_printed_holds_a_secret(api: Api, printed: Printed) -> None:
    printed.read()
    project = HmacProject(api, owner="ann")  # reveals the service key
    secure_key = api.post(f"/v1/projects/{project.pid}/secrets/secure_key/reveal", as_user="ann").json["value"]
    _, opaque = project.issue()
    _, token, secret = project.issue_hmac()
    person_token = api.token("ann")
    assert project.code(opaque) == "VALID"
    assert project.verdict(sign(token, secret)) == "VALID"
    # A secret in a query string and in a path are not printed either.
    api.get(f"/v1/projects/{project.pid}/keys?cursor={secret}", headers={"authorization": f"Bearer {person_token}"})
    api.get(f"/v1/projects/{project.pid}/keys/{opaque}", as_user="ann")

    printed.read()

    assert len(printed.requests) >= 10 and len(printed.emf) >= 4
    secrets = {
        "service key": project.service_key,
        "secure key": secure_key,
        "opaque key": opaque,
        "HMAC secret": secret,
        "HMAC token": token,
        "bearer token": person_token,
    }
    leaked = [name for name, value in secrets.items() if value in printed.text]
    assert not leaked, f"printed: {leaked}"
    for line in printed.requests:
        assert set(line) <= REQUEST_FIELDS | {"level", "location", "message", "timestamp", "service", "outcome"}
        assert "?" not in line["message"] and "/v1/projects/prj" not in line["message"]


# --- concurrency ------------------------------------------------------------------------------


@pytest.fixture
def threaded_app(api: Api) -> Iterator[Any]:
    """The app as the local server runs it: each thread has its own current request (LocalChalice).
    Yields a function that answers one HTTP request in the calling thread."""
    from app import app

    original = app.__class__

    class ThreadedApp(LocalChalice, original):  # type: ignore[misc,valid-type]
        pass

    gateway = api._client.http._local_gateway  # chalice's LocalGateway, as the test client uses it
    app.__class__ = ThreadedApp
    try:
        yield gateway.handle_request
    finally:
        app.__class__ = original


def test_concurrent_verifications_keep_their_metrics_apart(
    project: HmacProject, printed: Printed, threaded_app: Any, long_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, valid = project.issue(["orders:read"])
    cases = {"VALID": valid, "NOT_FOUND": well_formed_key(valid), "MALFORMED": "kw_short"}
    for key in cases.values():  # warm: the service key and the key records are cached, no AWS call below
        project.verify(key)
    rounds = 8
    answers: dict[str, str] = {}  # request id -> code answered
    errors: list[BaseException] = []

    def verify(key: str) -> None:
        try:
            headers = {"authorization": f"Bearer {project.service_key}", "content-type": "application/json"}
            response = threaded_app("POST", "/v1/keys/verify", headers, json.dumps({"key": key}).encode())
            answers[response["headers"]["X-Request-Id"]] = json.loads(response["body"])["code"]
        except BaseException as error:
            errors.append(error)

    # Every request waits in its handler until all are there (their facts are all open at once),
    # and again once it has added its count to its metrics (all are adding before any prints).
    from chalicelib.services import usage_recorder

    counting, add_metric = usage_recorder.count, AmazonCloudWatchEMFProvider.add_metric
    in_handler, adding = threading.Barrier(len(cases) * rounds), threading.Barrier(len(cases) * rounds)

    def count_when_all_are_in(*args: Any) -> None:
        in_handler.wait(timeout=10)
        counting(*args)

    def add_when_all_are_adding(self: Any, name: str, *args: Any, **kwargs: Any) -> None:
        add_metric(self, name, *args, **kwargs)
        if name == "Verifications":
            adding.wait(timeout=10)

    monkeypatch.setattr(usage_recorder, "count", count_when_all_are_in)
    monkeypatch.setattr(AmazonCloudWatchEMFProvider, "add_metric", add_when_all_are_adding)
    threads = [threading.Thread(target=verify, args=(key,)) for key in cases.values() for _ in range(rounds)]
    printed.read()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(answers.values()) == sorted(code for code in cases for _ in range(rounds))
    printed.read()
    by_request = {line["request_id"]: line for line in printed.requests}
    assert {rid: line["outcome"] for rid, line in by_request.items()} == answers
    counted = [doc for doc in printed.emf if "Verifications" in doc]
    timed = [doc for doc in printed.emf if "VerificationLatency" in doc]
    assert len(counted) == len(timed) == len(answers)
    for document in counted:
        assert_emf(document)
        assert document["Verifications"] == [1.0]  # one verification per object, never a mix
        assert document["outcome"] == answers[document["request_id"]]
    for document in timed:
        assert_emf(document)
        assert document["VerificationLatency"] == [by_request[document["request_id"]]["duration_ms"]]
