"""What the race tests (test_races_*.py) share: a project seen by its owner and its servers,
an interrupted deletion, and the check that a repository call was refused as a user sees it.

A race is reproduced deterministically: the test reads what a request would read, lets a
concurrent change commit, then hands the repository the stale item (or calls it as the
losing request would). `tools/mutate_conditions.py` removes each guard in turn and checks
that one of these tests fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.domain import app_secrets
from chalicelib.errors import ConflictError, KeywardenError
from chalicelib.services import keys as key_cases
from chalicelib.services import secrets as secret_cases
from chalicelib.store import projects as project_store
from chalicelib.store.audit_models import AuditEventModel
from chalicelib.store.project_models import ProjectModel
from chalicelib.store.roles import get_role
from tests.functional.conftest import Api, Reply


@contextmanager
def refused(status: int, code: str) -> Iterator[None]:
    """The block raises the error a user would get as `status` with problem `code`."""
    with pytest.raises(KeywardenError) as raised:
        yield
    assert (raised.value.status, raised.value.code) == (status, code), repr(raised.value)


def audit_actions(pid: str) -> list[str]:
    """The project's audit trail, oldest first."""
    return [e.action for e in AuditEventModel.query(pid, consistent_read=True)]


def raw_project(pid: str) -> dict[str, Any]:
    """The stored project item, as a plain dict (to compare before and after)."""
    return dict(ProjectModel.get(pid, consistent_read=True).attribute_values)


class Scene:
    """A project owned by ann, with a role and (lazily) its service key."""

    def __init__(self, api: Api, **members: str) -> None:
        self.api = api
        self.pid = api.project(owner="ann", **members)
        self._service_key: str | None = None

    @property
    def service_key(self) -> str:
        """The value the project's servers hold (read from the store: a reveal would be audited)."""
        if self._service_key is None:
            self._service_key = secret_cases.current_and_previous(self.pid, app_secrets.SERVICE_KEY)[0]
        return self._service_key

    def reveal(self, name: str) -> str:
        reply = self.api.post(f"/v1/projects/{self.pid}/secrets/{name}/reveal", as_user="ann")
        assert reply.status == 200, reply.body
        value: str = reply.json["value"]
        return value

    def project(self) -> ProjectModel:
        """The project as a request reads it before acting."""
        return project_store.get_project(self.pid)

    def role(self, name: str = "r") -> str:
        reply = self.api.post(f"/v1/projects/{self.pid}/roles", {"name": name, "permissions": ["a:b"]}, as_user="ann")
        assert reply.status == 201, reply.body
        role_id: str = reply.json["id"]
        return role_id

    def issue_reply(self, role_id: str, **fields: Any) -> Reply:
        return self.api.post(
            f"/v1/projects/{self.pid}/keys",
            {"name": "k", "type": "opaque", "role_id": role_id, **fields},
            as_user="ann",
        )

    def issue(self, role_id: str, **fields: Any) -> tuple[str, str]:
        """Issues a key; (key id, secret)."""
        reply = self.issue_reply(role_id, **fields)
        assert reply.status == 201, reply.body
        return reply.json["key"]["id"], reply.json["secret"]["key"]

    def spec(self, role_id: str, owner_id: str = "ann") -> key_cases.NewKey:
        return key_cases.NewKey(
            key_type="opaque",
            name="k",
            description="",
            owner_id=owner_id,
            role=get_role(self.pid, role_id),
            expires_at=None,
            meta={},
        )

    def verify(self, secret: str) -> dict[str, Any]:
        """What the project's servers get for `secret`, authenticated with the current service key."""
        reply = self.api.post(
            "/v1/keys/verify", {"key": secret}, headers={"authorization": f"Bearer {self.service_key}"}
        )
        assert reply.status == 200, reply.body
        result: dict[str, Any] = reply.json
        return result

    def authenticates(self, service_key: str) -> bool:
        """Whether `service_key` is accepted by the verification route."""
        reply = self.api.post("/v1/keys/verify", {"key": "kw_x"}, headers={"authorization": f"Bearer {service_key}"})
        assert reply.status in (200, 401), reply.body
        return reply.status == 200

    def begin_deletion(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A deletion that began (the project is marked deleting) and stopped before revoking any key,
        as one whose Lambda timed out does: the state every other write must then respect."""

        def interrupted(*args: Any, **kwargs: Any) -> None:
            raise ConflictError("simulated: the deletion stopped here")

        with monkeypatch.context() as patched:
            patched.setattr(key_cases, "revoke_all", interrupted)
            reply = self.api.delete(f"/v1/projects/{self.pid}", as_user="ann")
        assert reply.status == 409, reply.body
        stored = raw_project(self.pid)
        assert stored.get("deleting_at") is not None and stored.get("deleted_at") is None
