"""A member named by an OIDC subject with characters that clients encode in paths, over real HTTP
with `requests` (it sends `auth0|abc` as `auth0%7Cabc`): added, admitted with their own
token, and removed, each by the encoded path. The local server routes the path as sent and
the app decodes it once (chalicelib.api.binding.decode_path_params)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.conftest import REQUEST_TIMEOUT, JsonClient


@pytest.fixture
def session() -> Any:
    with requests.Session() as session:
        session.trust_env = False  # only 127.0.0.1, never a proxy from the environment
        yield session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_member_named_by_an_encoded_subject_joins_reads_and_leaves(
    stack_url: str, client: JsonClient, session: requests.Session, unique: str
) -> None:
    owner = client.token(f"owner-{unique}")
    created = session.post(f"{stack_url}/v1/projects", json={"name": unique}, headers=bearer(owner), timeout=15)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    subject = f"auth0|{unique}"
    member_url = f"{stack_url}/v1/projects/{pid}/members/{subject}"

    added = session.put(member_url, json={"role": "viewer"}, headers=bearer(owner), timeout=REQUEST_TIMEOUT)
    assert added.request.path_url.endswith(f"/members/auth0%7C{unique}")  # what requests sent
    assert added.status_code == 200, added.text
    assert added.json()["user_id"] == subject

    # Their own token (sub `auth0|...`) admits them to the project.
    member = client.token(subject)
    project = session.get(f"{stack_url}/v1/projects/{pid}", headers=bearer(member), timeout=REQUEST_TIMEOUT)
    assert project.status_code == 200, project.text
    assert project.json()["id"] == pid

    removed = session.delete(member_url, headers=bearer(owner), timeout=REQUEST_TIMEOUT)
    assert removed.status_code == 204, removed.text
    gone = session.get(f"{stack_url}/v1/projects/{pid}", headers=bearer(member), timeout=REQUEST_TIMEOUT)
    assert gone.status_code == 404, gone.text


@pytest.mark.parametrize(
    ("segment", "subject"),
    [("org%2Falice", "org/alice"), ("auth0%257Cabc", "auth0%7Cabc")],
    ids=["encoded-slash-is-one-segment", "decoded-once-only"],
)
def test_the_server_routes_the_path_as_sent_and_the_app_decodes_it_once(
    stack_url: str, client: JsonClient, session: requests.Session, unique: str, segment: str, subject: str
) -> None:
    owner = client.token(f"owner-{unique}")
    pid = session.post(f"{stack_url}/v1/projects", json={"name": unique}, headers=bearer(owner), timeout=15).json()[
        "id"
    ]
    url = f"{stack_url}/v1/projects/{pid}/members/{segment}"
    added = session.put(url, json={"role": "viewer"}, headers=bearer(owner), timeout=REQUEST_TIMEOUT)
    assert added.request.path_url.endswith(f"/members/{segment}")  # requests leaves escapes as they are
    assert added.status_code == 200, added.text
    assert added.json()["user_id"] == subject
    listed = session.get(f"{stack_url}/v1/projects/{pid}/members", headers=bearer(owner), timeout=REQUEST_TIMEOUT)
    assert {m["user_id"] for m in listed.json()["items"]} == {f"owner-{unique}", subject}
    assert session.delete(url, headers=bearer(owner), timeout=REQUEST_TIMEOUT).status_code == 204
