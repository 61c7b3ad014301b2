"""Path parameters are percent-decoded exactly once, whoever encoded them.

Every client that encodes paths (Python `requests`, the console's openapi-fetch) sends an
OIDC subject `auth0|abc` as `auth0%7Cabc`. Chalice hands it over as sent, locally and
behind API Gateway (the REST proxy event carries `pathParameters` undecoded), so the
service decodes it itself: otherwise a member added that way never matches their token,
and one added with a raw `|` can be neither removed nor changed by an encoding client.
"""

from __future__ import annotations

import json
from typing import Any

from tests.functional.conftest import Api

SUBJECT = "auth0|abc"
ENCODED = "auth0%7Cabc"


def members_of(api: Api, pid: str) -> dict[str, str]:
    reply = api.get(f"/v1/projects/{pid}/members?limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    return {m["user_id"]: m["role"] for m in reply.json["items"]}


def test_a_member_added_by_an_encoding_client_is_the_person_of_that_subject(api: Api) -> None:
    pid = api.project(owner="ann")
    added = api.put(f"/v1/projects/{pid}/members/{ENCODED}", {"role": "admin"}, as_user="ann")
    assert added.status == 200, added.body
    assert added.json["user_id"] == SUBJECT
    assert members_of(api, pid) == {"ann": "owner", SUBJECT: "admin"}
    # Their token's `sub` is the decoded subject, and it admits them.
    assert api.get(f"/v1/projects/{pid}", as_user=SUBJECT).status == 200


def test_an_encoding_client_changes_and_removes_a_member_added_with_a_raw_subject(api: Api) -> None:
    pid = api.project(owner="ann")
    assert api.put(f"/v1/projects/{pid}/members/{SUBJECT}", {"role": "admin"}, as_user="ann").status == 200

    changed = api.put(f"/v1/projects/{pid}/members/{ENCODED}", {"role": "viewer"}, as_user="ann")
    assert changed.status == 200, changed.body
    # The same member, demoted: no phantom second member beside an admin.
    assert members_of(api, pid) == {"ann": "owner", SUBJECT: "viewer"}

    assert api.delete(f"/v1/projects/{pid}/members/{ENCODED}", as_user="ann").status == 204
    assert members_of(api, pid) == {"ann": "owner"}
    assert api.get(f"/v1/projects/{pid}", as_user=SUBJECT).status == 404


def test_a_value_is_decoded_once_not_twice(api: Api) -> None:
    pid = api.project(owner="ann")
    # %25 is a literal percent sign: `auth0%257Cabc` names the subject `auth0%7Cabc`, not `auth0|abc`.
    added = api.put(f"/v1/projects/{pid}/members/auth0%257Cabc", {"role": "viewer"}, as_user="ann")
    assert added.status == 200, added.body
    assert added.json["user_id"] == "auth0%7Cabc"
    assert members_of(api, pid) == {"ann": "owner", "auth0%7Cabc": "viewer"}


def test_an_escape_that_is_no_character_names_no_resource(api: Api) -> None:
    pid = api.project(owner="ann")
    for value in ("bad%FF", "nul%00", "bell%07", "x" * 250 + "%7C%7C%7C%7C%7C%7C"):
        reply = api.put(f"/v1/projects/{pid}/members/{value}", {"role": "viewer"}, as_user="ann")
        assert (reply.status, reply.code) == (404, "not_found"), value
    # Encoded project ids resolve too: prj ids have no character that needs encoding, so a
    # client that encodes everything still reaches the project.
    assert api.get(f"/v1/projects/{pid.replace('_', '%5F')}", as_user="ann").status == 200
    assert members_of(api, pid) == {"ann": "owner"}


def _rest_proxy_event(method: str, resource: str, path: str, params: dict[str, str], token: str, body: Any) -> dict:
    """An API Gateway REST proxy event as the service's Lambda receives it (the shape of AWS's
    sample event): `path` and `pathParameters` as the client encoded them."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Host": "example.com"}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "python-requests/2.32"},
            "accountId": "123456789012",
            "apiId": "1234567890",
            "protocol": "HTTP/1.1",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def test_behind_api_gateway_the_subject_is_decoded_once(api: Api) -> None:
    from app import app

    pid = api.project(owner="ann")
    resource = "/v1/projects/{pid}/members/{user_id}"
    event = _rest_proxy_event(
        "PUT",
        resource,
        f"/v1/projects/{pid}/members/{ENCODED}",
        {"pid": pid, "user_id": ENCODED},
        api.token("ann"),
        {"role": "admin"},
    )
    response = app(event, None)
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"])["user_id"] == SUBJECT
    assert members_of(api, pid) == {"ann": "owner", SUBJECT: "admin"}
