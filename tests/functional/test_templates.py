"""Key templates: who manages them, what a template may say, what it holds on to, and the keys
members get from it (request, approval, claim), of every key type, verified by the project's servers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dotenv import dotenv_values
from keywarden.signing import sign_request

from chalicelib.domain import app_secrets
from chalicelib.services import secrets as secret_cases
from tests.functional.conftest import Api, Reply

MISSING_ROLE = "rol_00000000000000000000000000"
MISSING_NODE = "nod_00000000000000000000000000"
MEMBERS = {"alice": "admin", "ed": "editor", "dave": "developer", "vic": "viewer"}
MANAGERS = ["ann", "alice", "ed"]  # owner, admin, editor
READERS = ["ann", "alice", "ed", "dave", "vic"]


def node_ref(node_id: str) -> str:
    """The placeholder of a node's id in an info field's value."""
    return "{{node:" + node_id + "}}"


def node_name_ref(node_id: str) -> str:
    """The placeholder of a node's name in an info field's value."""
    return "{{node:" + node_id + ".name}}"


def epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


class Project:
    """A project owned by ann, with an admin (alice), an editor (ed), a developer (dave) and a
    viewer (vic); shortcuts for its roles, nodes, templates and key requests."""

    def __init__(self, api: Api, name: str = "Demo") -> None:
        self.api = api
        self.pid = api.project(owner="ann", name=name, **MEMBERS)
        self.path = f"/v1/projects/{self.pid}"
        self._service_key: str | None = None

    # --- configuration ---------------------------------------------------------------

    def role(self, name: str = "reader", permissions: tuple[str, ...] = ("orders:read",)) -> str:
        reply = self.api.post(f"{self.path}/roles", {"name": name, "permissions": list(permissions)}, as_user="ann")
        assert reply.status == 201, reply.body
        role_id: str = reply.json["id"]
        return role_id

    def node(self, name: str = "orders-db", kind: str = "input") -> str:
        reply = self.api.post(f"{self.path}/nodes", {"name": name, "kind": kind}, as_user="ann")
        assert reply.status == 201, reply.body
        node_id: str = reply.json["id"]
        return node_id

    def create_template(self, role_id: str, as_user: str = "ann", **fields: Any) -> Reply:
        body = {"name": "Orders reader", "role_id": role_id, "type": "opaque", **fields}
        return self.api.post(f"{self.path}/key-templates", body, as_user=as_user)

    def template(self, role_id: str | None = None, **fields: Any) -> dict[str, Any]:
        reply = self.create_template(role_id or self.role(), **fields)
        assert reply.status == 201, reply.body
        template: dict[str, Any] = reply.json
        return template

    def patch_template(self, template_id: str, body: dict[str, Any], as_user: str = "ann") -> Reply:
        return self.api.patch(f"{self.path}/key-templates/{template_id}", body, as_user=as_user)

    def delete_template(self, template_id: str, as_user: str = "ann") -> Reply:
        return self.api.delete(f"{self.path}/key-templates/{template_id}", as_user=as_user)

    def get_template(self, template_id: str, as_user: str = "ann") -> Reply:
        return self.api.get(f"{self.path}/key-templates/{template_id}", as_user=as_user)

    def templates(self, as_user: str = "ann") -> list[dict[str, Any]]:
        reply = self.api.get(f"{self.path}/key-templates", as_user=as_user)
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.json["items"]
        return items

    def my_request(self, template_id: str, as_user: str) -> dict[str, Any] | None:
        """The template's key tile as `as_user` sees it in the listing."""
        (listed,) = [t for t in self.templates(as_user) if t["id"] == template_id]
        mine: dict[str, Any] | None = listed["my_request"]
        return mine

    # --- key requests ----------------------------------------------------------------

    def create_request(self, template_id: str, as_user: str = "dave", **fields: Any) -> Reply:
        return self.api.post(f"{self.path}/key-requests", {"template_id": template_id, **fields}, as_user=as_user)

    def request(self, template_id: str, as_user: str = "dave", **fields: Any) -> dict[str, Any]:
        reply = self.create_request(template_id, as_user, **fields)
        assert reply.status == 201, reply.body
        request: dict[str, Any] = reply.json
        return request

    def act(self, request_id: str, verb: str, as_user: str, body: dict[str, Any] | None = None) -> Reply:
        """POST .../key-requests/{id}/{verb} (approve, deny, cancel, claim)."""
        return self.api.post(f"{self.path}/key-requests/{request_id}/{verb}", body or {}, as_user=as_user)

    def approve(self, request_id: str, as_user: str = "ann", **body: Any) -> dict[str, Any]:
        reply = self.act(request_id, "approve", as_user, body)
        assert reply.status == 200, reply.body
        approved: dict[str, Any] = reply.json
        return approved

    def claim(self, request_id: str, as_user: str = "dave") -> dict[str, Any]:
        reply = self.act(request_id, "claim", as_user)
        assert reply.status == 200, reply.body
        claimed: dict[str, Any] = reply.json
        return claimed

    def issued(self, template_id: str, requester: str = "dave", **approval: Any) -> dict[str, Any]:
        """A key requested from the template, approved by ann and claimed: the claim's answer."""
        request_id = self.request(template_id, requester)["id"]
        self.approve(request_id, **approval)
        return self.claim(request_id, requester)

    # --- the project's servers ---------------------------------------------------------

    @property
    def service_key(self) -> str:
        """The value the project's servers hold (read from the store: a reveal would be audited)."""
        if self._service_key is None:
            self._service_key = secret_cases.current_and_previous(self.pid, app_secrets.SERVICE_KEY)[0]
        return self._service_key

    def verify(self, key: str) -> dict[str, Any]:
        reply = self.api.post("/v1/keys/verify", {"key": key}, headers={"authorization": f"Bearer {self.service_key}"})
        assert reply.status == 200, reply.body
        result: dict[str, Any] = reply.json
        return result

    def verify_signed(self, token: str, secret: str) -> dict[str, Any]:
        """A request signed with an HMAC key, as the project's resource server checks it."""
        target = f"/orders?limit=5&n={datetime.now(UTC).timestamp()}"
        headers = sign_request(token, secret, "GET", "https://api.example.com" + target)
        reply = self.api.post(
            "/v1/hmac/verify",
            {"method": "GET", "url": target, "headers": headers},
            headers={"authorization": f"Bearer {self.service_key}"},
        )
        assert reply.status == 200, reply.body
        result: dict[str, Any] = reply.json
        return result


def field_names(reply: Reply) -> list[str]:
    return [error["field"] for error in reply.json["errors"]]


@pytest.fixture
def project(api: Api) -> Project:
    return Project(api)


# --- reading and managing -------------------------------------------------------------


def test_template_lifecycle(project: Project) -> None:
    role_id, other_role = project.role(), project.role("writer")
    created = project.create_template(
        role_id,
        description="read-only access to orders",
        ttl_seconds=3600,
        info_fields=[{"name": "API_URL", "description": "where to call", "value": "https://api.example.com"}],
    )
    assert created.status == 201, created.body
    template = created.json
    assert template["id"].startswith("tpl_")
    assert {k: v for k, v in template.items() if k not in ("id", "created_at", "updated_at")} == {
        "project_id": project.pid,
        "name": "Orders reader",
        "description": "read-only access to orders",
        "role_id": role_id,
        "type": "opaque",
        "ttl_seconds": 3600,
        "auto_approve": False,
        "info_fields": [{"name": "API_URL", "description": "where to call", "value": "https://api.example.com"}],
        "created_by": "ann",
        "my_request": None,
    }
    assert project.get_template(template["id"]).json == template
    assert project.templates() == [template]

    patched = project.patch_template(template["id"], {"name": "Orders writer", "role_id": other_role, "type": "jwt"})
    assert patched.status == 200, patched.body
    assert (patched.json["name"], patched.json["role_id"], patched.json["type"]) == ("Orders writer", other_role, "jwt")
    assert patched.json["ttl_seconds"] == 3600 and patched.json["info_fields"] == template["info_fields"]
    assert project.get_template(template["id"]).json == patched.json

    cleared = project.patch_template(template["id"], {"ttl_seconds": None, "info_fields": []})
    assert cleared.status == 200, cleared.body
    assert (cleared.json["ttl_seconds"], cleared.json["info_fields"]) == (None, [])

    deleted = project.delete_template(template["id"])
    assert deleted.status == 204 and deleted.body == b""
    gone = project.get_template(template["id"])
    assert (gone.status, gone.code) == (404, "not_found")
    assert project.templates() == []


@pytest.mark.parametrize("user", MANAGERS)
def test_owners_admins_and_editors_manage_templates(project: Project, user: str) -> None:
    created = project.create_template(project.role(), as_user=user)
    assert created.status == 201, created.body
    assert created.json["created_by"] == user
    template_id = created.json["id"]

    patched = project.patch_template(template_id, {"description": "changed"}, as_user=user)
    assert (patched.status, patched.json["description"]) == (200, "changed")

    deleted = project.delete_template(template_id, user)
    assert deleted.status == 204
    assert project.templates() == []


@pytest.mark.parametrize("user", ["dave", "vic"])
def test_developers_and_viewers_may_not_manage_templates(project: Project, user: str) -> None:
    role_id = project.role()
    template = project.template(role_id)

    created = project.create_template(role_id, as_user=user, name="mine")
    patched = project.patch_template(template["id"], {"name": "renamed"}, as_user=user)
    deleted = project.delete_template(template["id"], user)
    for reply in (created, patched, deleted):
        assert (reply.status, reply.code) == (403, "forbidden"), reply.body
    assert project.templates() == [template]


def test_every_member_reads_templates_and_outsiders_see_none(project: Project) -> None:
    template = project.template()
    for user in READERS:
        assert project.templates(user) == [template], user
        assert project.get_template(template["id"], user).json == template, user

    for reply in (
        project.api.get(f"{project.path}/key-templates", as_user="olga"),
        project.get_template(template["id"], "olga"),
        project.create_template(template["role_id"], as_user="olga"),
        project.patch_template(template["id"], {"name": "x"}, as_user="olga"),
        project.delete_template(template["id"], "olga"),
    ):
        assert (reply.status, reply.code) == (404, "not_found"), reply.body
    assert project.templates() == [template]


def test_a_template_of_another_project_is_not_found(api: Api, project: Project) -> None:
    other = Project(api, name="Other")
    theirs = other.template()
    assert project.get_template(theirs["id"]).status == 404
    assert project.patch_template(theirs["id"], {"name": "x"}).status == 404
    assert project.delete_template(theirs["id"]).status == 404
    assert other.get_template(theirs["id"]).json == theirs


# --- what a template may say ----------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "API_URL", "DB2_HOST", "X" * 64, "A_1_"])
def test_info_field_names_that_are_environment_variables_are_accepted(project: Project, name: str) -> None:
    reply = project.create_template(project.role(), info_fields=[{"name": name, "value": "v"}])
    assert reply.status == 201, reply.body
    assert [f["name"] for f in reply.json["info_fields"]] == [name]


@pytest.mark.parametrize(
    "name", ["api_url", "Api_Url", "1API", "_API", "API-URL", "API URL", "", "A" * 65, "API_URL\n", "ÄPI"]
)
def test_info_field_names_that_are_not_environment_variables_are_refused(project: Project, name: str) -> None:
    role_id = project.role()
    template = project.template(role_id)
    fields = [{"name": "FINE", "value": "v"}, {"name": name, "value": "v"}]

    created = project.create_template(role_id, info_fields=fields)
    assert (created.status, created.code) == (422, "validation_failed"), created.body
    assert field_names(created) == ["info_fields[1].name"]

    patched = project.patch_template(template["id"], {"info_fields": fields})
    assert (patched.status, patched.code) == (422, "validation_failed"), patched.body
    assert project.templates() == [template]


def test_an_info_field_named_twice_is_refused(project: Project) -> None:
    fields = [{"name": "API_URL", "value": "a"}, {"name": "TOKEN", "value": "b"}, {"name": "API_URL", "value": "c"}]
    reply = project.create_template(project.role(), info_fields=fields)
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
    assert field_names(reply) == ["info_fields[2].name"]
    assert project.templates() == []


def test_placeholders_for_the_project_and_its_nodes_are_kept_as_written(project: Project) -> None:
    db, queue = project.node("orders-db"), project.node("orders-queue", "output")
    fields = [
        {"name": "DB_HOST", "value": node_name_ref(db) + ".internal"},
        {"name": "DB_NODE", "value": node_ref(db)},
        {"name": "QUEUE", "value": "sqs://" + node_name_ref(queue) + "/{{project.id}}"},
        {"name": "PROJECT", "value": "{{project.id}}"},
        {"name": "BRACES", "value": "{ not a placeholder } {{"},
    ]
    reply = project.create_template(project.role(), info_fields=fields)
    assert reply.status == 201, reply.body
    assert [{"name": f["name"], "value": f["value"]} for f in reply.json["info_fields"]] == fields


@pytest.mark.parametrize(
    "value",
    [
        "{{foo}}",
        "{{node:x}}",
        "{{node:}}",
        "{{ project.id }}",
        "{{project.ID}}",
        "{{project}}",
        "{{node:rol_00000000000000000000000000}}",
        "{{node:x.name}}",
        "{{node:nod_00000000000000000000000000.id}}",
        "{{node:nod_00000000000000000000000000.NAME}}",
        "ok {{project.id}} then {{PROJECT_ID}}",
    ],
)
def test_an_unknown_placeholder_is_refused_on_save(project: Project, value: str) -> None:
    role_id = project.role()
    template = project.template(role_id)
    fields = [{"name": "VALUE", "value": value}]

    created = project.create_template(role_id, info_fields=fields)
    assert (created.status, created.code) == (422, "validation_failed"), created.body
    assert field_names(created) == ["info_fields[0].value"]

    patched = project.patch_template(template["id"], {"info_fields": fields})
    assert (patched.status, patched.code) == (422, "validation_failed"), patched.body
    assert project.templates() == [template]


def test_a_placeholder_naming_a_missing_node_is_refused_on_save(api: Api, project: Project) -> None:
    role_id = project.role()
    template = project.template(role_id)
    their_node = Project(api, name="Other").node("their-db")
    for node_id, ref in [(n, r) for n in (MISSING_NODE, their_node) for r in (node_ref, node_name_ref)]:
        fields = [{"name": "DB_HOST", "value": ref(node_id)}]

        created = project.create_template(role_id, info_fields=fields)
        assert (created.status, created.code) == (422, "validation_failed"), created.body
        assert node_id in created.json["errors"][0]["message"]

        patched = project.patch_template(template["id"], {"info_fields": fields})
        assert (patched.status, patched.code) == (422, "validation_failed"), patched.body
        assert node_id in patched.json["errors"][0]["message"]
    assert project.templates() == [template]


def test_a_deleted_node_cannot_be_named(project: Project) -> None:
    node_id = project.node()
    assert project.api.delete(f"{project.path}/nodes/{node_id}", as_user="ann").status == 204
    reply = project.create_template(project.role(), info_fields=[{"name": "DB", "value": node_ref(node_id)}])
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body


def test_a_role_that_is_not_the_projects_is_refused(api: Api, project: Project) -> None:
    template = project.template()
    their_role = Project(api, name="Other").role()
    for role_id in (MISSING_ROLE, their_role, "reader", "rol_x"):
        created = project.create_template(role_id)
        assert (created.status, created.code) == (422, "validation_failed"), (role_id, created.body)
        assert field_names(created) == ["role_id"]

        patched = project.patch_template(template["id"], {"role_id": role_id})
        assert (patched.status, patched.code) == (422, "validation_failed"), (role_id, patched.body)
        assert field_names(patched) == ["role_id"]
    assert project.templates() == [template]


@pytest.mark.parametrize(
    "body",
    [
        {"ttl_seconds": 0},
        {"ttl_seconds": -5},
        {"type": "password"},
        {"auto_approve": "yes"},
        {"name": ""},
        {"info_fields": [{"name": "A"}]},
        {"info_fields": [{"name": "A", "value": "v", "secret": True}]},
        {"info_fields": [{"name": "A", "value": "v\x00"}]},
        {"colour": "red"},
    ],
)
def test_a_malformed_template_is_refused_with_the_field_at_fault(project: Project, body: dict[str, Any]) -> None:
    role_id = project.role()
    template = project.template(role_id)
    created = project.create_template(role_id, **body)
    assert (created.status, created.code) == (422, "validation_failed"), created.body
    patched = project.patch_template(template["id"], body)
    assert (patched.status, patched.code) == (422, "validation_failed"), patched.body
    assert field_names(created) == field_names(patched)
    assert project.templates() == [template]


# --- what a template holds on to --------------------------------------------------------


def delete_role(project: Project, role_id: str) -> Reply:
    return project.api.delete(f"{project.path}/roles/{role_id}", as_user="ann")


def delete_node(project: Project, node_id: str) -> Reply:
    return project.api.delete(f"{project.path}/nodes/{node_id}", as_user="ann")


def test_a_role_named_by_a_template_stays_until_the_template_lets_go(project: Project) -> None:
    first, second = project.role("first"), project.role("second")
    template = project.template(first)
    in_use = delete_role(project, first)
    assert (in_use.status, in_use.code) == (409, "conflict"), in_use.body

    assert project.patch_template(template["id"], {"role_id": second}).status == 200
    in_use = delete_role(project, second)
    assert (in_use.status, in_use.code) == (409, "conflict"), in_use.body
    assert delete_role(project, first).status == 204

    assert project.delete_template(template["id"]).status == 204
    assert delete_role(project, second).status == 204


def test_a_role_named_by_two_templates_stays_until_both_let_go(project: Project) -> None:
    role_id = project.role()
    one, two = project.template(role_id), project.template(role_id, name="second")
    assert project.delete_template(one["id"]).status == 204
    assert delete_role(project, role_id).status == 409
    assert project.delete_template(two["id"]).status == 204
    assert delete_role(project, role_id).status == 204


def test_a_node_named_by_a_template_stays_until_the_template_lets_go(project: Project) -> None:
    db, queue = project.node("orders-db"), project.node("orders-queue")
    template = project.template(
        info_fields=[
            {"name": "DB", "value": node_ref(db)},
            {"name": "DB_AGAIN", "value": node_name_ref(db) + ":5432"},
            {"name": "QUEUE", "value": node_name_ref(queue)},
        ]
    )
    for node_id in (db, queue):
        in_use = delete_node(project, node_id)
        assert (in_use.status, in_use.code) == (409, "conflict"), in_use.body

    dropped = project.patch_template(template["id"], {"info_fields": [{"name": "QUEUE", "value": node_ref(queue)}]})
    assert dropped.status == 200, dropped.body
    assert delete_node(project, db).status == 204
    assert delete_node(project, queue).status == 409

    assert project.delete_template(template["id"]).status == 204
    assert delete_node(project, queue).status == 204


def test_a_patch_that_names_a_node_holds_on_to_it(project: Project) -> None:
    node_id = project.node()
    template = project.template()
    assert delete_node(project, project.node("spare")).status == 204  # an unused node goes
    named = project.patch_template(template["id"], {"info_fields": [{"name": "DB", "value": node_ref(node_id)}]})
    assert named.status == 200, named.body
    assert delete_node(project, node_id).status == 409


def test_a_template_refused_on_save_holds_on_to_nothing(project: Project) -> None:
    role_id, node_id = project.role(), project.node()
    fields = [
        {"name": "DB", "value": node_ref(node_id)},
        {"name": "GONE", "value": node_ref(MISSING_NODE)},
    ]
    assert project.create_template(role_id, info_fields=fields).status == 422
    assert delete_node(project, node_id).status == 204
    assert delete_role(project, role_id).status == 204


# --- the caller's key tile --------------------------------------------------------------


def test_each_member_sees_their_own_latest_request_in_the_listing(project: Project) -> None:
    template_id = project.template()["id"]
    other_template = project.template(name="other")["id"]
    assert project.my_request(template_id, "dave") is None

    first = project.request(template_id)["id"]
    assert project.my_request(template_id, "dave") == {"id": first, "status": "pending"}
    assert project.get_template(template_id, "dave").json["my_request"] == {"id": first, "status": "pending"}
    assert project.my_request(other_template, "dave") is None
    for user in ("ann", "ed", "vic"):
        assert project.my_request(template_id, user) is None, user
        assert project.get_template(template_id, user).json["my_request"] is None, user

    project.approve(first)
    assert project.my_request(template_id, "dave") == {"id": first, "status": "approved"}
    project.claim(first)
    assert project.my_request(template_id, "dave") == {"id": first, "status": "claimed"}

    second = project.request(template_id)["id"]
    assert project.my_request(template_id, "dave") == {"id": second, "status": "pending"}
    assert project.act(second, "deny", "alice", {"reason": "one is enough"}).status == 200
    assert project.my_request(template_id, "dave") == {"id": second, "status": "denied"}

    third = project.request(template_id)["id"]
    assert project.act(third, "cancel", "dave").status == 200
    assert project.my_request(template_id, "dave") == {"id": third, "status": "cancelled"}
    assert project.get_template(template_id, "dave").json["my_request"] == {"id": third, "status": "cancelled"}

    ed_request = project.request(template_id, "ed")["id"]
    assert project.my_request(template_id, "ed") == {"id": ed_request, "status": "pending"}
    assert project.my_request(template_id, "dave") == {"id": third, "status": "cancelled"}


# --- keys from templates, end to end ------------------------------------------------------


@pytest.mark.parametrize("key_type", ["opaque", "jwt", "hmac"])
def test_a_claimed_key_works_for_the_projects_servers(project: Project, key_type: str) -> None:
    role_id = project.role(permissions=("orders:read", "orders:list"))
    node_id = project.node("orders-db")
    template = project.template(
        role_id,
        type=key_type,
        info_fields=[
            {"name": "DB_HOST", "value": node_name_ref(node_id) + ".internal"},
            {"name": "DB_NODE_ID", "value": node_ref(node_id)},
            {"name": "PROJECT_ID", "value": "{{project.id}}"},
            {"name": "API_URL", "value": "https://api.example.com/v1"},
        ],
    )

    claimed = project.issued(template["id"])
    key = claimed["key"]
    assert (key["type"], key["owner_id"], key["role_id"], key["status"]) == (key_type, "dave", role_id, "active")
    assert (key["template_id"], key["name"]) == (template["id"], "Orders reader")
    assert key["request_id"] and key["created_by"] == "ann"
    # {{node:<id>}} is the node's identifier, {{node:<id>.name}} its name.
    assert claimed["secrets"] == {
        "DB_HOST": "orders-db.internal",
        "DB_NODE_ID": node_id,
        "PROJECT_ID": project.pid,
        "API_URL": "https://api.example.com/v1",
    }
    assert claimed["dotenv"] == (
        f"DB_HOST=orders-db.internal\nDB_NODE_ID={node_id}\nPROJECT_ID={project.pid}\n"
        "API_URL=https://api.example.com/v1\n"
    )

    if key_type == "hmac":
        assert set(claimed["secret"]) == {"token", "secret"}
        verdict = project.verify_signed(claimed["secret"]["token"], claimed["secret"]["secret"])
    else:
        assert set(claimed["secret"]) == {"key"}
        verdict = project.verify(claimed["secret"]["key"])
    assert verdict["code"] == "VALID", verdict
    assert (verdict["key_id"], verdict["owner_id"], verdict["role_id"]) == (key["id"], "dave", role_id)
    assert sorted(verdict["permissions"]) == ["orders:list", "orders:read"]


def test_a_template_changed_after_approval_does_not_change_the_claim(project: Project) -> None:
    node_id = project.node("orders-db")
    template = project.template(
        info_fields=[{"name": "DB", "value": node_name_ref(node_id)}, {"name": "DB_ID", "value": node_ref(node_id)}]
    )
    request_id = project.request(template["id"])["id"]
    project.approve(request_id)
    assert project.patch_template(template["id"], {"info_fields": [{"name": "OTHER", "value": "x"}]}).status == 200
    assert project.claim(request_id)["secrets"] == {"DB": "orders-db", "DB_ID": node_id}


VALUES = {
    "PLAIN": "https://api.example.com/v1?a=b",
    "EMPTY": "",
    "SPACES": "two words  and   more",
    "SINGLE_QUOTE": "it's here",
    "DOUBLE_QUOTE": 'say "hi"',
    "BOTH_QUOTES": 'it\'s "quoted"',
    "DOLLAR": "pa$$word $HOME",
    "DOLLAR_QUOTE": "it's $HOME",
    "BACKSLASH": "C:\\path\\to\\n\\file",
    "BACKSLASH_QUOTE": "it's C:\\new\\table \\\\ and \\",
    "NEWLINE": "line one\nline two",
    "CRLF": "a\r\nb",
    "HASH": "value # not a comment",
    "EQUALS": "a=b=c",
    "TAB": "a\tb",
    "UNICODE": "zoë ✓",
}


def claimed_with(project: Project, values: dict[str, str]) -> dict[str, Any]:
    template = project.template(info_fields=[{"name": name, "value": value} for name, value in values.items()])
    claimed = project.issued(template["id"])
    assert claimed["secrets"] == values
    return claimed


def read_dotenv(text: str, interpolate: bool = True) -> dict[str, str | None]:
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=interpolate))


def test_dotenv_reads_back_as_the_secrets(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone-else")  # what a $HOME would wrongly expand to
    claimed = claimed_with(project, VALUES)
    # One `NAME=value` line per field, in the template's order (newlines inside values escaped).
    assert [line.split("=", 1)[0] for line in claimed["dotenv"].splitlines()] == list(VALUES)
    assert read_dotenv(claimed["dotenv"]) == VALUES
    assert read_dotenv(claimed["dotenv"], interpolate=False) == VALUES


def test_dotenv_keeps_doubled_and_trailing_backslashes(project: Project) -> None:
    # python-dotenv decodes `\\` and `\'` even inside single quotes: written there as is,
    # `\\server\share` would read back as `\server\share`, and `C:\dir\` would end in `\'`, leaving
    # the quote open, so the line and the next one would be lost (as an earlier dotenv() did).
    values = {"UNC_PATH": "\\\\server\\share", "WINDOWS_DIR": "C:\\dir\\", "AFTER": "still here"}
    claimed = claimed_with(project, values)
    assert read_dotenv(claimed["dotenv"]) == values


def test_dotenv_keeps_braced_dollars_for_readers_that_do_not_expand(project: Project) -> None:
    # python-dotenv expands `${NAME}` by default, in any quotes, with no escape: no `.env` text
    # can carry it through an expanding reader. Read as written, the values are unchanged.
    values = {"TEMPLATE": "cost ${AMOUNT} now", "QUOTED": "it's ${HOME}", "BARE": "${X}"}
    claimed = claimed_with(project, values)
    assert read_dotenv(claimed["dotenv"], interpolate=False) == values


# --- the key's lifetime -------------------------------------------------------------------


def test_the_templates_ttl_sets_the_keys_expiry(project: Project) -> None:
    template = project.template(ttl_seconds=3600)
    before = datetime.now(UTC).timestamp()
    key = project.issued(template["id"])["key"]
    after = datetime.now(UTC).timestamp()
    assert before + 3600 - 1 <= epoch(key["expires_at"]) <= after + 3600 + 1


def test_the_approvers_expiry_overrides_the_templates_ttl(project: Project) -> None:
    template = project.template(ttl_seconds=3600)
    wanted = stamp(timedelta(days=30))
    key = project.issued(template["id"], expires_at=wanted)["key"]
    assert key["expires_at"] == wanted


def test_a_template_without_ttl_gives_keys_that_do_not_expire_unless_the_approver_says(project: Project) -> None:
    template = project.template()
    assert project.issued(template["id"])["key"]["expires_at"] is None
    wanted = stamp(timedelta(hours=5))
    assert project.issued(template["id"], expires_at=wanted)["key"]["expires_at"] == wanted
