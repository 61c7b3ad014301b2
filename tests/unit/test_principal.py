"""Who a verified token says is calling, and whether their login is fresh enough for step-up."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.principal import Principal, require_fresh_login
from chalicelib.errors import StepUpRequiredError, UnauthenticatedError

ADMINS = "keywarden-admins"
NOW = 1_800_000_000
_MISSING = object()


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "ann", "auth_time": NOW - 10}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not _MISSING}


# --- groups ------------------------------------------------------------------------------


def test_groups_as_a_list_keep_the_strings_and_drop_the_rest() -> None:
    principal = Principal.from_claims(_claims(groups=["dev", ADMINS, 7, None, {"x": 1}]), ADMINS)
    assert principal.groups == frozenset({"dev", ADMINS})
    assert principal.is_system_admin


def test_a_single_group_as_a_string_counts() -> None:
    principal = Principal.from_claims(_claims(groups=ADMINS), ADMINS)
    assert principal.groups == frozenset({ADMINS})
    assert principal.is_system_admin


def test_missing_groups_mean_none() -> None:
    principal = Principal.from_claims(_claims(), ADMINS)
    assert principal.groups == frozenset()
    assert not principal.is_system_admin


@pytest.mark.parametrize(
    "garbage",
    [None, 42, True, {ADMINS: True}, {"groups": [ADMINS]}, [[ADMINS]], [{"name": ADMINS}]],
    ids=["null", "number", "bool", "object-keyed-by-group", "nested-object", "nested-list", "list-of-objects"],
)
def test_garbage_groups_are_ignored_and_never_make_an_admin(garbage: Any) -> None:
    principal = Principal.from_claims(_claims(groups=garbage), ADMINS)
    assert principal.groups == frozenset()
    assert not principal.is_system_admin


def test_ordinary_groups_do_not_make_an_admin() -> None:
    principal = Principal.from_claims(_claims(groups=["dev", "keywarden-admins-readonly", "ops"]), ADMINS)
    assert principal.groups == frozenset({"dev", "keywarden-admins-readonly", "ops"})
    assert not principal.is_system_admin


def test_the_configured_admin_group_is_the_one_that_counts() -> None:
    assert Principal.from_claims(_claims(groups=["platform-root"]), "platform-root").is_system_admin
    assert not Principal.from_claims(_claims(groups=[ADMINS]), "platform-root").is_system_admin


# --- sub ---------------------------------------------------------------------------------


def test_sub_becomes_the_user_id() -> None:
    assert Principal.from_claims(_claims(sub="auth0|65f1c2"), ADMINS).sub == "auth0|65f1c2"
    assert Principal.from_claims(_claims(sub="x" * 255), ADMINS).sub == "x" * 255


@pytest.mark.parametrize(
    "sub",
    [_MISSING, None, "", 12345, ["ann"], "x" * 257, "x" * 10_000],
    ids=["missing", "null", "blank", "number", "list", "257-chars", "10k-chars"],
)
def test_unusable_sub_is_unauthenticated(sub: Any) -> None:
    with pytest.raises(UnauthenticatedError) as raised:
        Principal.from_claims(_claims(sub=sub), ADMINS)
    assert raised.value.status == 401
    assert raised.value.headers() == {"WWW-Authenticate": 'Bearer error="invalid_token"'}


# --- auth_time ---------------------------------------------------------------------------


def test_integer_auth_time_is_kept() -> None:
    assert Principal.from_claims(_claims(auth_time=NOW - 42), ADMINS).auth_time == NOW - 42


@pytest.mark.parametrize(
    "auth_time",
    [_MISSING, None, str(NOW), True, False, [NOW], {"t": NOW}],
    ids=["missing", "null", "string", "true", "false", "list", "object"],
)
def test_auth_time_that_is_not_an_integer_is_unknown(auth_time: Any) -> None:
    principal = Principal.from_claims(_claims(auth_time=auth_time), ADMINS)
    assert principal.auth_time is None
    # An unknown login time can never pass step-up, however generous the limit.
    with pytest.raises(StepUpRequiredError):
        require_fresh_login(principal, NOW, 10**9)


# --- step-up -----------------------------------------------------------------------------


def _logged_in(seconds_ago: int | None) -> Principal:
    auth_time = None if seconds_ago is None else NOW - seconds_ago
    return Principal(sub="ann", groups=frozenset(), auth_time=auth_time, is_system_admin=False)


@pytest.mark.parametrize("seconds_ago", [0, 1, 120, 299, 300])
def test_login_at_most_max_age_old_passes(seconds_ago: int) -> None:
    require_fresh_login(_logged_in(seconds_ago), NOW, 300)


@pytest.mark.parametrize("seconds_ago", [301, 3600, 86_400 * 30])
def test_older_login_needs_step_up_with_rfc_9470_challenge(seconds_ago: int) -> None:
    with pytest.raises(StepUpRequiredError) as raised:
        require_fresh_login(_logged_in(seconds_ago), NOW, 300)
    error = raised.value
    assert (error.status, error.code) == (401, "step_up_required")
    assert error.headers() == {"WWW-Authenticate": 'Bearer error="insufficient_user_authentication", max_age=300'}


def test_challenge_names_the_configured_max_age() -> None:
    with pytest.raises(StepUpRequiredError) as raised:
        require_fresh_login(_logged_in(61), NOW, 60)
    assert raised.value.headers() == {"WWW-Authenticate": 'Bearer error="insufficient_user_authentication", max_age=60'}


@pytest.mark.parametrize("max_age", [0, 300, 86_400])
def test_missing_auth_time_always_needs_step_up(max_age: int) -> None:
    with pytest.raises(StepUpRequiredError) as raised:
        require_fresh_login(_logged_in(None), NOW, max_age)
    assert raised.value.headers() == {
        "WWW-Authenticate": f'Bearer error="insufficient_user_authentication", max_age={max_age}'
    }
