"""Concurrency bursts against the local stack, as the outside attack ran them (issue 6).

Each burst is bounded (at most 32 requests in flight, 127.0.0.1 only) and checks what a
user would notice afterwards: every acknowledged write is there, invariants hold, and
nothing a deletion should have stopped still works.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import JsonClient, Reply


def burst(calls: list[Callable[[], Reply]], workers: int = 32) -> list[Reply]:
    """Runs `calls` at once (as far as `workers` allows) and returns their replies in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


class Setup:
    def __init__(self, client: JsonClient, unique: str) -> None:
        self.client = client
        self.owner = f"own-{unique}"
        self.token = client.token(self.owner)
        created = client.post("/v1/projects", {"name": f"burst {unique}"}, token=self.token)
        assert created.status == 201, created.body
        self.pid: str = created.body["id"]
        role = self.post("roles", {"name": "reader", "permissions": ["orders:read"]})
        assert role.status == 201, role.body
        self.role_id: str = role.body["id"]

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.client.post(f"/v1/projects/{self.pid}/{path}", body, token=self.token, **kw)

    def service_key(self) -> str:
        revealed = self.post("secrets/service_key/reveal")
        assert revealed.status == 200, revealed.body
        value: str = revealed.body["value"]
        return value

    def verify(self, service_key: str, key: str) -> Reply:
        return self.client.post("/v1/keys/verify", {"key": key}, headers={"Authorization": f"Bearer {service_key}"})


def test_32_parallel_key_creations_for_one_owner_all_succeed_and_verify(client: JsonClient, unique: str) -> None:
    setup = Setup(client, unique)
    body = {"name": "ci", "type": "opaque", "role_id": setup.role_id}
    replies = burst([lambda: setup.post("keys", body) for _ in range(32)])
    assert [r.status for r in replies] == [201] * 32, [(r.status, r.body) for r in replies if r.status != 201]
    secrets = {r.body["secret"]["key"] for r in replies}
    assert len(secrets) == 32
    service_key = setup.service_key()
    for secret in secrets:
        assert setup.verify(service_key, secret).body["code"] == "VALID"
    listed = client.get(f"/v1/projects/{setup.pid}/keys?limit=100", token=setup.token)
    assert len(listed.body["items"]) == 32


def test_parallel_demotions_never_leave_a_project_without_an_owner(client: JsonClient, unique: str) -> None:
    setup = Setup(client, unique)
    owners = [f"co-{n}-{unique}" for n in range(6)]
    for user in owners:
        assert (
            client.put(f"/v1/projects/{setup.pid}/members/{user}", {"role": "owner"}, token=setup.token).status == 200
        )
    everyone = [setup.owner, *owners]
    # A system administrator demotes them all: an owner doing it could lose the right mid-burst.
    admin = client.token(f"root-{unique}", ["keywarden-admins"])
    replies = burst(
        [
            lambda user=user: client.put(  # type: ignore[misc]
                f"/v1/projects/{setup.pid}/members/{user}", {"role": "developer"}, token=admin
            )
            for user in everyone
        ]
    )
    # Every demotion but the one that would remove the last owner succeeds; that one is 409.
    assert sorted(r.status for r in replies) == [200] * 6 + [409], [(r.status, r.body) for r in replies]
    members = client.get(f"/v1/projects/{setup.pid}/members?limit=100", token=admin)
    assert [m["role"] for m in members.body["items"]].count("owner") == 1


def test_a_deletion_racing_rotations_leaves_no_working_service_key(client: JsonClient, unique: str) -> None:
    setup = Setup(client, unique)
    for _ in range(45):  # enough keys that the deletion takes a while, as in the report
        assert setup.post("keys", {"name": "k", "type": "opaque", "role_id": setup.role_id}).status == 201
    before = setup.service_key()
    calls: list[Callable[[], Reply]] = [lambda: client.delete(f"/v1/projects/{setup.pid}", token=setup.token)]
    calls += [lambda: setup.post("secrets/service_key/rotate", {"grace_seconds": 0}) for _ in range(8)]
    replies = burst(calls, workers=9)
    assert replies[0].status == 204, replies[0].body
    rotated = [r.body["value"] for r in replies[1:] if r.status == 200]
    assert all(r.status in (200, 404, 409) for r in replies[1:]), [(r.status, r.body) for r in replies[1:]]
    for service_key in [before, *rotated]:
        for path in ("/v1/keys/verify", "/v1/launch-params/verify"):
            body = {"key": "kw_x"} if path.endswith("keys/verify") else {"query": "vk_a=1&sign=x"}
            reply = client.post(path, body, headers={"Authorization": f"Bearer {service_key}"})
            assert reply.status == 401, (path, service_key[-4:], reply.status)
