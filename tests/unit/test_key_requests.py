"""The key request's state machine: who may move it, from which state, to which, and what it records."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.key_requests import (
    AUTO_APPROVER,
    DEFAULT_LIFETIME_SECONDS,
    KeyRequest,
    Status,
    Transition,
)
from chalicelib.errors import ConflictError, ForbiddenError

REQUESTER, ADMIN = "ann", "bob"
CREATED, LIFETIME = 1_000.0, 600.0
DEADLINE = CREATED + LIFETIME


def pending() -> KeyRequest:
    return KeyRequest.new("krq_1", "prj_1", "tpl_1", REQUESTER, "for CI", at=CREATED, lifetime=LIFETIME)


def approved() -> KeyRequest:
    # Claimable until the same deadline as the pending request, so the two lapse together below.
    return pending().approve(ADMIN, CREATED + 1, key_id="key_1", note="ok", claim_within=LIFETIME - 1).state


# Every transition, as (name, how to attempt it on a value at a time, by a given person).
MOVES: dict[str, Callable[[KeyRequest, str, float], Transition]] = {
    "approve": lambda r, by, at: r.approve(by, at, key_id="key_2"),
    "deny": lambda r, by, at: r.deny(by, at, reason="no"),
    "cancel": lambda r, by, at: r.cancel(by, at),
    "claim": lambda r, by, at: r.claim(by, at),
}
# Who may attempt each move, and from which status it starts.
ALLOWED = {"approve": (ADMIN, Status.PENDING), "deny": (ADMIN, Status.PENDING), "cancel": (REQUESTER, Status.PENDING)}
ALLOWED["claim"] = (REQUESTER, Status.APPROVED)


def test_a_new_request_is_pending_until_its_deadline() -> None:
    request = pending()
    assert request.status_at(CREATED) is Status.PENDING
    assert request.status_at(DEADLINE - 0.001) is Status.PENDING
    assert request.status_at(DEADLINE) is Status.EXPIRED
    assert request.status is Status.PENDING  # derived on read, not stored


def test_approval_records_who_when_why_and_the_key_and_moves_the_version() -> None:
    step = pending().approve(ADMIN, CREATED + 5, key_id="key_9", note="for the release")
    assert step.event == "key_request.approved"
    state = step.state
    assert (state.status, state.decided_by, state.decided_at, state.note, state.key_id) == (
        Status.APPROVED,
        ADMIN,
        CREATED + 5,
        "for the release",
        "key_9",
    )
    assert state.version == pending().version + 1
    assert state.requester_id == REQUESTER


def test_approval_gives_the_requester_the_whole_claim_window_however_long_the_request_waited() -> None:
    late = CREATED + LIFETIME - 1
    assert pending().approve(ADMIN, late, key_id="key_9").state.expires_at == late + DEFAULT_LIFETIME_SECONDS
    assert pending().approve(ADMIN, late, key_id="key_9", claim_within=60).state.expires_at == late + 60


@pytest.mark.parametrize(
    ("start", "move", "status", "event"),
    [
        (pending, "deny", Status.DENIED, "key_request.denied"),
        (pending, "cancel", Status.CANCELLED, "key_request.cancelled"),
        (approved, "claim", Status.CLAIMED, "key_request.claimed"),
    ],
)
def test_each_allowed_move(start: Callable[[], KeyRequest], move: str, status: Status, event: str) -> None:
    by, _ = ALLOWED[move]
    step = MOVES[move](start(), by, CREATED + 2)
    assert (step.state.status, step.event) == (status, event)


@pytest.mark.parametrize("move", ["approve", "deny"])
def test_requesters_may_not_decide_their_own_request(move: str) -> None:
    with pytest.raises(ForbiddenError):
        MOVES[move](pending(), REQUESTER, CREATED + 1)


def test_a_template_that_approves_by_itself_may_approve_anyones_request() -> None:
    assert pending().approve(AUTO_APPROVER, CREATED, key_id="key_1").state.decided_by == AUTO_APPROVER


@pytest.mark.parametrize("move", ["cancel", "claim"])
def test_only_the_requester_may_cancel_or_claim(move: str) -> None:
    start = approved() if move == "claim" else pending()
    with pytest.raises(ForbiddenError):
        MOVES[move](start, ADMIN, CREATED + 2)


STATES: dict[str, Callable[[], KeyRequest]] = {
    "pending": pending,
    "approved": approved,
    "claimed": lambda: approved().claim(REQUESTER, CREATED + 2).state,
    "denied": lambda: pending().deny(ADMIN, CREATED + 1).state,
    "cancelled": lambda: pending().cancel(REQUESTER, CREATED + 1).state,
}


@pytest.mark.parametrize(
    ("state", "move"), [(state, move) for state in STATES for move in MOVES if ALLOWED[move][1].value != state]
)
def test_a_move_from_any_other_state_is_a_conflict(state: str, move: str) -> None:
    by, _ = ALLOWED[move]
    with pytest.raises(ConflictError):
        MOVES[move](STATES[state](), by, CREATED + 3)


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("state", ["pending", "approved"])
def test_nothing_moves_a_lapsed_request_but_its_expiry(move: str, state: str) -> None:
    by, _ = ALLOWED[move]
    with pytest.raises(ConflictError):
        MOVES[move](STATES[state](), by, DEADLINE)
    step = STATES[state]().expire(DEADLINE)
    assert (step.state.status, step.event) == (Status.EXPIRED, "key_request.expired")
    with pytest.raises(ConflictError):
        step.state.expire(DEADLINE + 1)  # recorded once


@pytest.mark.parametrize("state", ["pending", "approved"])
def test_a_request_within_its_deadline_cannot_be_expired(state: str) -> None:
    with pytest.raises(ConflictError):
        STATES[state]().expire(DEADLINE - 1)


@given(st.lists(st.sampled_from(sorted(MOVES)), max_size=6), st.floats(min_value=0, max_value=2 * LIFETIME))
def test_any_sequence_of_moves_ends_in_a_documented_state_and_counts_its_steps(moves: list[str], offset: float) -> None:
    request = pending()
    steps = 0
    for move in moves:
        by, _ = ALLOWED[move]
        try:
            request = MOVES[move](request, by, CREATED + offset).state
            steps += 1
        except (ConflictError, ForbiddenError):
            continue
    assert request.version == 1 + steps
    assert steps <= 2  # pending → approved → claimed is the longest path
    assert request.status in set(Status) - {Status.EXPIRED}
