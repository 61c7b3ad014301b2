"""Identities (API.md, "Identities"): the platform's own customers, managed by owners and admins,
each with an external id unique in its project, meta, rate limits and credits; and the guards
of chalicelib/store/identities.py, each raced as races.py describes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.services import identities as identity_cases
from chalicelib.store import identities as identity_store
from chalicelib.store.identity_models import IdentityModel, IdentityNameModel
from chalicelib.store.webhook_models import OutboxModel
from tests.functional.conftest import Api, Reply
from tests.functional.races import Scene, audit_actions, refused
from tests.functional.test_webhooks import dispatch, serving, verified

MISSING = "idn_00000000000000000000000000"
DAY = 24 * 3600
LIMITS = [{"name": "requests", "limit": 100, "duration_seconds": 60, "auto_apply": True}]
CREDITS = {"remaining": 1000, "refill": {"amount": 500, "interval": "month", "day_of_month": 15}, "notify_below": 10}


class Customers:
    """A project owned by ann, with an admin, an editor, a developer and a viewer."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.pid = api.project(owner="ann", alice="admin", ed="editor", dev="developer", vic="viewer")
        self.path = f"/v1/projects/{self.pid}/identities"

    def create_reply(self, external_id: str = "cus_1", as_user: str = "ann", **fields: Any) -> Reply:
        return self.api.post(self.path, {"external_id": external_id, **fields}, as_user=as_user)

    def create(self, external_id: str = "cus_1", **fields: Any) -> dict[str, Any]:
        reply = self.create_reply(external_id, **fields)
        assert reply.status == 201, reply.body
        created: dict[str, Any] = reply.json
        return created

    def get(self, identity_id: str) -> dict[str, Any]:
        reply = self.api.get(f"{self.path}/{identity_id}", as_user="ann")
        assert reply.status == 200, reply.body
        found: dict[str, Any] = reply.json
        return found

    def patch(self, identity_id: str, changes: dict[str, Any], as_user: str = "ann") -> Reply:
        return self.api.patch(f"{self.path}/{identity_id}", changes, as_user=as_user)

    def credits(self, identity_id: str, op: str, value: int) -> Reply:
        return self.api.post(f"{self.path}/{identity_id}/credits", {"op": op, "value": value}, as_user="ann")

    def listed(self, query: str = "") -> dict[str, Any]:
        reply = self.api.get(f"{self.path}{query}", as_user="ann")
        assert reply.status == 200, reply.body
        page: dict[str, Any] = reply.json
        return page

    def audit(self) -> list[dict[str, Any]]:
        """The project's audit events about identities, oldest first."""
        reply = self.api.get(f"/v1/projects/{self.pid}/audit-events?limit=100", as_user="ann")
        assert reply.status == 200, reply.body
        return [e for e in reversed(reply.json["items"]) if e["target"]["type"] == "identity"]


@pytest.fixture
def customers(api: Api) -> Customers:
    return Customers(api)


def stored_identities(pid: str) -> list[dict[str, Any]]:
    return [dict(i.attribute_values) for i in IdentityModel.query(pid, consistent_read=True)]


def stored_names(pid: str) -> dict[str, str]:
    return {n.external_id: n.identity_id for n in IdentityNameModel.query(pid, consistent_read=True)}


def outbox_messages() -> list[dict[str, Any]]:
    """Every webhook message written so far, oldest first."""
    items = sorted(OutboxModel.scan(consistent_read=True), key=lambda item: item.id)
    return [message for item in items for message in item.messages]


# --- the lifecycle ----------------------------------------------------------------------------


def test_an_identity_is_created_read_listed_found_changed_and_deleted(customers: Customers) -> None:
    created = customers.create_reply("cus_1", meta={"plan": "pro", "seats": [1, 2]})
    assert created.status == 201, created.body
    identity = created.json
    assert identity == {
        "id": identity["id"],
        "project_id": customers.pid,
        "external_id": "cus_1",
        "meta": {"plan": "pro", "seats": [1, 2]},
        "ratelimits": [],
        "credits": None,
        "created_at": identity["created_at"],
    }
    assert identity["id"].startswith("idn_") and identity["created_at"].endswith("Z")
    other = customers.create("cus_2")

    assert customers.get(identity["id"]) == identity
    assert customers.listed() == {"items": [identity, other], "next_cursor": None}
    assert customers.listed("?external_id=cus_1") == {"items": [identity], "next_cursor": None}
    # Exact match only: no prefix, no other case.
    for near in ("cus_", "CUS_1", "cus_1 "):
        assert customers.listed(f"?external_id={near}")["items"] == [], near

    changed = customers.patch(identity["id"], {"meta": {"plan": "enterprise"}})
    assert changed.status == 200, changed.body
    assert changed.json == identity | {"meta": {"plan": "enterprise"}}
    assert customers.get(identity["id"]) == changed.json

    deleted = customers.api.delete(f"{customers.path}/{identity['id']}", as_user="ann")
    assert deleted.status == 204 and deleted.body == b""
    gone = customers.api.get(f"{customers.path}/{identity['id']}", as_user="ann")
    assert (gone.status, gone.code) == (404, "not_found")
    assert customers.listed() == {"items": [other], "next_cursor": None}
    assert customers.listed("?external_id=cus_1")["items"] == []
    again = customers.api.delete(f"{customers.path}/{identity['id']}", as_user="ann")
    assert (again.status, again.code) == (404, "not_found")
    # Its external id is free again.
    assert customers.create("cus_1")["id"] != identity["id"]


def test_an_identity_with_limits_shows_them_and_its_balance(customers: Customers) -> None:
    identity = customers.create("cus_1", ratelimits=LIMITS, credits=CREDITS)
    assert identity["ratelimits"] == LIMITS
    assert identity["credits"] == CREDITS
    assert customers.get(identity["id"]) == identity
    # auto_apply defaults to true; a refill's day_of_month to null; notify_below to null.
    plain = customers.create(
        "cus_2",
        ratelimits=[{"name": "burst", "limit": 5, "duration_seconds": 1}],
        credits={"remaining": 3, "refill": {"amount": 10, "interval": "day"}},
    )
    assert plain["ratelimits"] == [{"name": "burst", "limit": 5, "duration_seconds": 1, "auto_apply": True}]
    assert plain["credits"] == {
        "remaining": 3,
        "refill": {"amount": 10, "interval": "day", "day_of_month": None},
        "notify_below": None,
    }
    assert customers.create("cus_3", credits={"remaining": 0})["credits"] == {
        "remaining": 0,
        "refill": None,
        "notify_below": None,
    }


def test_responses_match_the_documented_schemas(customers: Customers) -> None:
    document = customers.api.get("/v1/openapi.json").json
    identity = customers.create("cus_1", ratelimits=LIMITS, credits=CREDITS, meta={"a": 1})
    samples = [
        ("post", "/v1/projects/{pid}/identities", 201, identity),
        ("get", "/v1/projects/{pid}/identities", 200, customers.listed()),
        ("get", "/v1/projects/{pid}/identities/{identity_id}", 200, customers.get(identity["id"])),
        (
            "post",
            "/v1/projects/{pid}/identities/{identity_id}/credits",
            200,
            customers.credits(identity["id"], "set", 1).json,
        ),
    ]
    for method, path, status, body in samples:
        schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": document["components"]})
        assert not list(validator.iter_errors(body)), (method, path)


def test_identities_are_listed_a_page_at_a_time(customers: Customers) -> None:
    made = [customers.create(f"cus_{n}")["id"] for n in range(5)]
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = customers.listed(f"?limit=2{cursor}")
        seen += [i["id"] for i in page["items"]]
        pages += 1
        assert len(page["items"]) == (2 if page["next_cursor"] else 1)
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert (seen, pages) == (made, 3)
    bad = customers.api.get(f"{customers.path}?cursor=nonsense", as_user="ann")
    assert (bad.status, bad.code) == (422, "validation_failed")


# --- the external id is unique in its project ---------------------------------------------------


def test_a_taken_external_id_is_409_and_changes_nothing(customers: Customers) -> None:
    first = customers.create("cus_1", meta={"n": 1})
    events = audit_actions(customers.pid)

    taken = customers.create_reply("cus_1", meta={"n": 2})
    assert (taken.status, taken.code) == (409, "conflict"), taken.body
    assert "cus_1" in taken.json["detail"]
    assert customers.listed()["items"] == [first]
    assert audit_actions(customers.pid) == events
    # Another project has ids of its own.
    elsewhere = customers.api.project(owner="ann", name="Other")
    assert (
        customers.api.post(f"/v1/projects/{elsewhere}/identities", {"external_id": "cus_1"}, as_user="ann").status
        == 201
    )


N = 6


def test_of_concurrent_creates_with_one_external_id_exactly_one_wins(
    customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: IdentityNameModel.external_id.does_not_exist() in add_identity. Every request has
    # passed its checks before any writes; the writes run one at a time, as moto's transactions
    # are not isolated: only the store's condition tells them apart.
    real = identity_cases.create_identity
    everyone_ready = threading.Barrier(N, timeout=30)
    one_writer = threading.Lock()

    def gated(*args: Any, **kwargs: Any) -> Any:
        everyone_ready.wait()
        with one_writer:
            return real(*args, **kwargs)

    monkeypatch.setattr(identity_cases, "create_identity", gated)
    replies = at_once(lambda: customers.create_reply("cus_1"))
    assert sorted(r.status for r in replies) == [201] + [409] * (N - 1), [r.body for r in replies]
    assert all(r.code == "conflict" for r in replies if r.status == 409)
    (won,) = [r.json for r in replies if r.status == 201]
    assert customers.listed()["items"] == [won]
    assert [e["action"] for e in customers.audit()] == ["identity.created"]


def at_once(send: Callable[[], Reply]) -> list[Reply]:
    replies: list[Reply] = []
    threads = [threading.Thread(target=lambda: replies.append(send())) for _ in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return replies


def test_an_identity_whose_id_collides_overwrites_nothing(
    customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: IdentityModel.id.does_not_exist() in add_identity.
    first = customers.create("cus_1", credits={"remaining": 5})
    before, events = stored_identities(customers.pid), audit_actions(customers.pid)
    monkeypatch.setattr(identity_cases, "new_id", lambda prefix: first["id"])

    reply = customers.create_reply("cus_2")
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert stored_identities(customers.pid) == before
    assert stored_names(customers.pid) == {"cus_1": first["id"]}
    assert audit_actions(customers.pid) == events
    assert customers.get(first["id"]) == first


# --- bad input ----------------------------------------------------------------------------------


BAD_CREATES: dict[str, tuple[dict[str, Any], str]] = {
    "no external_id": ({}, "external_id"),
    "empty external_id": ({"external_id": ""}, "external_id"),
    "external_id too long": ({"external_id": "x" * 257}, "external_id"),
    "external_id with a newline": ({"external_id": "a\nb"}, "external_id"),
    "external_id ending in a newline": ({"external_id": "ab\n"}, "external_id"),
    "external_id with a NUL": ({"external_id": "a\x00b"}, "external_id"),
    "external_id not a string": ({"external_id": 42}, "external_id"),
    "unknown field": ({"external_id": "c", "colour": "red"}, "colour"),
    "meta over 4 KiB": ({"external_id": "c", "meta": {"blob": "x" * 4096}}, "meta"),
    "meta nested past 8 levels": ({"external_id": "c", "meta": {"a": [[[[[[[[1]]]]]]]]}}, "meta"),
    "meta not an object": ({"external_id": "c", "meta": ["a"]}, "meta"),
    "limit 0": ({"external_id": "c", "ratelimits": [LIMITS[0] | {"limit": 0}]}, "ratelimits[0].limit"),
    "limit negative": ({"external_id": "c", "ratelimits": [LIMITS[0] | {"limit": -1}]}, "ratelimits[0].limit"),
    "limit over 10^9": ({"external_id": "c", "ratelimits": [LIMITS[0] | {"limit": 10**9 + 1}]}, "ratelimits[0].limit"),
    "duration 0": (
        {"external_id": "c", "ratelimits": [LIMITS[0] | {"duration_seconds": 0}]},
        "ratelimits[0].duration_seconds",
    ),
    "duration past 31 days": (
        {"external_id": "c", "ratelimits": [LIMITS[0] | {"duration_seconds": 2_678_401}]},
        "ratelimits[0].duration_seconds",
    ),
    "bad limit name": ({"external_id": "c", "ratelimits": [LIMITS[0] | {"name": "Requests!"}]}, "ratelimits[0].name"),
    "11 limits": (
        {"external_id": "c", "ratelimits": [LIMITS[0] | {"name": f"l{n}"} for n in range(11)]},
        "ratelimits",
    ),
    "duplicate limit names": ({"external_id": "c", "ratelimits": [LIMITS[0], LIMITS[0]]}, "ratelimits[1].name"),
    "negative credits": ({"external_id": "c", "credits": {"remaining": -1}}, "credits.remaining"),
    "huge credits": ({"external_id": "c", "credits": {"remaining": 10**12 + 1}}, "credits.remaining"),
    "credits without remaining": ({"external_id": "c", "credits": {"refill": None}}, "credits.remaining"),
    "day_of_month with a daily refill": (
        {
            "external_id": "c",
            "credits": {"remaining": 1, "refill": {"amount": 1, "interval": "day", "day_of_month": 3}},
        },
        "credits.refill.day_of_month",
    ),
    "day_of_month 32": (
        {
            "external_id": "c",
            "credits": {"remaining": 1, "refill": {"amount": 1, "interval": "month", "day_of_month": 32}},
        },
        "credits.refill.day_of_month",
    ),
    "refill every week": (
        {"external_id": "c", "credits": {"remaining": 1, "refill": {"amount": 1, "interval": "week"}}},
        "credits.refill.interval",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CREATES))
def test_bad_input_is_422_on_its_field_and_creates_nothing(customers: Customers, case: str) -> None:
    body, field = BAD_CREATES[case]
    reply = customers.api.post(customers.path, body, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
    assert field in [e["field"] for e in reply.json["errors"]], reply.json
    assert stored_identities(customers.pid) == [] and stored_names(customers.pid) == {}


def test_external_ids_up_to_256_characters_of_any_script_are_kept_as_sent(customers: Customers) -> None:
    # 256 four-byte characters: 1,024 bytes, DynamoDB's most for a sort key (the name guard's).
    for external_id in ("x" * 256, "😀" * 256, "user@example.com", "a b", "кирилл"):
        created = customers.create(external_id)
        assert created["external_id"] == external_id
        assert customers.listed(f"?external_id={_quoted(external_id)}")["items"] == [created]
    too_long = customers.api.get(f"{customers.path}?external_id={'x' * 257}", as_user="ann")
    assert (too_long.status, too_long.code) == (422, "validation_failed")


def _quoted(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_just_under_the_meta_bounds_is_fine(customers: Customers) -> None:
    assert customers.create_reply("c1", meta={"blob": "x" * 4000}).status == 201
    assert customers.create_reply("c2", meta={"a": [[[[[[[1]]]]]]]}).status == 201


@pytest.mark.parametrize("field", ["external_id", "id", "project_id", "created_at"])
def test_patching_an_immutable_field_is_immutable_field(customers: Customers, field: str) -> None:
    identity = customers.create("cus_1")
    reply = customers.patch(identity["id"], {field: "other", "meta": {"a": 1}})
    assert (reply.status, reply.code) == (422, "immutable_field"), reply.body
    assert [e["field"] for e in reply.json["errors"]] == [field]
    assert customers.get(identity["id"]) == identity


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"meta": {"blob": "x" * 4096}}, "meta"),
        ({"ratelimits": [LIMITS[0], LIMITS[0]]}, "ratelimits[1].name"),
        (
            {"credits": {"remaining": 1, "refill": {"amount": 1, "interval": "day", "day_of_month": 1}}},
            "credits.refill.day_of_month",
        ),
        ({"credits": {"remaining": -5}}, "credits.remaining"),
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(customers: Customers, changes: dict[str, Any], field: str) -> None:
    identity = customers.create("cus_1", credits={"remaining": 5})
    reply = customers.patch(identity["id"], changes)
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
    assert field in [e["field"] for e in reply.json["errors"]]
    assert customers.get(identity["id"]) == identity


# --- who may --------------------------------------------------------------------------------


def every_route(customers: Customers, identity_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    one = f"{customers.path}/{identity_id}"
    return [
        ("GET", customers.path, None),
        ("GET", f"{customers.path}?external_id=cus_1", None),
        ("POST", customers.path, {"external_id": "cus_new"}),
        ("GET", one, None),
        ("PATCH", one, {"meta": {"x": 1}}),
        ("POST", f"{one}/credits", {"op": "increment", "value": 1}),
        ("DELETE", one, None),
    ]


def test_owners_and_admins_manage_identities_other_members_get_403_outsiders_404(customers: Customers) -> None:
    identity = customers.create("cus_1", credits={"remaining": 5})
    for user in ("ed", "dev", "vic"):
        for method, path, body in every_route(customers, identity["id"]):
            reply = customers.api.request(method, path, json_body=body, as_user=user)
            assert (reply.status, reply.code) == (403, "forbidden"), (user, method, path)
    for method, path, body in every_route(customers, identity["id"]):
        reply = customers.api.request(method, path, json_body=body, as_user="mallory")
        assert (reply.status, reply.code) == (404, "not_found"), (method, path)
        assert b"cus_1" not in reply.body
    assert customers.get(identity["id"]) == identity
    assert [i["external_id"] for i in customers.listed()["items"]] == ["cus_1"]

    # An admin does all of it.
    for method, path, body in every_route(customers, identity["id"]):
        reply = customers.api.request(method, path, json_body=body, as_user="alice")
        assert reply.status in (200, 201, 204), (method, path, reply.body)


def test_another_projects_identity_is_404(customers: Customers) -> None:
    mine = customers.create("cus_1", credits={"remaining": 5})
    other_pid = customers.api.project(owner="ann", name="Other")
    other = f"/v1/projects/{other_pid}/identities"
    for method, body in (("GET", None), ("PATCH", {"meta": {}}), ("DELETE", None)):
        reply = customers.api.request(method, f"{other}/{mine['id']}", json_body=body, as_user="ann")
        assert (reply.status, reply.code) == (404, "not_found"), (method, reply.body)
    credits = customers.api.post(f"{other}/{mine['id']}/credits", {"op": "set", "value": 0}, as_user="ann")
    assert (credits.status, credits.code) == (404, "not_found")
    assert customers.api.get(f"{other}?external_id=cus_1", as_user="ann").json["items"] == []
    assert customers.get(mine["id"]) == mine
    for unknown in (MISSING, "nonsense", "rol_00000000000000000000000000"):
        reply = customers.api.get(f"{customers.path}/{unknown}", as_user="ann")
        assert (reply.status, reply.code) == (404, "not_found"), unknown


# --- credits ----------------------------------------------------------------------------------


def test_credits_are_set_incremented_and_decremented_never_below_zero(customers: Customers) -> None:
    identity = customers.create("cus_1", credits={"remaining": 10})
    steps = [("set", 5, 5), ("increment", 3, 8), ("decrement", 2, 6), ("decrement", 100, 0), ("decrement", 1, 0)]
    for op, value, remaining in steps:
        reply = customers.credits(identity["id"], op, value)
        assert reply.status == 200, reply.body
        assert reply.json == {"remaining": remaining}, (op, value)
        assert customers.get(identity["id"])["credits"]["remaining"] == remaining
    assert customers.credits(identity["id"], "increment", 7).json == {"remaining": 7}
    assert customers.listed()["items"][0]["credits"]["remaining"] == 7


@pytest.mark.parametrize(
    "body", [{"op": "add", "value": 1}, {"op": "set", "value": -1}, {"op": "set"}, {"op": "set", "value": 1, "x": 1}]
)
def test_a_bad_credits_change_is_422(customers: Customers, body: dict[str, Any]) -> None:
    identity = customers.create("cus_1", credits={"remaining": 10})
    reply = customers.api.post(f"{customers.path}/{identity['id']}/credits", body, as_user="ann")
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
    assert customers.get(identity["id"])["credits"]["remaining"] == 10


def test_an_unlimited_identity_has_no_balance_to_change(customers: Customers) -> None:
    identity = customers.create("cus_1")
    reply = customers.credits(identity["id"], "increment", 5)
    assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert "PATCH" in reply.json["detail"]
    assert customers.get(identity["id"])["credits"] is None


def test_credits_given_by_patch_set_the_balance_and_null_makes_it_unlimited(customers: Customers) -> None:
    identity = customers.create("cus_1", ratelimits=LIMITS)
    given = customers.patch(identity["id"], {"credits": {"remaining": 7, "notify_below": 2}})
    assert given.status == 200, given.body
    assert given.json["credits"] == {"remaining": 7, "refill": None, "notify_below": 2}
    assert given.json["ratelimits"] == LIMITS  # left as they were
    assert customers.credits(identity["id"], "decrement", 3).json == {"remaining": 4}

    # Other changes keep the balance as spent.
    kept = customers.patch(identity["id"], {"ratelimits": [], "meta": {"m": 1}})
    assert kept.status == 200, kept.body
    assert (kept.json["ratelimits"], kept.json["credits"]["remaining"]) == ([], 4)
    assert customers.get(identity["id"]) == kept.json

    # New credits replace the balance, whatever it was.
    replaced = customers.patch(
        identity["id"], {"credits": {"remaining": 50, "refill": {"amount": 20, "interval": "day"}}}
    )
    assert replaced.json["credits"]["remaining"] == 50
    assert customers.get(identity["id"])["credits"]["remaining"] == 50

    unlimited = customers.patch(identity["id"], {"credits": None})
    assert unlimited.status == 200 and unlimited.json["credits"] is None
    assert customers.get(identity["id"])["credits"] is None
    assert customers.credits(identity["id"], "set", 1).status == 409

    back = customers.patch(identity["id"], {"credits": {"remaining": 3}})
    assert back.json["credits"]["remaining"] == 3 and customers.get(identity["id"])["credits"]["remaining"] == 3


def test_a_new_period_starts_at_the_refill_amount(customers: Customers, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = customers.create("cus_1", credits={"remaining": 3, "refill": {"amount": 50, "interval": "day"}})
    assert customers.credits(identity["id"], "decrement", 1).json == {"remaining": 2}
    real_now = identity_cases.now
    monkeypatch.setattr(identity_cases, "now", lambda: real_now() + DAY)
    assert customers.get(identity["id"])["credits"]["remaining"] == 50
    assert customers.credits(identity["id"], "decrement", 5).json == {"remaining": 45}


def test_an_empty_patch_changes_nothing(customers: Customers) -> None:
    identity = customers.create("cus_1", credits={"remaining": 5})
    events = audit_actions(customers.pid)
    reply = customers.patch(identity["id"], {})
    assert reply.status == 200 and reply.json == identity
    assert audit_actions(customers.pid) == events


# --- audit and webhooks ----------------------------------------------------------------------


def test_every_change_is_audited_and_announced_with_the_identity_as_get_shows_it(customers: Customers) -> None:
    identity = customers.create("cus_1", meta={"plan": "pro"}, credits={"remaining": 10})
    changed = customers.patch(identity["id"], {"ratelimits": LIMITS}).json
    assert customers.credits(identity["id"], "decrement", 4).json == {"remaining": 6}
    before_delete = customers.get(identity["id"])
    assert customers.api.delete(f"{customers.path}/{identity['id']}", as_user="alice").status == 204

    events = customers.audit()
    assert [(e["action"], e["actor"], e["target"]) for e in events] == [
        ("identity.created", "ann", {"type": "identity", "id": identity["id"]}),
        ("identity.updated", "ann", {"type": "identity", "id": identity["id"]}),
        ("identity.credits_changed", "ann", {"type": "identity", "id": identity["id"]}),
        ("identity.deleted", "alice", {"type": "identity", "id": identity["id"]}),
    ]
    assert events[0]["details"] == {"external_id": "cus_1"}
    assert events[1]["details"] == {"changed": ["ratelimits"]}
    # Audited in the transaction of the change itself, which cannot know the balance it leaves.
    assert events[2]["details"] == {"op": "decrement", "value": 4}

    announced = [(m["type"], m["data"]) for m in outbox_messages() if m["type"].startswith("identity.")]
    assert announced == [
        ("identity.created", identity),
        ("identity.updated", changed),
        ("identity.deleted", before_delete),
    ]


def test_identity_events_reach_a_subscribed_webhook_signed(customers: Customers) -> None:
    api = customers.api
    with serving() as receiver:
        events = ["identity.created", "identity.updated", "identity.deleted"]
        hook = api.post(
            f"/v1/projects/{customers.pid}/webhooks", {"url": receiver.url(), "events": events}, as_user="ann"
        )
        assert hook.status == 201, hook.body
        identity = customers.create("cus_1")
        changed = customers.patch(identity["id"], {"meta": {"a": 1}}).json
        assert api.delete(f"{customers.path}/{identity['id']}", as_user="ann").status == 204
        summary = dispatch()
        assert summary["sent"] == {"succeeded": 3}, summary
        got = {m["type"]: m["data"] for m in (verified(hit, hook.json["secret"]) for hit in receiver.hits)}
    assert got == {"identity.created": identity, "identity.updated": changed, "identity.deleted": changed}


# --- races (the guards of chalicelib/store/identities.py) -----------------------------------------


def test_a_change_that_raced_a_deletion_does_not_bring_the_identity_back(customers: Customers) -> None:
    # Guard: IdentityModel.id.exists() in add_update.
    identity = customers.create("cus_1")
    stale = identity_store.get_identity(customers.pid, identity["id"])
    assert customers.api.delete(f"{customers.path}/{identity['id']}", as_user="ann").status == 204
    events = audit_actions(customers.pid)

    with refused(404, "not_found"):
        identity_cases.update_identity(stale, identity_cases.IdentityChange(meta={"back": True}), "ann")
    assert stored_identities(customers.pid) == []
    assert audit_actions(customers.pid) == events


def test_a_stale_deletion_leaves_the_external_id_to_the_identity_that_took_it(customers: Customers) -> None:
    # Guard: IdentityModel.id.exists() in add_deletion: without it, a deletion that read the old
    # identity would free the external id of the new one (and audit a deletion twice).
    old = customers.create("cus_1")
    stale = identity_store.get_identity(customers.pid, old["id"])
    assert customers.api.delete(f"{customers.path}/{old['id']}", as_user="ann").status == 204
    new = customers.create("cus_1")
    events = audit_actions(customers.pid)

    with refused(404, "not_found"):
        identity_cases.delete_identity(stale, "ann")
    assert stored_names(customers.pid) == {"cus_1": new["id"]}
    assert audit_actions(customers.pid) == events
    assert customers.create_reply("cus_1").status == 409


@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_nothing_changes_in_a_project_whose_deletion_began(
    api: Api, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    # Guard: project_is_live in add_identity, add_update and add_deletion: the request read the
    # project live, then its deletion began.
    scene = Scene(api)
    created = api.post(f"/v1/projects/{scene.pid}/identities", {"external_id": "cus_1"}, as_user="ann")
    assert created.status == 201, created.body
    identity = identity_store.get_identity(scene.pid, created.json["id"])
    scene.begin_deletion(monkeypatch)
    before, events = stored_identities(scene.pid), audit_actions(scene.pid)

    with refused(404, "not_found"):
        if operation == "create":
            identity_cases.create_identity(
                scene.pid, "cus_2", {}, identity_store.identity_limits(identity), None, "ann"
            )
        elif operation == "update":
            identity_cases.update_identity(identity, identity_cases.IdentityChange(meta={"a": 1}), "ann")
        else:
            identity_cases.delete_identity(identity, "ann")
    assert stored_identities(scene.pid) == before
    assert stored_names(scene.pid) == {"cus_1": identity.id}
    assert audit_actions(scene.pid) == events
