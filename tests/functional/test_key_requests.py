"""Key requests over HTTP: a member asks for a key from a template, an owner or admin decides,
the member claims the key once; unclaimed requests lapse; concurrent decisions are one decision."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.crypto.envelope import open_sealed
from chalicelib.domain.clock import now
from chalicelib.services import key_requests as request_cases
from chalicelib.store.request_models import KeyRequestModel, KeyRequestTileModel
from tests.functional.conftest import Api, Reply
from tests.functional.test_templates import Project, epoch, stamp

WEEK = 7 * 24 * 3600
MISSING_TEMPLATE = "tpl_00000000000000000000000000"
MISSING_REQUEST = "krq_00000000000000000000000000"
REQUEST_FIELDS = {
    "id",
    "project_id",
    "template_id",
    "requester_id",
    "justification",
    "status",
    "created_at",
    "expires_at",
    "decided_at",
    "decided_by",
    "note",
    "reason",
    "key_id",
}


@pytest.fixture
def project(api: Api) -> Project:
    return Project(api)


@pytest.fixture
def template_id(project: Project) -> str:
    template_id: str = project.template()["id"]
    return template_id


def stored(project: Project, request_id: str) -> dict[str, Any]:
    """The request's item in DynamoDB, as a plain dict."""
    return dict(KeyRequestModel.get(project.pid, request_id, consistent_read=True).attribute_values)


def move_deadline(project: Project, request_id: str, to: float) -> None:
    """Sets when the stored request (and its key tile) lapses, as if time had passed since it was
    made or approved."""
    KeyRequestModel(project.pid, request_id).update(actions=[KeyRequestModel.expires_at.set(to)])
    for tile in KeyRequestTileModel.query(project.pid, consistent_read=True):
        if tile.request_id == request_id:
            tile.update(actions=[KeyRequestTileModel.expires_at.set(to)])


def sealed_secret(project: Project, request_id: str) -> str:
    """The secret an approved request holds for its requester, opened as the service would on claim."""
    sealed = stored(project, request_id)["sealed_claim"]
    context = {"project_id": project.pid, "request_id": request_id, "purpose": "key-claim"}
    secret: str = json.loads(open_sealed(sealed, context))["secret"]["key"]
    return secret


def requests(project: Project, query: str = "", as_user: str = "ann") -> list[dict[str, Any]]:
    reply = project.api.get(f"{project.path}/key-requests{query}", as_user=as_user)
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


def request_ids(project: Project, query: str = "", as_user: str = "ann") -> list[str]:
    return [r["id"] for r in requests(project, query, as_user)]


def get_request(project: Project, request_id: str, as_user: str = "ann") -> Reply:
    return project.api.get(f"{project.path}/key-requests/{request_id}", as_user=as_user)


def status_of(project: Project, request_id: str) -> str:
    reply = get_request(project, request_id)
    assert reply.status == 200, reply.body
    status: str = reply.json["status"]
    return status


def audit_events(project: Project) -> list[dict[str, Any]]:
    """The project's audit trail, newest first, as its owner reads it."""
    reply = project.api.get(f"{project.path}/audit-events?limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


def keys_of_request(project: Project, request_id: str) -> list[dict[str, Any]]:
    reply = project.api.get(f"{project.path}/keys?limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    return [k for k in reply.json["items"] if k["request_id"] == request_id]


def problem(reply: Reply, status: int, code: str) -> None:
    assert (reply.status, reply.code) == (status, code), reply.body
    assert reply.headers["content-type"].startswith("application/problem+json")


# --- requesting ----------------------------------------------------------------------------


def test_a_request_is_pending_for_a_week(project: Project, template_id: str) -> None:
    reply = project.create_request(template_id, justification="for the nightly export")
    assert reply.status == 201, reply.body
    request = reply.json
    assert set(request) == REQUEST_FIELDS
    assert request["id"].startswith("krq_")
    assert {k: request[k] for k in ("project_id", "template_id", "requester_id", "justification", "status")} == {
        "project_id": project.pid,
        "template_id": template_id,
        "requester_id": "dave",
        "justification": "for the nightly export",
        "status": "pending",
    }
    assert [request[k] for k in ("decided_at", "decided_by", "note", "reason", "key_id")] == [None] * 5
    assert epoch(request["expires_at"]) == epoch(request["created_at"]) + WEEK
    assert abs(epoch(request["created_at"]) - now()) < 5

    assert get_request(project, request["id"], "dave").json == request
    assert get_request(project, request["id"], "ann").json == request
    assert project.create_request(template_id, "ed").json["justification"] == ""


def test_one_pending_request_per_requester_and_template(project: Project, template_id: str) -> None:
    first = project.request(template_id)
    again = project.create_request(template_id, justification="please")
    problem(again, 409, "conflict")
    assert request_ids(project) == [first["id"]]

    # Another requester, or another template, is another request.
    project.request(template_id, "ed")
    project.request(project.template(name="other")["id"])
    assert len(request_ids(project)) == 3


@pytest.mark.parametrize("ending", ["deny", "cancel", "approve", "claim"])
def test_a_new_request_is_allowed_once_the_last_is_no_longer_pending(
    project: Project, template_id: str, ending: str
) -> None:
    first = project.request(template_id)["id"]
    if ending == "deny":
        assert project.act(first, "deny", "ann").status == 200
    elif ending == "cancel":
        assert project.act(first, "cancel", "dave").status == 200
    else:
        project.approve(first)
        if ending == "claim":
            project.claim(first)

    second = project.create_request(template_id)
    assert (second.status, second.json["status"]) == (201, "pending"), second.body
    assert project.my_request(template_id, "dave") == {"id": second.json["id"], "status": "pending"}


def test_a_new_request_is_allowed_once_the_pending_one_lapsed(project: Project, template_id: str) -> None:
    first = project.request(template_id)["id"]
    move_deadline(project, first, now() - 1)
    assert project.my_request(template_id, "dave") == {"id": first, "status": "expired"}
    second = project.request(template_id)["id"]
    assert status_of(project, first) == "expired"
    assert status_of(project, second) == "pending"


def test_who_may_request_keys(project: Project, template_id: str) -> None:
    for user in ("ann", "alice", "ed", "dave"):
        assert project.create_request(template_id, user).status == 201, user
    problem(project.create_request(template_id, "vic"), 403, "forbidden")
    problem(project.create_request(template_id, "olga"), 404, "not_found")
    assert len(request_ids(project)) == 4


def test_a_request_names_a_template_of_the_project(api: Api, project: Project) -> None:
    theirs = Project(api, name="Other").template()["id"]
    for template_id in (MISSING_TEMPLATE, theirs, "tpl_x", "Orders reader"):
        reply = project.create_request(template_id)
        problem(reply, 422, "validation_failed")
        assert [e["field"] for e in reply.json["errors"]] == ["template_id"]
    assert request_ids(project) == []


# --- deciding ------------------------------------------------------------------------------


def test_approval_issues_the_key_to_the_requester(project: Project, template_id: str) -> None:
    request = project.request(template_id)
    approved = project.approve(request["id"], note="ok for a week")
    assert approved["status"] == "approved"
    assert (approved["decided_by"], approved["note"], approved["reason"]) == ("ann", "ok for a week", None)
    assert approved["key_id"].startswith("key_")
    assert abs(epoch(approved["decided_at"]) - now()) < 5
    # The requester has a week from the approval to claim the key.
    assert epoch(approved["expires_at"]) == epoch(approved["decided_at"]) + WEEK

    (key,) = keys_of_request(project, request["id"])
    assert (key["id"], key["owner_id"], key["template_id"], key["status"]) == (
        approved["key_id"],
        "dave",
        template_id,
        "active",
    )


def test_denial_records_who_and_why(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    reply = project.act(request_id, "deny", "alice", {"reason": "use the shared key"})
    assert reply.status == 200, reply.body
    assert (reply.json["status"], reply.json["decided_by"], reply.json["reason"]) == (
        "denied",
        "alice",
        "use the shared key",
    )
    assert reply.json["key_id"] is None
    assert keys_of_request(project, request_id) == []


@pytest.mark.parametrize("requester", ["ann", "alice"])
@pytest.mark.parametrize("verb", ["approve", "deny"])
def test_no_one_decides_their_own_request(project: Project, template_id: str, requester: str, verb: str) -> None:
    request_id = project.request(template_id, requester)["id"]
    problem(project.act(request_id, verb, requester), 403, "forbidden")
    assert status_of(project, request_id) == "pending"
    assert keys_of_request(project, request_id) == []


@pytest.mark.parametrize("verb", ["approve", "deny"])
def test_only_owners_and_admins_decide(project: Project, template_id: str, verb: str) -> None:
    request_id = project.request(template_id)["id"]
    for user in ("ed", "dave", "vic"):
        problem(project.act(request_id, verb, user), 403, "forbidden")
    problem(project.act(request_id, verb, "olga"), 404, "not_found")
    assert status_of(project, request_id) == "pending"
    assert project.act(request_id, verb, "alice").status == 200


def test_a_request_that_is_no_longer_pending_cannot_be_decided(project: Project, template_id: str) -> None:
    approved = project.request(template_id)["id"]
    project.approve(approved)
    denied = project.request(template_id)["id"]
    assert project.act(denied, "deny", "ann").status == 200
    cancelled = project.request(template_id)["id"]
    assert project.act(cancelled, "cancel", "dave").status == 200
    claimed = project.request(template_id, "ed")["id"]
    project.approve(claimed)
    project.claim(claimed, "ed")
    lapsed = project.request(template_id)["id"]
    move_deadline(project, lapsed, now() - 1)

    for request_id in (approved, denied, cancelled, claimed, lapsed):
        before = stored(project, request_id)
        for verb in ("approve", "deny"):
            problem(project.act(request_id, verb, "alice"), 409, "conflict")
        assert stored(project, request_id) == before
    assert len(keys_of_request(project, approved)) == 1
    assert keys_of_request(project, lapsed) == []


def test_a_request_whose_template_was_deleted_can_be_denied_but_not_approved(project: Project) -> None:
    template_id = project.template()["id"]
    first, second = project.request(template_id)["id"], project.request(template_id, "ed")["id"]
    assert project.delete_template(template_id).status == 204
    problem(project.act(first, "approve", "ann"), 409, "conflict")
    assert project.act(first, "deny", "ann").status == 200
    assert project.act(second, "cancel", "ed").status == 200


# --- cancelling ----------------------------------------------------------------------------


def test_the_requester_cancels_a_pending_request(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    reply = project.act(request_id, "cancel", "dave")
    assert reply.status == 200, reply.body
    assert (reply.json["status"], reply.json["decided_by"]) == ("cancelled", "dave")
    problem(project.act(request_id, "cancel", "dave"), 409, "conflict")
    problem(project.act(request_id, "approve", "ann"), 409, "conflict")


def test_no_one_else_cancels_a_request(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    # Only its requester may withdraw it: other members (deciders included) get 403, and to
    # outsiders the project does not exist.
    for user in ("ann", "alice", "ed", "vic"):
        problem(project.act(request_id, "cancel", user), 403, "forbidden")
    problem(project.act(request_id, "cancel", "olga"), 404, "not_found")
    assert status_of(project, request_id) == "pending"


def test_an_approved_request_cannot_be_cancelled(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    project.approve(request_id)
    problem(project.act(request_id, "cancel", "dave"), 409, "conflict")
    assert status_of(project, request_id) == "approved"
    project.claim(request_id)


# --- claiming ------------------------------------------------------------------------------


def test_the_requester_claims_the_key_once(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    approved = project.approve(request_id)
    sealed = stored(project, request_id)
    assert sealed["sealed_claim"]

    claimed = project.claim(request_id)
    assert set(claimed) == {"key", "secret", "secrets", "dotenv"}
    assert claimed["key"]["id"] == approved["key_id"]
    secret = claimed["secret"]["key"]
    assert project.verify(secret)["code"] == "VALID"
    # The approval kept the secret sealed, never as written; the claim erased it.
    assert secret not in repr(sealed)
    assert "sealed_claim" not in stored(project, request_id)
    assert status_of(project, request_id) == "claimed"

    problem(project.act(request_id, "claim", "dave"), 409, "conflict")
    assert project.verify(secret)["code"] == "VALID"


def test_only_the_requester_claims(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    project.approve(request_id)
    for user in ("ann", "alice", "ed", "vic"):
        problem(project.act(request_id, "claim", user), 403, "forbidden")
    problem(project.act(request_id, "claim", "olga"), 404, "not_found")
    assert stored(project, request_id)["sealed_claim"]
    project.claim(request_id)


def test_a_request_that_is_not_approved_cannot_be_claimed(project: Project, template_id: str) -> None:
    pending = project.request(template_id)["id"]
    problem(project.act(pending, "claim", "dave"), 409, "conflict")
    assert project.act(pending, "deny", "ann").status == 200
    problem(project.act(pending, "claim", "dave"), 409, "conflict")


@pytest.mark.parametrize("key_type", ["opaque", "hmac"])
def test_the_claimed_secret_is_in_no_audit_event_and_no_request_view(project: Project, key_type: str) -> None:
    template_id = project.template(type=key_type)["id"]
    request_id = project.request(template_id, justification="for CI")["id"]
    project.approve(request_id, note="fine")
    claimed = project.claim(request_id)
    secrets = list(claimed["secret"].values())
    assert secrets and all(len(s) >= 20 for s in secrets)

    seen = [
        project.api.get(f"{project.path}/audit-events?limit=100", as_user="ann"),
        get_request(project, request_id, "dave"),
        get_request(project, request_id, "ann"),
        project.api.get(f"{project.path}/key-requests", as_user="ann"),
        project.api.get(f"{project.path}/key-requests", as_user="dave"),
        project.api.get(f"{project.path}/keys/{claimed['key']['id']}", as_user="ann"),
        project.api.get(f"{project.path}/key-templates", as_user="dave"),
    ]
    for reply in seen:
        assert reply.status == 200, reply.body
        for secret in secrets:
            assert secret not in reply.body.decode(), reply.body
    assert {"key_request.created", "key_request.approved", "key_request.claimed", "key.created"} <= {
        e["action"] for e in seen[0].json["items"]
    }


# --- listing -------------------------------------------------------------------------------


def test_owners_and_admins_list_every_request_and_others_their_own(project: Project, template_id: str) -> None:
    dave_first = project.request(template_id)["id"]
    ed_request = project.request(template_id, "ed")["id"]
    dave_second = project.request(project.template(name="other")["id"])["id"]

    everything = [dave_second, ed_request, dave_first]  # newest first
    assert request_ids(project, as_user="ann") == everything
    assert request_ids(project, as_user="alice") == everything
    assert request_ids(project, as_user="dave") == [dave_second, dave_first]
    assert request_ids(project, as_user="ed") == [ed_request]
    assert request_ids(project, "?requester_id=dave", as_user="dave") == [dave_second, dave_first]
    assert request_ids(project, "?requester_id=ed", as_user="ann") == [ed_request]

    problem(project.api.get(f"{project.path}/key-requests?requester_id=ed", as_user="dave"), 403, "forbidden")
    problem(project.api.get(f"{project.path}/key-requests", as_user="vic"), 403, "forbidden")
    problem(project.api.get(f"{project.path}/key-requests", as_user="olga"), 404, "not_found")
    # Someone else's request: 403 for a member (one rule, API.md "Membership"), 404 for an outsider.
    for user in ("ed", "vic"):
        problem(get_request(project, dave_first, user), 403, "forbidden")
    problem(get_request(project, dave_first, "olga"), 404, "not_found")


def test_listing_by_status_as_readers_see_it(project: Project, template_id: str) -> None:
    templates = [template_id] + [project.template(name=f"t{i}")["id"] for i in range(5)]
    pending, approved, claimed, denied, cancelled, lapsed = (project.request(t)["id"] for t in templates)
    project.approve(approved)
    project.approve(claimed)
    project.claim(claimed)
    assert project.act(denied, "deny", "ann").status == 200
    assert project.act(cancelled, "cancel", "dave").status == 200
    move_deadline(project, lapsed, now() - 1)  # pending, past its deadline: expired to every reader

    expected = {
        "pending": [pending],
        "approved": [approved],
        "claimed": [claimed],
        "denied": [denied],
        "cancelled": [cancelled],
        "expired": [lapsed],
    }
    for status, ids in expected.items():
        assert request_ids(project, f"?status={status}") == ids, status
        assert request_ids(project, f"?status={status}", as_user="dave") == ids, status
        assert request_ids(project, f"?status={status}&requester_id=ed") == [], status
    assert status_of(project, lapsed) == "expired"
    assert len(request_ids(project)) == 6
    problem(project.api.get(f"{project.path}/key-requests?status=lapsed", as_user="ann"), 422, "validation_failed")


def test_an_approved_request_past_its_claim_deadline_lists_as_expired(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    project.approve(request_id)
    move_deadline(project, request_id, now() - 1)
    assert request_ids(project, "?status=expired") == [request_id]
    assert request_ids(project, "?status=approved") == []
    assert project.my_request(template_id, "dave") == {"id": request_id, "status": "expired"}
    problem(project.act(request_id, "claim", "dave"), 409, "conflict")


def test_the_listing_pages_newest_first(project: Project) -> None:
    made = [project.request(project.template(name=f"t{i}")["id"])["id"] for i in range(5)]
    first = project.api.get(f"{project.path}/key-requests?limit=2", as_user="ann").json
    assert [r["id"] for r in first["items"]] == made[::-1][:2]
    seen = [r["id"] for r in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = project.api.get(f"{project.path}/key-requests?limit=2&cursor={cursor}", as_user="ann").json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made[::-1]


# --- approving at once ---------------------------------------------------------------------


def test_an_auto_approve_template_approves_at_once(project: Project) -> None:
    # BUG (chalicelib/store/key_requests.py, create_request): the transaction checks the project
    # (project_is_live) and then adds the key's items, which check the project again
    # (store/keys.py add_key_items). DynamoDB refuses two operations on one item in a transaction
    # ("Transaction request cannot include multiple operations on one item"): every request from
    # an auto_approve template fails with 500 internal_error, and nothing is recorded.
    template_id = project.template(auto_approve=True)["id"]
    reply = project.create_request(template_id, justification="self service")
    assert reply.status == 201, reply.body
    request = reply.json
    assert request["status"] == "approved"
    assert request["key_id"].startswith("key_")
    assert request["decided_by"] == "keywarden:auto-approve"
    assert project.my_request(template_id, "dave") == {"id": request["id"], "status": "approved"}

    actions = [e["action"] for e in audit_events(project) if e["action"].startswith(("key_request.", "key."))]
    assert sorted(actions) == ["key.created", "key_request.approved", "key_request.created"]

    claimed = project.claim(request["id"])
    assert claimed["key"]["id"] == request["key_id"]
    assert project.verify(claimed["secret"]["key"])["code"] == "VALID"

    # The template approves for itself: its owner's own request is approved too.
    own = project.request(template_id, "ann")
    assert own["status"] == "approved"
    assert project.claim(own["id"], "ann")["key"]["owner_id"] == "ann"


# --- lapsing -------------------------------------------------------------------------------


def test_unclaimed_requests_lapse_and_their_keys_are_revoked(project: Project, template_id: str) -> None:
    pending = project.request(template_id)["id"]
    approved = project.request(template_id, "ed")["id"]
    project.approve(approved)
    claimed = project.request(template_id, "alice")["id"]
    project.approve(claimed)
    claimed_secret = project.claim(claimed, "alice")["secret"]["key"]
    claimed_before = stored(project, claimed)

    later = now() + 8 * 24 * 3600
    assert request_cases.expire_lapsed(at=later) == {"expired": 2, "keys_revoked": 1, "conflicts": 0}

    assert status_of(project, pending) == "expired"
    assert status_of(project, approved) == "expired"
    assert "sealed_claim" not in stored(project, approved)
    (key,) = keys_of_request(project, approved)
    assert key["status"] == "revoked"
    problem(project.act(approved, "claim", "ed"), 409, "conflict")

    assert stored(project, claimed) == claimed_before
    assert project.verify(claimed_secret)["code"] == "VALID"
    assert [k["status"] for k in keys_of_request(project, claimed)] == ["active"]
    lapses = [e for e in audit_events(project) if e["action"] in ("key_request.expired", "key.revoked")]
    assert sorted(e["action"] for e in lapses) == ["key.revoked", "key_request.expired", "key_request.expired"]

    # Running the sweep again finds nothing to do.
    snapshot, events = {r: stored(project, r) for r in (pending, approved, claimed)}, audit_events(project)
    assert request_cases.expire_lapsed(at=later) == {"expired": 0, "keys_revoked": 0, "conflicts": 0}
    assert {r: stored(project, r) for r in (pending, approved, claimed)} == snapshot
    assert audit_events(project) == events


def test_the_key_of_a_lapsed_request_stops_verifying(project: Project, template_id: str) -> None:
    # The deadline is moved back rather than the sweep run ahead: a key revoked "in 8 days" would
    # verify until then.
    request_id = project.request(template_id)["id"]
    project.approve(request_id)
    unclaimed_secret = sealed_secret(project, request_id)
    assert project.verify(unclaimed_secret)["code"] == "VALID"
    move_deadline(project, request_id, now() - 1)

    swept = project.api.post("/v1/dev/jobs/expiry-sweep")
    assert swept.status == 200, swept.body
    assert status_of(project, request_id) == "expired"
    assert project.verify(unclaimed_secret)["code"] == "REVOKED"
    assert [k["status"] for k in keys_of_request(project, request_id)] == ["revoked"]


def test_the_sweep_leaves_requests_within_their_deadline(project: Project, template_id: str) -> None:
    pending = project.request(template_id)["id"]
    approved = project.request(template_id, "ed")["id"]
    project.approve(approved)
    before = {r: stored(project, r) for r in (pending, approved)}
    assert request_cases.expire_lapsed(at=now() + 6 * 24 * 3600) == {"expired": 0, "keys_revoked": 0, "conflicts": 0}
    assert {r: stored(project, r) for r in (pending, approved)} == before
    project.claim(approved, "ed")


# --- concurrent requests (the guards of chalicelib/store/key_requests.py) -------------------

N = 8


def all_read_then_write_one_at_a_time(monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    """Every concurrent call of the use case `operation` waits until all N have read what they act on;
    their writes then run one at a time, since moto's transactions are not isolated (PLATFORM.md).
    Each call thus acts on the state all of them read: only the store's conditions tell them apart."""
    real = getattr(request_cases, operation)
    everyone_read = threading.Barrier(N, timeout=30)
    one_writer = threading.Lock()

    def gated(*args: Any, **kwargs: Any) -> Any:
        everyone_read.wait()
        with one_writer:
            return real(*args, **kwargs)

    monkeypatch.setattr(request_cases, operation, gated)


def at_once(send: Callable[[], Reply]) -> list[Reply]:
    replies: list[Reply] = []
    threads = [threading.Thread(target=lambda: replies.append(send())) for _ in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert len(replies) == N
    return replies


def statuses(replies: list[Reply]) -> list[int]:
    return sorted(r.status for r in replies)


def test_of_concurrent_approvals_exactly_one_issues_a_key(
    project: Project, template_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: _unchanged (status and version) on the request in approve.
    request_id = project.request(template_id)["id"]
    all_read_then_write_one_at_a_time(monkeypatch, "approve")

    replies = at_once(lambda: project.act(request_id, "approve", "ann"))
    assert statuses(replies) == [200] + [409] * (N - 1), [r.body for r in replies]
    assert all(r.code == "conflict" for r in replies if r.status == 409)
    (won,) = [r.json for r in replies if r.status == 200]
    (key,) = keys_of_request(project, request_id)
    assert key["id"] == won["key_id"] == stored(project, request_id)["key_id"]
    approvals = [e for e in audit_events(project) if e["action"] == "key_request.approved"]
    assert len(approvals) == 1
    assert project.claim(request_id)["key"]["id"] == key["id"]


def test_of_concurrent_requests_from_one_template_exactly_one_is_made(
    project: Project, template_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: the tile's condition (not showing a live pending request) in create_request.
    all_read_then_write_one_at_a_time(monkeypatch, "create_request")

    replies = at_once(lambda: project.create_request(template_id))
    assert statuses(replies) == [201] + [409] * (N - 1), [r.body for r in replies]
    (won,) = [r.json for r in replies if r.status == 201]
    assert request_ids(project) == [won["id"]]
    assert project.my_request(template_id, "dave") == {"id": won["id"], "status": "pending"}


def test_of_concurrent_claims_exactly_one_gets_the_key(
    project: Project, template_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: _unchanged (status and version) on the request in claim.
    request_id = project.request(template_id)["id"]
    project.approve(request_id)
    all_read_then_write_one_at_a_time(monkeypatch, "claim")

    replies = at_once(lambda: project.act(request_id, "claim", "dave"))
    assert statuses(replies) == [200] + [409] * (N - 1), [r.body for r in replies]
    (won,) = [r.json for r in replies if r.status == 200]
    assert project.verify(won["secret"]["key"])["code"] == "VALID"
    claims = [e for e in audit_events(project) if e["action"] == "key_request.claimed"]
    assert len(claims) == 1
    assert "sealed_claim" not in stored(project, request_id)


# --- bad input -----------------------------------------------------------------------------


def test_unknown_fields_are_refused_as_for_roles(project: Project, template_id: str) -> None:
    role = project.api.post(f"{project.path}/roles", {"name": "r", "permissions": [], "colour": "red"}, as_user="ann")
    convention = (role.status, role.code)
    assert convention == (422, "validation_failed"), role.body

    created = project.create_request(template_id, colour="red")
    assert (created.status, created.code) == convention, created.body
    assert [e["field"] for e in created.json["errors"]] == ["colour"]
    assert request_ids(project) == []

    request_id = project.request(template_id)["id"]
    for verb in ("approve", "deny"):
        reply = project.act(request_id, verb, "ann", {"colour": "red"})
        assert (reply.status, reply.code) == convention, reply.body
    assert status_of(project, request_id) == "pending"


@pytest.mark.parametrize("text", ["line\x00", "bell\x07", "escape\x1b[31m", "del\x7f", "x" * 1025])
def test_justifications_notes_and_reasons_are_plain_text(project: Project, template_id: str, text: str) -> None:
    problem(project.create_request(template_id, justification=text), 422, "validation_failed")
    request_id = project.request(template_id)["id"]
    problem(project.act(request_id, "approve", "ann", {"note": text}), 422, "validation_failed")
    problem(project.act(request_id, "deny", "ann", {"reason": text}), 422, "validation_failed")
    assert status_of(project, request_id) == "pending"


def test_multi_line_justifications_are_kept(project: Project, template_id: str) -> None:
    text = "for the export\r\n\tand the backfill: zoë ✓"
    assert project.request(template_id, justification=text)["justification"] == text


@pytest.mark.parametrize(
    "expires_at",
    [
        stamp(timedelta(seconds=-5)),
        "2020-01-01T00:00:00Z",
        "2030-01-01T00:00:00",  # no time zone
        "tomorrow",
        "",
        12345,
    ],
)
def test_an_approval_with_an_expiry_not_in_the_future_is_refused(
    project: Project, template_id: str, expires_at: Any
) -> None:
    request_id = project.request(template_id)["id"]
    reply = project.act(request_id, "approve", "ann", {"expires_at": expires_at})
    problem(reply, 422, "validation_failed")
    assert [e["field"] for e in reply.json["errors"]] == ["expires_at"]
    assert status_of(project, request_id) == "pending"
    assert keys_of_request(project, request_id) == []


def test_odd_input_never_fails_the_service(project: Project, template_id: str) -> None:
    request_id = project.request(template_id)["id"]
    base = f"{project.path}/key-requests"
    odd_bodies: list[Any] = [None, [], "text", 5, {"template_id": 5}, {"template_id": None}, {"template_id": ""}]
    odd_bodies += [{"template_id": template_id, "justification": ["x"]}, {"template_id": "x" * 10_000}]
    odd_actions: list[Any] = [[], "x", 3]
    replies = [project.api.post(base, body, as_user="dave") for body in odd_bodies]
    replies += [project.api.request("POST", base, body=raw, as_user="dave") for raw in ("{", "\xff", "[1,")]
    for verb in ("approve", "deny", "cancel", "claim"):
        for target in (MISSING_REQUEST, "krq_x", "x" * 300, "..", "%00"):
            replies.append(project.api.post(f"{base}/{target}/{verb}", {}, as_user="ann"))
        replies += [project.api.post(f"{base}/{request_id}/{verb}", odd, as_user="ann") for odd in odd_actions]
        replies.append(project.api.request("POST", f"{base}/{request_id}/{verb}", body="{", as_user="ann"))
    for query in ("?status=", "?limit=0", "?limit=abc", "?cursor=garbage", "?requester_id=", "?status=PENDING"):
        replies.append(project.api.get(base + query, as_user="ann"))
    replies += [get_request(project, target) for target in (MISSING_REQUEST, "krq_x", "x" * 300)]

    for reply in replies:
        assert 400 <= reply.status < 500, (reply.status, reply.body)
        assert reply.headers["content-type"].startswith("application/problem+json"), reply.body
        assert reply.code, reply.body
    assert status_of(project, request_id) == "pending"


def test_a_request_id_of_another_project_is_not_found(api: Api, project: Project, template_id: str) -> None:
    other = Project(api, name="Other")
    theirs = other.request(other.template()["id"])["id"]
    problem(get_request(project, theirs), 404, "not_found")
    for verb in ("approve", "deny"):
        problem(project.act(theirs, verb, "ann"), 404, "not_found")
    for verb in ("cancel", "claim"):
        problem(project.act(theirs, verb, "dave"), 404, "not_found")
    assert status_of(other, theirs) == "pending"
