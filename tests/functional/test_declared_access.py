"""Authorization is declared by each route and decided by the recipe, never by a handler.

One rule for existence (API.md "Membership"): a project you are not a member of is 404; a
member without the right is 403, whether the right is the route's action or the right to act
on someone else's key or request.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from chalicelib.api.http import AUTH_PERSON, ENDPOINTS
from tests.functional.conftest import Api

API = Path(__file__).resolve().parents[2] / "chalicelib" / "api"
# The recipe's own modules: where the declared rules are carried out, and chalice's own answers mapped.
RECIPE = {"access.py", "http.py", "gateway.py", "problems.py"}
# What deciding by hand looks like in a handler's module.
DECIDING = {"may", "authorize", "authorize_member_change", "ForbiddenError", "require_fresh_login"}


def test_every_route_under_a_project_declares_its_action() -> None:
    for endpoint in ENDPOINTS:
        if "{pid}" in endpoint.path and endpoint.auth == AUTH_PERSON:
            assert endpoint.action is not None, f"{endpoint.method} {endpoint.path}"


def test_no_handler_module_decides_rights_by_hand() -> None:
    found: list[str] = []
    for path in sorted(API.glob("*.py")):
        if path.name in RECIPE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Name):
                name = node.id
            elif isinstance(node, ast.alias):
                name = node.name.rsplit(".", 1)[-1]
            if name in DECIDING:
                found.append(f"{path.name}:{getattr(node, 'lineno', '?')} {name}")
    assert found == [], "decide in the route's declaration (api/access.py), not in the handler:\n" + "\n".join(found)


def test_every_handler_is_a_registered_route() -> None:
    # The walk above reads every api module; this makes sure the routes it vouches for are those modules'.
    for endpoint in ENDPOINTS:
        assert Path(inspect.getfile(endpoint.handler)).parent == API, endpoint.path


def test_a_system_administrator_who_is_no_member_cannot_file_a_request_no_one_could_approve(api: Api) -> None:
    pid = api.project(owner="ann")
    role = api.post(f"/v1/projects/{pid}/roles", {"name": "r", "permissions": ["a"]}, as_user="ann").json["id"]
    template = api.post(
        f"/v1/projects/{pid}/key-templates", {"name": "t", "role_id": role, "type": "opaque"}, as_user="ann"
    ).json["id"]
    admin = {"as_user": "root", "groups": ("keywarden-admins",)}

    refused = api.post(f"/v1/projects/{pid}/key-requests", {"template_id": template}, **admin)
    assert (refused.status, refused.code) == (403, "forbidden"), refused.body
    assert api.get(f"/v1/projects/{pid}/key-requests", as_user="ann").json["items"] == []

    # As a member, the same administrator may.
    assert api.put(f"/v1/projects/{pid}/members/root", {"role": "developer"}, as_user="ann").status == 200
    filed = api.post(f"/v1/projects/{pid}/key-requests", {"template_id": template}, **admin)
    assert filed.status == 201, filed.body
    approved = api.post(f"/v1/projects/{pid}/key-requests/{filed.json['id']}/approve", {}, as_user="ann")
    assert approved.status == 200, approved.body
