"""The rules of rate limits and credits (API.md, "Limits"), without I/O: refill periods, windows,
which counters a verification charges, when they refuse, and what an answer says remains."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.limits import (
    IDENTITY,
    KEY,
    NO_LIMITS,
    RATE_LIMITED,
    USAGE_EXCEEDED,
    CreditCharge,
    CreditPolicy,
    Limits,
    Plan,
    RateCharge,
    RateLimit,
    Refill,
    UnknownLimitError,
    from_document,
    judge,
    meter_id,
    period_of,
    plan,
    rate_attribute,
    refusal_of,
    report,
    to_document,
    window_of,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a UTC moment: at(2027, 2, 28) or at(2027, 2, 28, 23, 59, 59)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def monthly(day: int | None = None) -> Refill:
    return Refill(100, "month", day)


DAILY = Refill(100, "day")
NOW = at(2027, 6, 10, 12)
KEY_ID, IDENTITY_ID = "key_1", "idn_1"
KEY_METER, IDENTITY_METER = meter_id(KEY, KEY_ID), meter_id(IDENTITY, IDENTITY_ID)


# --- period_of ------------------------------------------------------------------------------


def test_no_refill_is_one_period_for_ever() -> None:
    assert period_of(None, at(2027, 1, 1)) == period_of(None, at(2099, 12, 31)) == "-"


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (at(2027, 3, 1), "d2027-03-01"),
        (at(2027, 2, 28, 23, 59, 59), "d2027-02-28"),
        (at(2027, 3, 1) - 0.001, "d2027-02-28"),
        (at(2028, 2, 29, 12), "d2028-02-29"),
        (at(2026, 12, 31, 23, 59, 59), "d2026-12-31"),
        (at(2027, 1, 1), "d2027-01-01"),
    ],
)
def test_a_daily_refill_period_is_the_utc_day(moment: float, label: str) -> None:
    assert period_of(DAILY, moment) == label


@pytest.mark.parametrize(
    ("day", "moment", "label"),
    [
        # Day 1 (also the default): the calendar month.
        (None, at(2027, 3, 1), "m2027-03"),
        (None, at(2027, 3, 1) - 1, "m2027-02"),
        (1, at(2027, 1, 1), "m2027-01"),
        (1, at(2026, 12, 31, 23, 59, 59), "m2026-12"),
        # Day 15: a period runs from the 15th to the 14th, across the year's end too.
        (15, at(2027, 1, 14, 23, 59, 59), "m2026-12"),
        (15, at(2027, 1, 15), "m2027-01"),
        (15, at(2027, 3, 14), "m2027-02"),
        (15, at(2027, 2, 28, 23, 59, 59), "m2027-02"),
        # Day 31 is the month's last day where the month is shorter.
        (31, at(2027, 1, 31), "m2027-01"),
        (31, at(2027, 1, 30, 23, 59, 59), "m2026-12"),
        (31, at(2027, 2, 27, 23, 59, 59), "m2027-01"),
        (31, at(2027, 2, 28), "m2027-02"),  # not a leap year: the 28th
        (31, at(2028, 2, 28, 23, 59, 59), "m2028-01"),  # a leap year: not yet on the 28th...
        (31, at(2028, 2, 29), "m2028-02"),  # ...but on the 29th
        (31, at(2027, 3, 1), "m2027-02"),
        (31, at(2027, 3, 30, 23, 59, 59), "m2027-02"),
        (31, at(2027, 3, 31), "m2027-03"),
        (31, at(2027, 4, 29, 23, 59, 59), "m2027-03"),
        (31, at(2027, 4, 30), "m2027-04"),  # April has 30 days
        (31, at(2027, 12, 31), "m2027-12"),
        (31, at(2028, 1, 30), "m2027-12"),
        # Days 29 and 30 in February.
        (29, at(2027, 2, 28), "m2027-02"),
        (29, at(2027, 2, 27, 23, 59, 59), "m2027-01"),
        (29, at(2028, 2, 28, 23, 59, 59), "m2028-01"),
        (29, at(2028, 2, 29), "m2028-02"),
        (30, at(2027, 2, 28), "m2027-02"),
        (30, at(2028, 2, 29), "m2028-02"),
        (30, at(2028, 3, 29, 23, 59, 59), "m2028-02"),
        (30, at(2028, 3, 30), "m2028-03"),
    ],
)
def test_a_monthly_refill_period_starts_on_its_day(day: int | None, moment: float, label: str) -> None:
    assert period_of(monthly(day), moment) == label


@pytest.mark.parametrize("day", [1, 2, 15, 28, 29, 30, 31])
def test_over_two_years_a_monthly_period_starts_exactly_on_each_refill_day(day: int) -> None:
    """Walking 2027 and 2028 (a leap year) hour by hour: the label changes on the refill day of
    every month (the month's last day when it has fewer days) at midnight, and at no other time."""
    refill = monthly(day)
    expected: list[datetime] = []
    for year in (2027, 2028):
        for month in range(1, 13):
            last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            expected.append(datetime(year, month, min(day, last), tzinfo=UTC))
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    label = period_of(refill, moment.timestamp())
    starts: list[datetime] = []
    labels = [label]
    while moment < datetime(2028, 12, 31, 23, tzinfo=UTC):
        moment += timedelta(hours=1)
        now_label = period_of(refill, moment.timestamp())
        if now_label != label:
            starts.append(moment)
            labels.append(now_label)
            label = now_label
    assert starts == [s for s in expected if s > datetime(2027, 1, 1, tzinfo=UTC)]
    assert len(set(labels)) == len(labels)  # a label is never used for two periods


def test_a_refill_period_changes_at_the_boundary_not_a_moment_before() -> None:
    boundary = at(2027, 5, 31)
    assert period_of(monthly(31), boundary - 0.000_001) == "m2027-04"
    assert period_of(monthly(31), boundary) == "m2027-05"
    assert period_of(DAILY, boundary - 0.000_001) == "d2027-05-30"
    assert period_of(DAILY, boundary) == "d2027-05-31"


# --- windows --------------------------------------------------------------------------------


def test_windows_are_aligned_to_the_epoch_and_reset_when_the_next_begins() -> None:
    minute = RateLimit("requests", 10, 60)
    assert window_of(minute, 0) == 0
    assert window_of(minute, 59.999) == 0
    assert window_of(minute, 60) == 1
    assert window_of(minute, at(2027, 6, 10, 12, 0, 30)) == window_of(minute, at(2027, 6, 10, 12))
    assert window_of(minute, at(2027, 6, 10, 12, 1)) == window_of(minute, at(2027, 6, 10, 12)) + 1
    charge = RateCharge(KEY, KEY_METER, minute, 1, window_of(minute, at(2027, 6, 10, 12, 0, 30)))
    assert charge.reset_at == at(2027, 6, 10, 12, 1)
    day = RateLimit("daily", 10, 86_400)
    assert RateCharge(KEY, KEY_METER, day, 1, window_of(day, at(2027, 6, 10, 23, 59, 59))).reset_at == at(2027, 6, 11)


def test_a_count_belongs_to_its_window_and_limit() -> None:
    minute, other = RateLimit("a", 10, 60), RateLimit("b", 10, 60)
    first = RateCharge(KEY, KEY_METER, minute, 1, window_of(minute, NOW))
    later = RateCharge(KEY, KEY_METER, minute, 1, window_of(minute, NOW + 60))
    assert first.attribute != later.attribute
    assert first.attribute != RateCharge(KEY, KEY_METER, other, 1, first.window).attribute


# --- plan -----------------------------------------------------------------------------------

A = RateLimit("a", 5, 60)
B = RateLimit("b", 50, 3600, auto_apply=False)
C = RateLimit("c", 7, 10)


def costs(chosen: Plan) -> dict[str, tuple[str, str, int, int]]:
    """The plan's rate charges by name: (scope, holder, limit, cost)."""
    found: dict[str, tuple[str, str, int, int]] = {
        c.limit.name: (c.scope, c.holder, c.limit.limit, c.cost) for c in chosen.rates
    }
    assert len(found) == len(chosen.rates), "a limit is charged at most once"
    return found


def test_by_default_every_auto_apply_limit_is_charged_once() -> None:
    chosen = plan(KEY_ID, Limits((A, B, C)), None, NO_LIMITS, NOW)
    assert costs(chosen) == {"a": (KEY, KEY_METER, 5, 1), "c": (KEY, KEY_METER, 7, 1)}
    assert {c.limit.name: c.window for c in chosen.rates} == {"a": window_of(A, NOW), "c": window_of(C, NOW)}
    assert chosen.credits is None


def test_the_default_cost_of_rate_limits_is_one_whatever_the_credit_cost() -> None:
    chosen = plan(KEY_ID, Limits((A,), CreditPolicy()), None, NO_LIMITS, NOW, cost=9)
    assert costs(chosen) == {"a": (KEY, KEY_METER, 5, 1)}
    assert chosen.credits is not None and chosen.credits.cost == 9


def test_requested_limits_are_charged_at_their_costs_and_no_others() -> None:
    chosen = plan(KEY_ID, Limits((A, B, C)), None, NO_LIMITS, NOW, requested=[("b", 3), ("a", 0)])
    assert costs(chosen) == {"b": (KEY, KEY_METER, 50, 3), "a": (KEY, KEY_METER, 5, 0)}


def test_a_limit_that_is_not_auto_applied_is_charged_only_when_named() -> None:
    assert "b" not in costs(plan(KEY_ID, Limits((A, B)), None, NO_LIMITS, NOW))
    assert "b" in costs(plan(KEY_ID, Limits((A, B)), None, NO_LIMITS, NOW, requested=[("b", 1)]))


def test_an_empty_request_charges_no_rate_limit() -> None:
    chosen = plan(KEY_ID, Limits((A, C)), None, NO_LIMITS, NOW, requested=[])
    assert chosen.rates == ()


def test_the_same_limit_named_twice_is_charged_once_with_the_costs_added() -> None:
    chosen = plan(KEY_ID, Limits((A, C)), None, NO_LIMITS, NOW, requested=[("a", 2), ("c", 1), ("a", 3)])
    assert costs(chosen) == {"a": (KEY, KEY_METER, 5, 5), "c": (KEY, KEY_METER, 7, 1)}


def test_unknown_names_raise_listing_each_of_them() -> None:
    with pytest.raises(UnknownLimitError) as raised:
        plan(KEY_ID, Limits((A,)), None, NO_LIMITS, NOW, requested=[("a", 1), ("x", 1), ("y", 2)])
    assert raised.value.names == ("x", "y")
    assert "x" in str(raised.value) and "y" in str(raised.value)
    with pytest.raises(UnknownLimitError):
        plan(KEY_ID, NO_LIMITS, None, NO_LIMITS, NOW, requested=[("a", 1)])


def test_an_identity_limit_is_charged_on_the_identity_s_meter_unless_the_key_has_its_own() -> None:
    shared_a = RateLimit("a", 100, 60)
    identity = Limits((shared_a, C))
    chosen = plan(KEY_ID, Limits((A,)), IDENTITY_ID, identity, NOW)
    # The key's "a" (limit 5) replaces the identity's (limit 100); "c" is the identity's, shared.
    assert costs(chosen) == {"a": (KEY, KEY_METER, 5, 1), "c": (IDENTITY, IDENTITY_METER, 7, 1)}
    assert chosen.holders == (IDENTITY_METER, KEY_METER) or chosen.holders == (KEY_METER, IDENTITY_METER)
    # Named, an identity's limit can be asked for by a key that has none of its own.
    only = plan(KEY_ID, NO_LIMITS, IDENTITY_ID, identity, NOW, requested=[("a", 2)])
    assert costs(only) == {"a": (IDENTITY, IDENTITY_METER, 100, 2)}
    assert only.holders == (IDENTITY_METER,)


def test_a_key_s_own_credits_replace_its_identity_s() -> None:
    own, shared = CreditPolicy(None, 3), CreditPolicy(monthly(15))
    chosen = plan(KEY_ID, Limits((), own), IDENTITY_ID, Limits((), shared), NOW, cost=4)
    assert chosen.credits == CreditCharge(KEY, KEY_METER, own, 4, "-")
    assert chosen.holders == (KEY_METER,)


def test_a_key_without_credits_spends_its_identity_s() -> None:
    shared = CreditPolicy(monthly(15), 10)
    chosen = plan(KEY_ID, Limits((A,)), IDENTITY_ID, Limits((), shared), at(2027, 6, 14), cost=2)
    assert chosen.credits == CreditCharge(IDENTITY, IDENTITY_METER, shared, 2, "m2027-05")
    assert chosen.credits.start == 100
    assert set(chosen.holders) == {KEY_METER, IDENTITY_METER}


def test_a_key_with_neither_limits_nor_credits_charges_nothing() -> None:
    assert plan(KEY_ID, NO_LIMITS, None, NO_LIMITS, NOW).empty
    assert plan(KEY_ID, Limits((B,)), None, NO_LIMITS, NOW).empty  # only a limit that must be named


def test_credits_start_from_the_refill_amount_or_nothing() -> None:
    refilled = plan(KEY_ID, Limits((), CreditPolicy(DAILY)), None, NO_LIMITS, at(2027, 6, 10, 23))
    assert refilled.credits is not None
    assert (refilled.credits.period, refilled.credits.start) == ("d2027-06-10", 100)
    plain = plan(KEY_ID, Limits((), CreditPolicy()), None, NO_LIMITS, NOW)
    assert plain.credits is not None and (plain.credits.period, plain.credits.start) == ("-", 0)


# --- judge ----------------------------------------------------------------------------------


def rate(limit: RateLimit, cost: int = 1, holder: str = KEY_METER) -> RateCharge:
    return RateCharge(KEY, holder, limit, cost, window_of(limit, NOW))


def credits(cost: int = 1, refill: Refill | None = None) -> CreditCharge:
    policy = CreditPolicy(refill)
    return CreditCharge(KEY, KEY_METER, policy, cost, period_of(refill, NOW))


def test_a_rate_limit_accepts_up_to_its_limit_and_refuses_past_it() -> None:
    charge = rate(A, cost=2)
    assert not judge(Plan((charge,)), {KEY_METER: {charge.attribute: 3}}).refused  # 3 + 2 = 5
    refused = judge(Plan((charge,)), {KEY_METER: {charge.attribute: 4}})
    assert refused.exceeded == (charge,) and refused.refused and not refused.credits_short
    # A count of an earlier window is not this window's.
    assert not judge(Plan((charge,)), {KEY_METER: {rate_attribute("a", charge.window - 1): 5}}).refused


def test_a_cost_larger_than_the_limit_always_refuses() -> None:
    charge = rate(A, cost=6)
    assert judge(Plan((charge,)), {}).exceeded == (charge,)
    assert judge(Plan((charge,)), {KEY_METER: {}}).exceeded == (charge,)


def test_a_cost_of_zero_is_refused_only_by_a_count_past_the_limit() -> None:
    charge = rate(A, cost=0)
    assert not judge(Plan((charge,)), {KEY_METER: {charge.attribute: 5}}).refused
    assert judge(Plan((charge,)), {KEY_METER: {charge.attribute: 6}}).refused


def test_every_limit_that_would_pass_is_named() -> None:
    a, c = rate(A), rate(C)
    states = {KEY_METER: {a.attribute: 5, c.attribute: 6}}
    assert judge(Plan((a, c)), states).exceeded == (a,)
    assert judge(Plan((a, c)), {KEY_METER: {a.attribute: 5, c.attribute: 7}}).exceeded == (a, c)


def test_credits_refuse_when_the_balance_is_below_the_cost() -> None:
    charge = credits(cost=3)
    assert not judge(Plan((), charge), {KEY_METER: {charge.attribute: 3}}).refused
    short = judge(Plan((), charge), {KEY_METER: {charge.attribute: 2}})
    assert short.credits_short and short.exceeded == ()
    # No balance written: nothing without refill...
    assert judge(Plan((), charge), {}).credits_short
    # ...the refill's amount with one (a period not started yet).
    refilled = credits(cost=100, refill=DAILY)
    assert not judge(Plan((), refilled), {}).refused
    assert judge(Plan((), credits(cost=101, refill=DAILY)), {}).credits_short
    assert judge(Plan((), refilled), {KEY_METER: {refilled.attribute: 99}}).credits_short


def test_a_credit_cost_of_zero_passes_an_empty_balance() -> None:
    charge = credits(cost=0)
    assert not judge(Plan((), charge), {KEY_METER: {charge.attribute: 0}}).refused


def test_rate_limits_are_reported_before_credits() -> None:
    a, spend = rate(A), credits(cost=1)
    both = judge(Plan((a,), spend), {KEY_METER: {a.attribute: 5, spend.attribute: 0}})
    assert both.exceeded and both.credits_short
    assert refusal_of(both) == RATE_LIMITED
    only_credits = judge(Plan((a,), spend), {KEY_METER: {a.attribute: 4, spend.attribute: 0}})
    assert refusal_of(only_credits) == USAGE_EXCEEDED
    assert refusal_of(judge(Plan((a,), spend), {KEY_METER: {a.attribute: 4, spend.attribute: 1}})) is None


def test_each_holder_is_judged_on_its_own_meter() -> None:
    mine, shared = rate(A), rate(C, holder=IDENTITY_METER)
    assert mine.attribute != shared.attribute
    states = {KEY_METER: {shared.attribute: 7}, IDENTITY_METER: {mine.attribute: 5}}
    assert not judge(Plan((mine, shared)), states).refused  # each count is on the other's meter
    assert judge(Plan((mine, shared)), {IDENTITY_METER: {shared.attribute: 7}}).exceeded == (shared,)


# --- report ---------------------------------------------------------------------------------


def test_the_report_says_what_remains_never_below_zero() -> None:
    a, spend = rate(A), credits()
    accepted = report(Plan((a,), spend), {KEY_METER: {a.attribute: 2, spend.attribute: 8}}, None)
    assert accepted.refusal is None and accepted.reset_at is None
    assert [(r.name, r.limit, r.remaining, r.reset_at) for r in accepted.rates] == [("a", 5, 3, a.reset_at)]
    assert accepted.credits == 8
    # A count past a limit that was lowered, a balance below zero: what remains is 0.
    over = report(Plan((a,), spend), {KEY_METER: {a.attribute: 9, spend.attribute: -4}}, RATE_LIMITED)
    assert [r.remaining for r in over.rates] == [0] and over.credits == 0


def test_a_key_without_credits_reports_none() -> None:
    a = rate(A)
    assert report(Plan((a,)), {KEY_METER: {a.attribute: 1}}, None).credits is None
    assert report(Plan((), credits()), {}, USAGE_EXCEEDED).credits == 0


def test_reset_at_is_the_latest_reset_of_the_limits_that_refused() -> None:
    minute, hour, day = RateLimit("m", 1, 60), RateLimit("h", 10, 3600), RateLimit("d", 100, 86_400)
    m, h, d = rate(minute), rate(hour), rate(day)
    chosen = Plan((m, h, d))
    # The minute and the hour are spent, the day is not: the hour's reset is the answer, not the day's.
    states = {KEY_METER: {m.attribute: 1, h.attribute: 10, d.attribute: 3}}
    refused = report(chosen, states, RATE_LIMITED)
    assert refused.reset_at == h.reset_at
    assert m.reset_at < h.reset_at < d.reset_at
    only_minute = report(chosen, {KEY_METER: {m.attribute: 1}}, RATE_LIMITED)
    assert only_minute.reset_at == m.reset_at
    # No reset_at unless rate limits refused.
    assert report(chosen, states, USAGE_EXCEEDED).reset_at is None
    assert report(chosen, {}, None).reset_at is None


# --- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        Limits((A, B, C)),
        Limits((), CreditPolicy()),
        Limits((), CreditPolicy(monthly(31), 5)),
        Limits((A,), CreditPolicy(DAILY, 0)),
        Limits((B,), CreditPolicy(Refill(0, "month"))),
    ],
)
def test_limits_survive_being_stored(value: Limits) -> None:
    document = to_document(value)
    assert document is not None
    assert from_document(json.loads(json.dumps(document))) == value


def test_no_limits_are_stored_as_nothing() -> None:
    assert to_document(NO_LIMITS) is None
    assert to_document(Limits()) is None
    assert from_document(None) == NO_LIMITS
    assert from_document({}) == NO_LIMITS
    assert from_document({}).empty
