"""Functional tests: the real app, driven by chalice's test client, against moto in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from chalicelib.auth.local_issuer import local_issuer
from chalicelib.config import get_settings, reset_settings
from chalicelib.resets import reset_all
from chalicelib.store.tables import create_tables
from devstack.aws import create_kms_keys
from tests.functional import least_privilege

ROOT = Path(__file__).resolve().parents[2]
least_privilege.hook_botocore()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str | None:
        """The problem code of an error reply."""
        return self.json.get("code") if self.body else None


class Api:
    """A thin JSON client over chalice's test client, with tokens from the local issuer."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def token(self, sub: str, groups: tuple[str, ...] = (), auth_age: int = 0) -> str:
        return local_issuer(get_settings().oidc_audience).issue(sub, list(groups), auth_age)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | str | None = None,
        as_user: str | None = None,
        groups: tuple[str, ...] = (),
        auth_age: int = 0,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"content-type": "application/json"}
        if as_user is not None:
            all_headers["authorization"] = "Bearer " + self.token(as_user, groups, auth_age)
        all_headers.update(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
        response = getattr(self._client.http, method.lower())(path, body=body or b"", headers=all_headers)
        return Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)

    # --- shortcuts for arranging a test -------------------------------------------

    def project(self, owner: str = "owner", name: str = "Demo", **members: str) -> str:
        """Creates a project owned by `owner` with `members` (user=role); returns its id."""
        reply = self.post("/v1/projects", {"name": name}, as_user=owner)
        assert reply.status == 201, reply.body
        pid: str = reply.json["id"]
        for user, role in members.items():
            added = self.put(f"/v1/projects/{pid}/members/{user}", {"role": role}, as_user=owner)
            assert added.status == 200, added.body
        return pid


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh, empty moto account with every table and KMS key of the service."""
    from chalicelib.services import usage_recorder
    from chalicelib.store import usage_counters

    # No thread writes usage counts behind a test's back: tests flush (or roll up) by hand,
    # and a flush puts its counters one after the other (in-process moto is not thread-safe).
    usage_recorder.background_flush = False
    usage_counters.PARALLEL = 1
    with mock_aws():
        reset_all()
        create_tables()
        create_kms_keys()
        yield
    reset_all()


@pytest.fixture(autouse=True)
def deployed_roles_allow_every_call(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails a test whose AWS calls the deployed role of the function making them would deny
    (see tests/functional/least_privilege.py and infra/keywarden_infra/access.py)."""
    from chalicelib import jobs
    from chalicelib.api.gateway import KeywardenChalice
    from chalicelib.services import usage_recorder, webhook_delivery

    def route_function(app: Any, event: dict[str, Any], context: Any) -> str:
        request = event.get("requestContext") or {}
        return least_privilege.function_for_route(request.get("httpMethod"), request.get("resourcePath"))

    real_job_function = jobs.job_function

    def job_function(name: str) -> Any:
        return least_privilege.attributing(real_job_function(name), lambda *_, **__: name)

    monkeypatch.setattr(
        KeywardenChalice, "__call__", least_privilege.attributing(KeywardenChalice.__call__, route_function)
    )
    monkeypatch.setattr(jobs, "job_function", job_function)
    monkeypatch.setattr(
        webhook_delivery,
        "dispatch_events",
        least_privilege.attributing(webhook_delivery.dispatch_events, lambda *_, **__: "webhook_events"),
    )
    # Counts are only ever counted, and so flushed, by the verification function (tests flush
    # the one process's buffer from wherever they like, the local rollup job included).
    monkeypatch.setattr(
        usage_recorder, "flush", least_privilege.attributing(usage_recorder.flush, lambda *_, **__: "verify")
    )
    # The dispatcher sends on a pool of threads: they serve its function too.
    monkeypatch.setattr(webhook_delivery, "_parallel", least_privilege.in_pool(webhook_delivery._parallel))
    least_privilege.RECORDER.start()
    try:
        yield
    finally:
        accesses = least_privilege.RECORDER.stop()
    denied = least_privilege.RECORDER.violations(accesses)
    assert not denied, f"the deployed roles would deny these calls (function, action, resource): {denied}"


@pytest.fixture
def api(aws: None) -> Iterator[Api]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        yield Api(client)


@pytest.fixture
def long_cache(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache entries outlive the test, so that a change seen at once was invalidated, not timed out."""
    monkeypatch.setenv("KEYWARDEN_CACHE_TTL", "600")
    reset_settings()


@contextmanager
def aws_calls(*services: str, only: frozenset[str] | None = None) -> Iterator[list[str]]:
    """The AWS API calls the service makes through its shared clients (`chalicelib.aws`), as they
    happen: every call of `services` ("dynamodb", "kms"), or only those named in `only`."""
    from chalicelib import aws

    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        if only is None or model.name in only:
            calls.append(model.name)

    clients = [aws.client(service) for service in services]
    for client in clients:
        client.meta.events.register("before-call", count)
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)
