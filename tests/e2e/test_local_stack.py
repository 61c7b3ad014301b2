"""The local stack as a user meets it: over real HTTP, on 127.0.0.1 only, speaking the contract of API.md."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import struct
import uuid
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.conftest import JsonClient, assert_problem

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
MAX_BODY = 256 * 1024
MAX_PAGES = 20
_SIOCGIFADDR = 0x8915


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine outside 127.0.0.0/8, read from the interfaces (no lookups, no traffic)."""
    try:
        import fcntl  # Linux and other Unixes; SIOCGIFADDR is Linux's number
    except ImportError:
        return None
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                packed = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:  # no IPv4 address on this interface
                continue
        address = ipaddress.IPv4Address(packed[20:24])
        if not (address.is_loopback or address.is_unspecified or address.is_link_local):
            return str(address)
    return None


def test_health_answers_without_a_token(client: JsonClient) -> None:
    reply = client.get("/v1/health")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    assert reply.body == {"status": "ok"}


def test_listens_on_loopback_only(stack_url: str, client: JsonClient) -> None:
    assert urlsplit(stack_url).hostname == "127.0.0.1"
    port = urlsplit(stack_url).port
    assert port is not None and port > 0
    assert client.get("/v1/health").status == 200

    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, port), timeout=3).close()


def test_dev_token_is_a_bearer_token_the_api_accepts(client: JsonClient, unique: str) -> None:
    reply = client.post("/v1/dev/token", {"sub": f"tess-{unique}"})
    assert reply.status == 200
    assert reply.body["token_type"] == "Bearer"
    assert isinstance(reply.body["expires_in"], int) and reply.body["expires_in"] > 0
    token = reply.body["access_token"]
    assert isinstance(token, str) and token.count(".") == 2  # a JWT

    mine = client.get("/v1/projects", token=token)
    assert mine.status == 200
    assert mine.body == {"items": [], "next_cursor": None}


def test_project_lifecycle_with_members_roles_audit_and_delete(client: JsonClient, unique: str) -> None:
    users = {role: f"{role}-{unique}" for role in ("owner", "admin", "editor", "developer", "viewer")}
    tokens = {role: client.token(user) for role, user in users.items()}

    # The owner creates a project.
    created = client.post(
        "/v1/projects", {"name": f"Billing {unique}", "description": "invoices"}, token=tokens["owner"]
    )
    assert created.status == 201, created.body
    project = created.body
    pid = project["id"]
    assert isinstance(pid, str) and pid
    assert project["name"] == f"Billing {unique}" and project["description"] == "invoices"
    assert project["created_by"] == users["owner"]
    assert RFC3339_UTC.match(project["created_at"])
    assert client.get(f"/v1/projects/{pid}", token=tokens["owner"]).body == project

    # ... and adds members with roles.
    for role in ("admin", "editor", "developer", "viewer"):
        added = client.put(f"/v1/projects/{pid}/members/{users[role]}", {"role": role}, token=tokens["owner"])
        assert added.status == 200, added.body
        assert added.body["user_id"] == users[role] and added.body["role"] == role
        assert added.body["project_id"] == pid

    # A viewer may not create a role; an admin may.
    role_body = {"name": "readers", "description": "read orders", "permissions": ["orders:read", "orders:list"]}
    denied = client.post(f"/v1/projects/{pid}/roles", role_body, token=tokens["viewer"])
    assert_problem(denied, 403, "forbidden")
    role = client.post(f"/v1/projects/{pid}/roles", role_body, token=tokens["admin"])
    assert role.status == 201, role.body
    assert role.body["name"] == "readers" and role.body["description"] == "read orders"
    assert sorted(role.body["permissions"]) == ["orders:list", "orders:read"]
    roles = client.get(f"/v1/projects/{pid}/roles", token=tokens["viewer"])
    assert roles.status == 200
    assert [r["id"] for r in roles.body["items"]] == [role.body["id"]]

    # Members, two per page: every member once, with their role.
    seen: dict[str, str] = {}
    pages = 0
    path = f"/v1/projects/{pid}/members?limit=2"
    for _ in range(MAX_PAGES):
        page = client.get(path, token=tokens["viewer"])
        assert page.status == 200, page.body
        pages += 1
        assert 1 <= len(page.body["items"]) <= 2
        for member in page.body["items"]:
            assert member["user_id"] not in seen, "a member was listed twice"
            seen[member["user_id"]] = member["role"]
        if page.body["next_cursor"] is None:
            break
        path = f"/v1/projects/{pid}/members?limit=2&cursor={quote(page.body['next_cursor'])}"
    else:
        pytest.fail(f"members pagination did not end within {MAX_PAGES} pages")
    assert seen == {user: role for role, user in users.items()}
    assert pages == 3

    # The owner renames it; everyone sees the new name.
    renamed = client.patch(f"/v1/projects/{pid}", {"name": f"Invoicing {unique}"}, token=tokens["owner"])
    assert renamed.status == 200, renamed.body
    assert renamed.body["name"] == f"Invoicing {unique}" and renamed.body["description"] == "invoices"
    assert client.get(f"/v1/projects/{pid}", token=tokens["developer"]).body["name"] == f"Invoicing {unique}"
    listed = client.get("/v1/projects", token=tokens["viewer"]).body["items"]
    assert [(p["id"], p["name"]) for p in listed] == [(pid, f"Invoicing {unique}")]

    # The audit trail, newest first; admins read it, viewers may not.
    assert_problem(client.get(f"/v1/projects/{pid}/audit-events", token=tokens["viewer"]), 403, "forbidden")
    audit = client.get(f"/v1/projects/{pid}/audit-events", token=tokens["admin"])
    assert audit.status == 200, audit.body
    events = audit.body["items"]
    assert audit.body["next_cursor"] is None
    assert [e["action"] for e in events] == [
        "project.updated",
        "role.created",
        "member.added",
        "member.added",
        "member.added",
        "member.added",
        "project.created",
    ]
    assert [e["actor"] for e in events] == [users["owner"], users["admin"], *[users["owner"]] * 5]
    assert [e["target"]["id"] for e in events[2:6]] == [users[r] for r in ("viewer", "developer", "editor", "admin")]
    assert events[1]["target"] == {"type": "role", "id": role.body["id"]}
    assert all(RFC3339_UTC.match(e["at"]) for e in events)
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert len({e["id"] for e in events}) == len(events)

    # Only the owner deletes it; then it is gone for everyone.
    assert_problem(client.delete(f"/v1/projects/{pid}", token=tokens["admin"]), 403, "forbidden")
    deleted = client.delete(f"/v1/projects/{pid}", token=tokens["owner"])
    assert deleted.status == 204
    assert deleted.raw == b""
    for who in ("owner", "admin", "viewer"):
        assert_problem(client.get(f"/v1/projects/{pid}", token=tokens[who]), 404, "not_found")
    assert client.get("/v1/projects", token=tokens["owner"]).body["items"] == []
    assert_problem(client.delete(f"/v1/projects/{pid}", token=tokens["owner"]), 404, "not_found")


def test_idempotency_key_replays_the_first_response(client: JsonClient, unique: str) -> None:
    token = client.token(f"ida-{unique}")
    key = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    body = {"name": f"Once {unique}"}

    first = client.post("/v1/projects", body, token=token, headers=key)
    assert first.status == 201, first.body
    again = client.post("/v1/projects", body, token=token, headers=key)
    assert again.status == 201
    assert again.body == first.body
    listed = client.get("/v1/projects", token=token).body["items"]
    assert [p["id"] for p in listed] == [first.body["id"]]

    # The same key with another body is refused, and creates nothing.
    other = client.post("/v1/projects", {"name": f"Twice {unique}"}, token=token, headers=key)
    assert_problem(other, 422, "idempotency_key_reused")
    assert [p["id"] for p in client.get("/v1/projects", token=token).body["items"]] == [first.body["id"]]

    # Keys belong to their caller: another user's request with the same key is a request of its own.
    someone_else = client.post("/v1/projects", body, token=client.token(f"idb-{unique}"), headers=key)
    assert someone_else.status == 201
    assert someone_else.body["id"] != first.body["id"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        pytest.param(b'{"name": "half', "application/json", 400, "malformed_request", id="malformed-json"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, "malformed_request", id="not-utf8"),
        pytest.param(b'{"name": "plain"}', "text/plain", 415, "unsupported_media_type", id="text-plain"),
        pytest.param(
            json.dumps({"name": "big", "description": "x" * MAX_BODY}).encode(),
            "application/json",
            413,
            "payload_too_large",
            id="over-256KiB",
        ),
    ],
)
def test_bad_bodies_are_problems(
    client: JsonClient, unique: str, data: bytes, content_type: str, status: int, code: str
) -> None:
    token = client.token(f"bad-{unique}")
    reply = client.post("/v1/projects", data=data, content_type=content_type, token=token)
    assert_problem(reply, status, code)
    assert client.get("/v1/projects", token=token).body["items"] == [], "a refused request created a project"


def test_a_body_of_exactly_256_kib_is_not_too_large(client: JsonClient, unique: str) -> None:
    token = client.token(f"edge-{unique}")
    prefix, suffix = b'{"name": "edge", "description": "', b'"}'
    data = prefix + b"x" * (MAX_BODY - len(prefix) - len(suffix)) + suffix
    assert len(data) == MAX_BODY
    reply = client.post("/v1/projects", data=data, token=token)
    assert reply.status != 413
    assert_problem(reply, 422, "validation_failed")  # description is limited to 1024 characters


def test_validation_failures_name_the_fields(client: JsonClient, unique: str) -> None:
    token = client.token(f"val-{unique}")

    missing = assert_problem(client.post("/v1/projects", {}, token=token), 422, "validation_failed")
    assert [e["field"] for e in missing["errors"]] == ["name"]
    assert all(isinstance(e["message"], str) and e["message"] for e in missing["errors"])

    unknown = assert_problem(
        client.post("/v1/projects", {"name": "ok", "colour": "red"}, token=token), 422, "validation_failed"
    )
    assert [e["field"] for e in unknown["errors"]] == ["colour"]

    wrong_type = assert_problem(client.post("/v1/projects", {"name": 42}, token=token), 422, "validation_failed")
    assert [e["field"] for e in wrong_type["errors"]] == ["name"]

    bad_limit = assert_problem(client.get("/v1/projects?limit=0", token=token), 422, "validation_failed")
    assert [e["field"] for e in bad_limit["errors"]] == ["limit"]

    assert client.get("/v1/projects", token=token).body["items"] == []


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-token"),
        pytest.param("Bearer not-a-jwt", id="garbage-token"),
        pytest.param("Basic dXNlcjpwYXNz", id="wrong-scheme"),
    ],
)
def test_requests_without_a_valid_token_are_401(client: JsonClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for reply in (
        client.get("/v1/projects", headers=headers),
        client.post("/v1/projects", {"name": "nope"}, headers=headers),
    ):
        assert_problem(reply, 401, "unauthenticated")
        assert reply.headers.get("www-authenticate", "").startswith("Bearer")


def test_unknown_job_is_404(client: JsonClient) -> None:
    assert_problem(client.post("/v1/dev/jobs/unknown"), 404, "not_found")


def test_openapi_document_lists_the_projects_api(client: JsonClient) -> None:
    reply = client.get("/v1/openapi.json")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    document = reply.body
    assert str(document["openapi"]).startswith("3.")
    assert "/v1/projects" in document["paths"]
    assert {"get", "post"} <= set(document["paths"]["/v1/projects"])
    assert "/v1/projects/{pid}" in document["paths"]
