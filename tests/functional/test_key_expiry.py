"""The key part of the expiry sweep (issue 9): `key.expiring` once per key, 7 days before it
expires, then the record of its expiry (audit `key.expired`), and keys leaving the watch.

Time passing is simulated by sweeping at a later `at` (`key_expiry.sweep(at=...)`); the
races are reproduced by handing `key_expiry._look_at` a key read before a concurrent change.
What is asserted is what users see: webhook deliveries, audit events, key views, and the
sweep's summary (a key that left the watch is not read again).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.clock import parse_rfc3339, rfc3339
from chalicelib.store import event_data, key_expiry
from chalicelib.store import keys as key_store
from chalicelib.store.key_models import ApiKeyModel
from tests.functional.conftest import Api
from tests.functional.races import audit_actions
from tests.functional.test_webhooks import Receiver, Scene, dispatch, serving, verified

DAY = 86400.0
NOTHING = {"expiring": 0, "expired": 0, "deferred": 0, "unwatched": 0, "conflicts": 0}


def counts(**some: int) -> dict[str, int]:
    """A sweep's summary: `some` outcomes, the others 0."""
    return NOTHING | some


def sweep(days: float = 0.0) -> dict[str, int]:
    """One sweep of the keys, as if it ran `days` from now."""
    return key_expiry.sweep(at=time.time() + days * DAY)


def in_days(days: float) -> str:
    return rfc3339(time.time() + days * DAY)


class Watch:
    """A project (ann's) with one endpoint subscribed to every event, as its receiver sees it."""

    def __init__(self, api: Api, receiver: Receiver) -> None:
        self.scene = Scene(api)
        self.receiver = receiver
        webhook, self.secret = self.scene.subscribe(receiver.url())
        self.webhook_id: str = webhook["id"]

    @property
    def pid(self) -> str:
        return self.scene.pid

    def issue(self, **fields: Any) -> dict[str, Any]:
        """A new opaque key (its view)."""
        key: dict[str, Any] = self.scene.issue(**fields)["key"]
        return key

    def key_path(self, key_id: str) -> str:
        return f"{self.scene.path}/keys/{key_id}"

    def get(self, key_id: str) -> dict[str, Any]:
        reply = self.scene.api.get(self.key_path(key_id), as_user="ann")
        assert reply.status == 200, reply.body
        view: dict[str, Any] = reply.json
        return view

    def patch(self, key_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        reply = self.scene.api.patch(self.key_path(key_id), changes, as_user="ann")
        assert reply.status == 200, reply.body
        view: dict[str, Any] = reply.json
        return view

    def revoke(self, key_id: str) -> None:
        reply = self.scene.api.delete(self.key_path(key_id), as_user="ann")
        assert reply.status == 204, reply.body

    def reroll(self, key_id: str, grace_seconds: int) -> dict[str, Any]:
        """The successor's view."""
        reply = self.scene.api.post(f"{self.key_path(key_id)}/reroll", {"grace_seconds": grace_seconds}, as_user="ann")
        assert reply.status == 200, reply.body
        new: dict[str, Any] = reply.json["key"]
        return new

    def announced(self) -> list[dict[str, Any]]:
        """Every `key.expiring` delivered so far (signed with the endpoint's secret), oldest first."""
        dispatch()
        return [
            verified(hit, self.secret)["data"] for hit in self.receiver.hits if hit.message["type"] == "key.expiring"
        ]

    def announced_ids(self) -> list[str]:
        return [data["id"] for data in self.announced()]

    def sweep_events(self, action: str) -> list[dict[str, Any]]:
        """The audit events of `action`, oldest first."""
        return [e for e in reversed(self.scene.audit_events()) if e["action"] == action]

    def swept(self, action: str) -> list[str]:
        """The keys the sweep recorded `action` for (all by the sweep), oldest first."""
        events = self.sweep_events(action)
        assert {e["actor"] for e in events} <= {key_expiry.SWEEPER}, events
        return [e["target"]["id"] for e in events]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


@pytest.fixture
def watch(api: Api, receiver: Receiver) -> Watch:
    return Watch(api, receiver)


def stale(key_id: str, pid: str) -> ApiKeyModel:
    """The key as a sweep reads it before acting."""
    return ApiKeyModel.get(pid, key_id, consistent_read=True)


# --- 1. once, a week ahead ---------------------------------------------------------------


def test_a_key_expiring_within_the_week_is_announced_once(watch: Watch) -> None:
    issued = watch.scene.issue(expires_at=in_days(3))
    key, secret = issued["key"], issued["secret"]["key"]

    # The scheduled job, as the local stage runs it on demand.
    ran = watch.scene.api.post("/v1/dev/jobs/expiry-sweep")
    assert ran.status == 200, ran.body
    assert ran.json["result"]["keys"] == counts(expiring=1)

    (data,) = watch.announced()
    assert data == watch.get(key["id"])  # the key as GET shows it
    assert data["status"] == "active" and data["expires_at"] == key["expires_at"]
    (hit,) = [h for h in watch.receiver.hits if h.message["type"] == "key.expiring"]
    assert secret.encode() not in hit.body and secret[3:].encode() not in hit.body
    assert set(data) == set(key)

    # Later runs before it expires look at it no more (it waits for its expiry).
    assert sweep() == NOTHING
    assert sweep(1) == NOTHING
    assert len(watch.announced()) == 1

    assert watch.swept("key.expiring") == [key["id"]]
    (event,) = watch.sweep_events("key.expiring")
    assert event["actor"] == "system:expiry-sweep"
    assert event["target"] == {"type": "key", "id": key["id"]}
    assert audit_actions(watch.pid).count("key.expiring") == 1


# --- 2. a key's whole course ----------------------------------------------------------------


def test_a_key_is_announced_a_week_ahead_then_its_expiry_recorded_once(
    watch: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = watch.issue(expires_at=in_days(30))
    expires = parse_rfc3339(key["expires_at"])

    assert sweep() == NOTHING
    assert sweep(22.9) == NOTHING  # more than 7 days ahead
    assert watch.announced() == []

    assert sweep(24) == counts(expiring=1)
    assert watch.announced_ids() == [key["id"]]
    assert sweep(25) == NOTHING  # announced: next looked at when it expires

    assert sweep(31) == counts(expired=1)
    assert sweep(31) == NOTHING
    assert sweep(400) == NOTHING  # it left the watch: nothing more is read
    assert watch.swept("key.expired") == [key["id"]]
    (recorded,) = watch.sweep_events("key.expired")
    assert recorded["details"] == {"expires_at": key["expires_at"]}
    assert watch.swept("key.expiring") == [key["id"]]
    assert len(watch.announced()) == 1  # `key.expired` is not a webhook event

    # Seen once time has passed, the key's view says expired.
    later = expires + DAY
    monkeypatch.setattr(event_data, "now", lambda: later)
    view = watch.get(key["id"])
    assert view["status"] == "expired" and view["expires_at"] == key["expires_at"]


# --- 3. keys the sweep leaves alone ---------------------------------------------------------


def test_keys_without_expiry_are_never_read(watch: Watch) -> None:
    watch.issue()
    watch.issue()
    assert sweep() == NOTHING
    assert sweep(3650) == NOTHING
    assert watch.announced() == []
    assert not {"key.expiring", "key.expired"} & set(audit_actions(watch.pid))


def test_a_key_revoked_before_its_warning_is_not_announced_and_leaves_the_watch(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(30))
    watch.revoke(key["id"])

    assert sweep(24) == counts(unwatched=1)
    assert sweep(31) == NOTHING
    assert sweep(400) == NOTHING
    assert watch.announced() == []
    assert not {"key.expiring", "key.expired"} & set(audit_actions(watch.pid))
    assert watch.get(key["id"])["status"] == "revoked"


def test_a_key_revoked_after_its_warning_gets_no_expiry_record(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    assert sweep() == counts(expiring=1)
    watch.revoke(key["id"])

    assert sweep(4) == counts(unwatched=1)
    assert sweep(400) == NOTHING
    assert watch.announced_ids() == [key["id"]]
    assert watch.swept("key.expired") == []


def test_a_rerolled_key_gets_no_warning_for_its_grace_but_its_expiry_is_recorded(watch: Watch) -> None:
    old = watch.issue(expires_at=in_days(30))
    new = watch.reroll(old["id"], grace_seconds=3600)
    assert new["expires_at"] is not None and parse_rfc3339(new["expires_at"]) > time.time() + 29 * DAY
    grace_end = parse_rfc3339(watch.get(old["id"])["expires_at"])
    assert time.time() + 3600 - 5 <= grace_end <= time.time() + 3600

    # Its grace ends within the week, but `key.rerolled` announced that.
    assert sweep() == NOTHING
    assert sweep(1 / 48) == NOTHING  # half an hour: neither expired nor to be announced
    assert sweep(1 / 12) == counts(expired=1)  # two hours: the predecessor's expiry recorded
    assert watch.swept("key.expired") == [old["id"]]
    assert watch.announced() == []
    rerolled = [h.message for h in watch.receiver.hits if h.message["type"] == "key.rerolled"]
    assert [m["data"]["id"] for m in rerolled] == [old["id"]]

    # The successor keeps its own watch: announced a week ahead of its own expiry.
    assert sweep(22.9) == NOTHING
    assert sweep(24) == counts(expiring=1)
    assert watch.announced_ids() == [new["id"]]
    assert sweep(31) == counts(expired=1)
    assert watch.swept("key.expired") == [old["id"], new["id"]]
    assert sweep(400) == NOTHING


def test_a_key_rerolled_within_its_last_week_is_not_announced_but_its_successor_is(watch: Watch) -> None:
    old = watch.issue(expires_at=in_days(3))
    new = watch.reroll(old["id"], grace_seconds=7 * 86400)  # the grace ends when the old key would have expired
    assert watch.get(old["id"])["expires_at"] == old["expires_at"]

    # The successor (3 days' lifetime too) is announced at once; the predecessor never is.
    assert sweep() == counts(expiring=1)
    assert watch.announced_ids() == [new["id"]]
    assert sweep(2) == NOTHING
    assert sweep(4) == counts(expired=2)
    assert sorted(watch.swept("key.expired")) == sorted([old["id"], new["id"]])
    assert watch.announced_ids() == [new["id"]]


# --- 4. PATCH moves the watch ---------------------------------------------------------------


def test_bringing_an_expiry_forward_makes_the_next_sweep_announce_it(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(30))
    assert sweep() == NOTHING
    changed = watch.patch(key["id"], {"expires_at": in_days(2)})

    assert sweep() == counts(expiring=1)
    (data,) = watch.announced()
    assert data["expires_at"] == changed["expires_at"] and data == watch.get(key["id"])
    assert sweep(3) == counts(expired=1)


def test_an_expiry_pushed_back_out_of_the_week_is_announced_a_week_before_the_new_date(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(10))
    moved = watch.patch(key["id"], {"expires_at": in_days(40)})
    assert sweep(4) == NOTHING  # the old warning time
    assert sweep(32) == NOTHING
    assert sweep(34) == counts(expiring=1)
    (data,) = watch.announced()
    assert data["id"] == key["id"] and data["expires_at"] == moved["expires_at"]


def test_removing_the_expiry_of_an_opaque_key_takes_it_off_the_watch(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(30))
    assert watch.patch(key["id"], {"expires_at": None})["expires_at"] is None
    assert sweep(24) == NOTHING
    assert sweep(400) == NOTHING

    # Also once it was announced: no expiry, nothing more to record.
    announced = watch.issue(expires_at=in_days(3))
    assert sweep() == counts(expiring=1)
    watch.patch(announced["id"], {"expires_at": None})
    assert sweep(4) == NOTHING
    assert sweep(400) == NOTHING
    assert watch.announced_ids() == [announced["id"]]
    assert watch.swept("key.expired") == []


def test_an_announced_key_whose_expiry_moves_later_is_not_announced_again(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    assert sweep() == counts(expiring=1)
    moved = watch.patch(key["id"], {"expires_at": in_days(30)})

    assert sweep(4) == NOTHING  # the old expiry is no longer anything to record
    assert sweep(24) == NOTHING  # once per key: no second warning
    assert sweep(31) == counts(expired=1)
    assert sweep(400) == NOTHING
    assert watch.announced_ids() == [key["id"]]
    assert watch.swept("key.expired") == [key["id"]]
    assert watch.sweep_events("key.expired")[0]["details"] == {"expires_at": moved["expires_at"]}


def test_a_jwt_key_brought_forward_is_announced(watch: Watch) -> None:
    key = watch.scene.issue("jwt", expires_at=in_days(30))["key"]
    extended = watch.scene.api.patch(watch.key_path(key["id"]), {"expires_at": in_days(60)}, as_user="ann")
    assert (extended.status, extended.code) == (422, "validation_failed"), extended.body
    assert sweep() == NOTHING
    watch.patch(key["id"], {"expires_at": in_days(2)})
    assert sweep() == counts(expiring=1)
    (data,) = watch.announced()
    assert data == watch.get(key["id"]) and data["type"] == "jwt"


# --- 5. races: each write requires the key as read ---------------------------------------------


def test_two_sweeps_that_read_the_key_before_either_wrote_announce_it_once(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    at = time.time()
    assert key_expiry._look_at(read, at) == "expiring"
    assert key_expiry._look_at(read, at) == "conflicts"
    assert watch.announced_ids() == [key["id"]]
    assert watch.swept("key.expiring") == [key["id"]]
    assert sweep() == NOTHING


def test_two_sweeps_that_read_an_expired_key_record_its_expiry_once(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    at = time.time() + 4 * DAY
    assert key_expiry._look_at(read, at) == "expired"
    assert key_expiry._look_at(read, at) == "conflicts"
    assert watch.swept("key.expired") == [key["id"]]
    assert watch.announced() == []  # seen only after it expired
    assert sweep(400) == NOTHING


def test_a_patch_between_the_sweeps_read_and_write_wins_and_the_next_sweep_uses_it(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    moved = watch.patch(key["id"], {"expires_at": in_days(60)})

    assert key_expiry._look_at(read, time.time()) == "conflicts"
    assert watch.announced() == []
    assert watch.swept("key.expiring") == []

    # The next sweep reads the key again: nothing is due now, the warning comes a week
    # before the new expiry, with it.
    assert sweep() == NOTHING
    assert sweep(52.9) == NOTHING
    assert sweep(54) == counts(expiring=1)
    (data,) = watch.announced()
    assert data["expires_at"] == moved["expires_at"]


def test_a_patch_between_the_read_and_the_expiry_record_wins(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    moved = watch.patch(key["id"], {"expires_at": in_days(30)})

    assert key_expiry._look_at(read, time.time() + 4 * DAY) == "conflicts"
    assert watch.swept("key.expired") == []
    assert sweep(4) == NOTHING
    assert sweep(31) == counts(expired=1)
    assert watch.sweep_events("key.expired")[0]["details"] == {"expires_at": moved["expires_at"]}


def test_a_revocation_between_the_sweeps_read_and_write_means_no_announcement(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    watch.revoke(key["id"])

    assert key_expiry._look_at(read, time.time()) == "conflicts"
    assert watch.announced() == []
    assert watch.swept("key.expiring") == []
    assert sweep() == counts(unwatched=1)
    assert sweep(400) == NOTHING


def test_a_revocation_between_the_read_and_the_expiry_record_means_no_record(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    watch.revoke(key["id"])

    assert key_expiry._look_at(read, time.time() + 4 * DAY) == "conflicts"
    assert watch.swept("key.expired") == []
    assert sweep(4) == counts(unwatched=1)
    assert sweep(400) == NOTHING


def test_a_reroll_between_the_sweeps_read_and_write_means_no_announcement_of_the_predecessor(
    watch: Watch,
) -> None:
    key = watch.issue(expires_at=in_days(3))
    read = stale(key["id"], watch.pid)
    # A grace longer than its remaining life leaves its expiry as it was: only the successor changed.
    new = watch.reroll(key["id"], grace_seconds=7 * 86400)
    assert watch.get(key["id"])["expires_at"] == key["expires_at"]

    assert key_expiry._look_at(read, time.time()) == "conflicts"
    assert watch.announced() == []
    assert sweep() == counts(expiring=1)  # the successor
    assert watch.announced_ids() == [new["id"]]


def test_a_stale_unwatch_does_not_drop_a_key_given_an_expiry_meanwhile(watch: Watch) -> None:
    # A sweep reads a key without expiry (as one whose expiry was just removed); the key is
    # then given one before the sweep takes it off the watch.
    key = watch.issue(expires_at=in_days(3))
    watch.patch(key["id"], {"expires_at": None})
    read = stale(key["id"], watch.pid)
    watch.patch(key["id"], {"expires_at": in_days(2)})

    assert key_expiry._look_at(read, time.time()) == "conflicts"
    assert sweep() == counts(expiring=1)
    assert watch.announced_ids() == [key["id"]]


def test_a_patch_that_read_the_key_before_its_announcement_does_not_get_it_announced_twice(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    patch_read = stale(key["id"], watch.pid)  # a PATCH reads the key ...
    assert sweep() == counts(expiring=1)  # ... the sweep announces it ...
    key_store.update_key(patch_read, {"expires_at": time.time() + 30 * DAY}, "ann")  # ... the PATCH writes

    # The PATCH set the warning time as for a key never announced; the sweep defers to the expiry.
    assert sweep(24) == counts(deferred=1)
    assert sweep(25) == NOTHING
    assert sweep(31) == counts(expired=1)
    assert sweep(400) == NOTHING
    assert watch.announced_ids() == [key["id"]]
    assert watch.swept("key.expired") == [key["id"]]


def test_a_stale_deferral_does_not_postpone_an_expiry_brought_forward(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    patch_read = stale(key["id"], watch.pid)
    assert sweep() == counts(expiring=1)
    key_store.update_key(patch_read, {"expires_at": time.time() + 30 * DAY}, "ann")

    # A sweep reads the key to defer it to its expiry; the expiry is brought forward meanwhile.
    sweep_read = stale(key["id"], watch.pid)
    watch.patch(key["id"], {"expires_at": in_days(26)})
    assert key_expiry._look_at(sweep_read, time.time() + 24 * DAY) == "conflicts"

    # The expiry is recorded when it comes, not when the stale read said.
    assert sweep(25) == NOTHING
    assert sweep(27) == counts(expired=1)
    assert watch.announced_ids() == [key["id"]]


# --- 6. first seen late ------------------------------------------------------------------------


def test_a_key_issued_with_less_than_a_week_left_is_announced_at_the_next_sweep(watch: Watch) -> None:
    short = watch.issue(expires_at=in_days(2))
    by_ttl = watch.issue(ttl_seconds=3600)
    watch.issue(expires_at=in_days(8))
    assert sweep() == counts(expiring=2)
    assert sorted(watch.announced_ids()) == sorted([short["id"], by_ttl["id"]])
    for data in watch.announced():
        assert data == watch.get(data["id"])


def test_a_key_first_swept_after_it_expired_gets_only_its_expiry_recorded(watch: Watch) -> None:
    key = watch.issue(ttl_seconds=1)
    time.sleep(max(0.0, parse_rfc3339(key["expires_at"]) + 0.05 - time.time()))
    assert watch.get(key["id"])["status"] == "expired"

    ran = watch.scene.api.post("/v1/dev/jobs/expiry-sweep")
    assert ran.status == 200, ran.body
    assert ran.json["result"]["keys"] == counts(expired=1)
    assert sweep() == NOTHING
    assert watch.announced() == []
    assert watch.swept("key.expiring") == []
    assert watch.swept("key.expired") == [key["id"]]

    # Also when simulated: a key expiring in 2 days, first swept after 3.
    later = watch.issue(expires_at=in_days(2))
    assert sweep(3) == counts(expired=1)
    assert watch.announced() == []
    assert watch.swept("key.expired") == [key["id"], later["id"]]


# --- keys watched again after their expiry was recorded ------------------------------------


def test_rerolling_an_expired_key_does_not_leave_it_stuck_on_the_watch(watch: Watch) -> None:
    key = watch.issue(ttl_seconds=1)
    time.sleep(max(0.0, parse_rfc3339(key["expires_at"]) + 0.05 - time.time()))
    assert sweep() == counts(expired=1)

    successor = watch.reroll(key["id"], grace_seconds=3600)  # the old expiry stays: already past

    # Taken off the watch at the next look, not read (and failed) at every sweep forever.
    # The successor, with the same 1-second lifetime, is announced and then expires.
    assert sweep() == counts(unwatched=1, expiring=1)
    assert sweep(1) == counts(expired=1)
    assert sweep(2) == NOTHING
    assert watch.swept("key.expired") == [key["id"], successor["id"]]


def test_an_expired_key_given_a_later_expiry_has_its_new_expiry_recorded(watch: Watch) -> None:
    key = watch.issue(expires_at=in_days(3))
    assert sweep() == counts(expiring=1)
    assert sweep(4) == counts(expired=1)

    watch.patch(key["id"], {"expires_at": in_days(30)})

    assert sweep(25) == NOTHING  # announced once already: looked at again when it expires
    assert sweep(31) == counts(expired=1)
    assert sweep(32) == NOTHING
    assert watch.swept("key.expired") == [key["id"], key["id"]]
    assert watch.swept("key.expiring") == [key["id"]]
