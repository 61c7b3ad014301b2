"""Races against the conditional writes of chalicelib/store/idempotency.py and pepper.py.

An Idempotency-Key is claimed by a conditional put (begin), and only its holder may store
the answer (complete) or give the key up (release). The races: a holder that died, or ran
past its lock or past the record's 24 hours, comes back after another request took the key
over. Covered elsewhere (test_idempotency.py), not repeated: a repeat while the first runs
is 409, an expired record may be claimed again, another body under the same key is 422.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain import clock
from chalicelib.errors import ConflictError
from chalicelib.store import idempotency, pepper
from chalicelib.store.idempotency_models import IdempotencyModel
from chalicelib.store.system_models import SystemItemModel
from tests.functional.conftest import Api
from tests.functional.races import Scene

ONCE = {"idempotency-key": "once"}


def project_names(api: Api) -> list[str]:
    return [p["name"] for p in api.get("/v1/projects?limit=100", as_user="ann").json["items"]]


def the_record() -> IdempotencyModel:
    (record,) = IdempotencyModel.scan()
    return record


def answer(body: str) -> idempotency.StoredResponse:
    return idempotency.StoredResponse(201, body, {"Content-Type": "application/json"})


def lock_runs_out(key: str) -> None:
    """The holder's lock (LOCK_SECONDS) is over: another request may take the key."""
    IdempotencyModel(key).update(actions=[IdempotencyModel.locked_until.set(0)])


def record_expires(key: str) -> None:
    """The record's 24 hours are over (DynamoDB's TTL may not have removed it yet)."""
    IdempotencyModel(key).update(actions=[IdempotencyModel.expires_at.set(datetime.now(UTC) - timedelta(seconds=1))])


# --- begin: who may claim a key ----------------------------------------------------------


def test_a_request_whose_holder_died_runs_again_but_only_with_the_same_body(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: the third branch of begin's condition, (in_progress) & (lock over) & (same request).
    def dies_before_storing_its_answer(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated: the function timed out")

    with monkeypatch.context() as patched:
        patched.setattr(idempotency, "complete", dies_before_storing_its_answer)
        died = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert died.status == 500
    lock_runs_out(the_record().key)

    other = api.post("/v1/projects", {"name": "Shipping"}, as_user="ann", headers=ONCE)
    assert (other.status, other.code) == (422, "idempotency_key_reused")
    retried = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert retried.status == 201 and "idempotent-replayed" not in retried.headers
    again = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert again.headers.get("idempotent-replayed") == "true" and again.json == retried.json
    # The dead attempt had created its project before dying: at least once, never a third time.
    assert project_names(api) == ["Billing", "Billing"]


def test_a_finished_request_is_replayed_after_its_lock_ran_out(api: Api) -> None:
    # Guard: state == "in_progress" in begin's third branch: a completed record is never claimed
    # again (until it expires), however old its lock.
    first = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert first.status == 201
    lock_runs_out(the_record().key)

    again = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert again.headers.get("idempotent-replayed") == "true" and again.json == first.json
    assert project_names(api) == ["Billing"]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> float:
    """Time stands still half-way through the current second."""
    at = int(time.time()) + 0.5
    monkeypatch.setattr(clock, "now", lambda: at)
    return at


def test_a_record_is_replayed_up_to_the_second_it_expires(api: Api, frozen: float) -> None:
    # Guard: expires_at < now (not <=) in begin: in its last second the record still answers.
    first = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    the_record().update(actions=[IdempotencyModel.expires_at.set(datetime.fromtimestamp(frozen, UTC))])

    again = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert again.headers.get("idempotent-replayed") == "true" and again.json == first.json
    assert project_names(api) == ["Billing"]


def test_a_running_request_holds_its_key_up_to_the_second_its_lock_ends(api: Api, frozen: float) -> None:
    # Guard: locked_until < now (not <=) in begin: in the lock's last second a repeat is 409.
    assert api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE).status == 201
    the_record().update(
        actions=[IdempotencyModel.state.set("in_progress"), IdempotencyModel.locked_until.set(int(frozen))]
    )

    busy = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=ONCE)
    assert (busy.status, busy.code) == (409, "conflict")
    assert project_names(api) == ["Billing"]


# --- complete and release: only the holder -------------------------------------------------


def test_a_holder_that_lost_its_key_to_a_retry_does_not_overwrite_the_retrys_answer(aws: None) -> None:
    # Guard: state == "in_progress" in complete's condition.
    assert idempotency.begin("k", "same") is None  # A claims, then runs past its lock
    lock_runs_out("k")
    assert idempotency.begin("k", "same") is None  # B, the client's retry, takes the key over
    idempotency.complete("k", "same", answer("B"))

    idempotency.complete("k", "same", answer("A"))  # A comes back
    replay = idempotency.begin("k", "same")
    assert replay is not None and replay.body == "B"


def test_a_holder_whose_record_expired_does_not_answer_for_another_request(aws: None) -> None:
    # Guard: request_hash == request_hash in complete's condition: the record now belongs to
    # another request (another body), still running.
    assert idempotency.begin("k", "first") is None
    record_expires("k")
    assert idempotency.begin("k", "second") is None

    idempotency.complete("k", "first", answer("first"))  # the first holder comes back
    with pytest.raises(ConflictError):
        idempotency.begin("k", "second")  # the second request is still running: nothing to replay
    idempotency.complete("k", "second", answer("second"))
    replay = idempotency.begin("k", "second")
    assert replay is not None and replay.body == "second"


def test_a_holder_that_lost_its_key_to_a_retry_does_not_release_the_retrys_answer(aws: None) -> None:
    # Guard: state == "in_progress" in release's condition.
    assert idempotency.begin("k", "same") is None
    lock_runs_out("k")
    assert idempotency.begin("k", "same") is None
    idempotency.complete("k", "same", answer("B"))

    idempotency.release("k", "same")  # A fails late and gives up the key it no longer holds
    replay = idempotency.begin("k", "same")
    assert replay is not None and replay.body == "B"


def test_a_holder_whose_record_expired_does_not_release_another_requests_claim(aws: None) -> None:
    # Guard: request_hash == request_hash in release's condition.
    assert idempotency.begin("k", "first") is None
    record_expires("k")
    assert idempotency.begin("k", "second") is None

    idempotency.release("k", "first")
    with pytest.raises(ConflictError):
        idempotency.begin("k", "second")  # still held by the second request: no parallel run


# --- the pepper is made once -----------------------------------------------------------------


def test_two_cold_processes_making_the_pepper_at_once_agree_on_the_first(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Guard: SystemItemModel.name.does_not_exist() in pepper._load_or_create. The loser read "no
    # pepper" before the winner stored it; an overwrite would make every key issued under the
    # winner's pepper unverifiable.
    scene = Scene(api)
    key_id, secret = scene.issue(scene.role())  # the winner's pepper is stored and in use
    sealed = SystemItemModel.get(pepper.PEPPER_ITEM, consistent_read=True).sealed
    real_get = SystemItemModel.get
    reads: list[str] = []

    def read_before_the_winner_stored_it(*args: Any, **kwargs: Any) -> SystemItemModel:
        reads.append(args[0])
        if len(reads) == 1:
            raise SystemItemModel.DoesNotExist()
        return real_get(*args, **kwargs)

    monkeypatch.setattr(pepper, "_pepper", None)  # this process starts cold
    monkeypatch.setattr(SystemItemModel, "get", staticmethod(read_before_the_winner_stored_it))
    pepper.digest(secret)
    monkeypatch.undo()

    assert SystemItemModel.get(pepper.PEPPER_ITEM, consistent_read=True).sealed == sealed
    assert reads == [pepper.PEPPER_ITEM, pepper.PEPPER_ITEM]  # it read the winner's after losing
    monkeypatch.setattr(pepper, "_pepper", None)
    assert scene.verify(secret)["key_id"] == key_id
