"""The verification chain: one code per outcome, the first failure wins, and permission matching."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.verification import (
    EXPIRED,
    INSUFFICIENT_PERMISSIONS,
    NOT_FOUND,
    OWNER_NOT_PERMITTED,
    REVOKED,
    VALID,
    KeyRecord,
    Verdict,
    check,
    holds,
)

NOW = 1_800_000_000.0
PROJECT = "prj_mine"
HEALTHY = KeyRecord(
    key_id="key_1",
    project_id=PROJECT,
    owner_id="usr_1",
    role_id="rol_1",
    permissions=("orders:read", "invoices:*"),
    expires_at=NOW + 3600,
    revoked_at=None,
    owner_permitted=True,
    meta={"plan": "pro"},
)


def record(**changes: Any) -> KeyRecord:
    return msgspec.structs.replace(HEALTHY, **changes)


def verdict_of(key: KeyRecord | None, required: tuple[str, ...] = (), project_id: str = PROJECT) -> Verdict:
    return check(key, project_id, required, NOW)


# --- one code per outcome ---------------------------------------------------------------


def test_a_healthy_key_is_valid_and_carries_its_record() -> None:
    verdict = verdict_of(HEALTHY, ("orders:read",))
    assert verdict.code == VALID
    assert verdict.valid
    assert verdict.record == HEALTHY


def test_a_key_without_expiry_never_expires() -> None:
    assert check(record(expires_at=None), PROJECT, (), NOW + 100 * 365 * 86400).code == VALID


def test_no_permissions_asked_means_none_needed() -> None:
    assert verdict_of(record(permissions=())).code == VALID


def test_a_missing_key_is_not_found() -> None:
    verdict = verdict_of(None)
    assert verdict == Verdict(NOT_FOUND, None)
    assert not verdict.valid


@pytest.mark.parametrize(
    "other",
    [
        record(project_id="prj_other"),
        record(project_id="prj_other", revoked_at=NOW - 1),
        record(project_id="prj_other", expires_at=NOW - 1),
        record(project_id="prj_other", owner_permitted=False),
        record(project_id=PROJECT.upper()),
        record(project_id=""),
    ],
    ids=["healthy", "revoked", "expired", "owner-not-permitted", "case-differs", "empty-project"],
)
def test_a_key_of_another_project_is_indistinguishable_from_a_missing_one(other: KeyRecord) -> None:
    # Neither its state nor its record may leak to the other project.
    verdict = verdict_of(other, ("orders:write",))
    assert verdict == verdict_of(None, ("orders:write",))
    assert verdict.record is None
    assert not verdict.valid


@pytest.mark.parametrize("revoked_at", [NOW - 86400, NOW - 1, NOW], ids=["a-day-ago", "a-second-ago", "just-now"])
def test_a_revoked_key_is_revoked(revoked_at: float) -> None:
    verdict = verdict_of(record(revoked_at=revoked_at))
    assert verdict.code == REVOKED
    assert not verdict.valid


@pytest.mark.parametrize("expires_at", [NOW, NOW - 0.001, NOW - 86400], ids=["at", "just-after", "long-after"])
def test_a_key_is_expired_at_and_after_its_expiry(expires_at: float) -> None:
    verdict = verdict_of(record(expires_at=expires_at))
    assert verdict.code == EXPIRED
    assert not verdict.valid


def test_a_key_is_valid_just_before_its_expiry() -> None:
    assert verdict_of(record(expires_at=NOW + 0.001)).code == VALID


def test_a_key_whose_owner_lost_the_right_is_owner_not_permitted() -> None:
    verdict = verdict_of(record(owner_permitted=False))
    assert verdict.code == OWNER_NOT_PERMITTED
    assert not verdict.valid


@pytest.mark.parametrize(
    "required",
    [("orders:write",), ("orders:read", "orders:write"), ("orders:write", "orders:read"), ("invoices",), ("*",)],
    ids=["one-missing", "one-of-two-missing", "order-of-asks", "wildcard-is-a-prefix-with-colon", "asks-everything"],
)
def test_a_key_lacking_a_permission_is_insufficient(required: tuple[str, ...]) -> None:
    verdict = verdict_of(HEALTHY, required)
    assert verdict.code == INSUFFICIENT_PERMISSIONS
    assert not verdict.valid


@pytest.mark.parametrize(
    "required",
    [("orders:read",), ("invoices:read",), ("invoices:read", "orders:read", "invoices:pay:refund")],
)
def test_a_key_holding_every_permission_asked_is_valid(required: tuple[str, ...]) -> None:
    assert verdict_of(HEALTHY, required).code == VALID


def test_required_may_be_any_collection() -> None:
    assert verdict_of(HEALTHY, {"orders:read"}).code == VALID  # type: ignore[arg-type]
    assert verdict_of(HEALTHY, ["orders:write"]).code == INSUFFICIENT_PERMISSIONS  # type: ignore[arg-type]


# --- the order of the chain -------------------------------------------------------------


def test_revoked_wins_over_expired_and_owner_not_permitted_and_permissions() -> None:
    key = record(revoked_at=NOW - 10, expires_at=NOW - 10, owner_permitted=False, permissions=())
    assert verdict_of(key, ("orders:write",)).code == REVOKED


def test_expired_wins_over_owner_not_permitted_and_permissions() -> None:
    key = record(expires_at=NOW - 10, owner_permitted=False, permissions=())
    assert verdict_of(key, ("orders:write",)).code == EXPIRED


def test_owner_not_permitted_wins_over_insufficient_permissions() -> None:
    key = record(owner_permitted=False, permissions=())
    assert verdict_of(key, ("orders:write",)).code == OWNER_NOT_PERMITTED


def test_not_found_wins_over_everything() -> None:
    key = record(project_id="prj_other", revoked_at=NOW - 10, expires_at=NOW - 10, owner_permitted=False)
    assert verdict_of(key, ("orders:write",)).code == NOT_FOUND


# --- holds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "wanted", "expected"),
    [
        (["orders:read"], "orders:read", True),
        (["orders:read"], "orders:write", False),
        (["orders:read"], "orders:rea", False),
        (["orders:read"], "orders:read:all", False),
        (["orders:read"], "Orders:read", False),
        ([], "orders:read", False),
        ([], "", False),
        (["orders:*"], "orders:read", True),
        (["orders:*"], "orders:refunds:create", True),
        (["orders:*"], "orders", False),
        (["orders:*"], "ordersheet:read", False),
        (["orders:*"], "invoices:read", False),
        (["*"], "anything:at:all", True),
        (["orders:read", "orders:write"], "orders:*", False),
        # `*` only means "any rest" at the end; elsewhere it is a literal character.
        (["orders:*:read"], "orders:42:read", False),
        (["orders:*:read"], "orders:*:read", True),
        (["*:read"], "orders:read", False),
        (["or*ers:read"], "orders:read", False),
    ],
)
def test_holds(granted: list[str], wanted: str, expected: bool) -> None:
    assert holds(granted, wanted) is expected


PERMISSION_TEXT = st.text(alphabet="abc:*-_", max_size=12)


@settings(max_examples=200, deadline=None)
@given(PERMISSION_TEXT, PERMISSION_TEXT)
def test_a_trailing_star_grants_exactly_its_prefix(prefix: str, wanted: str) -> None:
    assert holds([prefix + "*"], wanted) is wanted.startswith(prefix)


@settings(max_examples=200, deadline=None)
@given(st.lists(PERMISSION_TEXT.filter(lambda grant: "*" not in grant), max_size=5), PERMISSION_TEXT)
def test_without_a_star_only_an_exact_grant_holds(granted: list[str], wanted: str) -> None:
    assert holds(granted, wanted) is (wanted in granted)
