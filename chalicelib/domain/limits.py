"""How much a key may be used: rate limits (fixed windows) and credits (a balance, refilled per period).

Pure rules, no I/O. A key and an identity may each carry `Limits`. A verification asks for
some of them (`plan`): an identity's limit is shared by all its keys, a key's own limit of
the same name replaces it, and a key's own credits replace its identity's. The plan names
every counter to charge, each as an attribute of its holder's meter item (`store.meters`):

- a rate limit's count in its current window: `r:<name>:<window index>`, so a new window
  starts at zero without anyone resetting it, and one conditional write can charge every
  limit of a holder together;
- a credit balance: `c:<period>` (`c:-` without refill), so the first spend of a new
  period finds no balance and starts from the refill's `amount`: a refill *sets* the
  balance, once per period, whenever it is first needed, with no job to run or retry.

`judge` reads a meter's counts and says which limits refuse, the same rule the store's
write condition enforces; so an answer says why a write was refused, and what remains.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec
from msgspec import Struct

Scope = Literal["key", "identity"]
KEY: Literal["key"] = "key"
IDENTITY: Literal["identity"] = "identity"

MAX_RATELIMITS = 10
MAX_LIMIT = 1_000_000_000
MAX_DURATION_SECONDS = 2_678_400  # 31 days
MAX_CREDITS = 1_000_000_000_000
MAX_COST = 10_000


class RateLimit(Struct, frozen=True):
    """At most `limit` accepted verifications in each window of `duration_seconds`."""

    name: str
    limit: int
    duration_seconds: int
    auto_apply: bool = True


class Refill(Struct, frozen=True):
    """Sets the balance to `amount` at the start of each day (UTC), or each month on
    `day_of_month` (1 when absent; a day the month lacks is its last day)."""

    amount: int
    interval: Literal["day", "month"]
    day_of_month: int | None = None


class CreditPolicy(Struct, frozen=True):
    """How a holder's credits behave; the balance itself is counted in its meter."""

    refill: Refill | None = None
    notify_below: int | None = None

    @property
    def start(self) -> int:
        """The balance of a period nobody has spent in yet: the refill's amount (0 without)."""
        return self.refill.amount if self.refill is not None else 0

    def attribute(self, at: float) -> str:
        """The meter attribute that holds the balance of the period `at` falls in."""
        return credit_attribute(period_of(self.refill, at))

    def balance_in(self, state: Mapping[str, int], at: float) -> int:
        """The balance a meter's counts `state` give at `at` (never below 0)."""
        return max(0, int(state.get(self.attribute(at), self.start)))


class Limits(Struct, frozen=True):
    """What one holder (a key or an identity) carries."""

    ratelimits: tuple[RateLimit, ...] = ()
    credits: CreditPolicy | None = None
    # A key's meter, when it is not its own: a rerolled key's successor counts in its
    # predecessor's, so the two share one balance and one window while both work.
    meter: str | None = None

    @property
    def empty(self) -> bool:
        return not self.ratelimits and self.credits is None


NO_LIMITS = Limits()


class RateCharge(Struct, frozen=True):
    """One window counter to charge `cost`; `holder` is the key's or the identity's meter id."""

    scope: Scope
    holder: str
    limit: RateLimit
    cost: int
    window: int

    @property
    def attribute(self) -> str:
        return rate_attribute(self.limit.name, self.window)

    @property
    def reset_at(self) -> float:
        return float((self.window + 1) * self.limit.duration_seconds)


class CreditCharge(Struct, frozen=True):
    """Spend `cost` from the balance of the current period; `start` is the balance a period
    that has none yet starts from (the refill's amount; 0 without refill)."""

    scope: Scope
    holder: str
    policy: CreditPolicy
    cost: int
    period: str

    @property
    def attribute(self) -> str:
        return credit_attribute(self.period)

    @property
    def start(self) -> int:
        return self.policy.start


class Plan(Struct, frozen=True):
    rates: tuple[RateCharge, ...] = ()
    credits: CreditCharge | None = None

    @property
    def empty(self) -> bool:
        return not self.rates and self.credits is None

    @property
    def holders(self) -> tuple[str, ...]:
        """The meters this plan writes, each once, in a stable order."""
        found = [c.holder for c in self.rates] + ([self.credits.holder] if self.credits else [])
        return tuple(dict.fromkeys(found))


class UnknownLimitError(ValueError):
    """A verification named rate limits the key does not have (neither its own nor its identity's)."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = tuple(names)


def rate_attribute(name: str, window: int) -> str:
    return f"r:{name}:{window}"


def credit_attribute(period: str) -> str:
    return f"c:{period}"


def window_of(limit: RateLimit, at: float) -> int:
    """The index of the window `at` falls in; windows are aligned to the epoch."""
    return int(at // limit.duration_seconds)


def period_of(refill: Refill | None, at: float) -> str:
    """The refill period `at` falls in, as a label: `-` without refill, `d2026-12-07` for a
    day, `m2026-12` for the month whose refill day starts the period.

    >>> period_of(Refill(10, "month", 31), datetime(2027, 3, 1, tzinfo=UTC).timestamp())
    'm2027-02'
    >>> period_of(Refill(10, "month", 31), datetime(2027, 2, 28, tzinfo=UTC).timestamp())
    'm2027-02'
    """
    if refill is None:
        return "-"
    moment = datetime.fromtimestamp(at, UTC)
    if refill.interval == "day":
        return f"d{moment:%Y-%m-%d}"
    year, month = moment.year, moment.month
    if moment.day < _refill_day(refill, year, month):
        previous = moment.replace(day=1) - timedelta(days=1)
        year, month = previous.year, previous.month
    return f"m{year:04d}-{month:02d}"


def _refill_day(refill: Refill, year: int, month: int) -> int:
    # A refill on the 31st happens on the last day of shorter months (28 February, 30 April).
    return min(refill.day_of_month or 1, calendar.monthrange(year, month)[1])


def plan(
    key_id: str,
    key: Limits,
    identity_id: str | None,
    identity: Limits,
    at: float,
    *,
    requested: Sequence[tuple[str, int]] | None = None,
    cost: int = 1,
) -> Plan:
    """What one verification charges: the rate limits asked for (`requested`, name and cost;
    default every `auto_apply` limit at cost 1) and `cost` credits.

    Raises UnknownLimitError for names neither the key nor its identity has.
    """
    own = {limit.name: limit for limit in key.ratelimits}
    shared = {limit.name: limit for limit in identity.ratelimits if limit.name not in own}
    key_holder, identity_holder = key_meter(key_id, key), meter_id(IDENTITY, identity_id or "")
    available: dict[str, tuple[Scope, str, RateLimit]] = {
        **{name: (IDENTITY, identity_holder, limit) for name, limit in shared.items()},
        **{name: (KEY, key_holder, limit) for name, limit in own.items()},
    }
    if requested is None:
        wanted = [(name, 1) for name, (_, _, limit) in available.items() if limit.auto_apply]
    else:
        unknown = [name for name, _ in requested if name not in available]
        if unknown:
            raise UnknownLimitError(unknown)
        wanted = list(_merge(requested).items())
    rates = tuple(
        RateCharge(scope, holder, limit, charge, window_of(limit, at))
        for name, charge in wanted
        for scope, holder, limit in (available[name],)
    )
    credits = None
    if key.credits is not None:
        credits = CreditCharge(KEY, key_holder, key.credits, cost, period_of(key.credits.refill, at))
    elif identity.credits is not None and identity_id is not None:
        period = period_of(identity.credits.refill, at)
        credits = CreditCharge(IDENTITY, identity_holder, identity.credits, cost, period)
    return Plan(rates, credits)


def _merge(requested: Sequence[tuple[str, int]]) -> dict[str, int]:
    # The same limit named twice is charged once, with the costs added: the request asks for both.
    merged: dict[str, int] = {}
    for name, charge in requested:
        merged[name] = merged.get(name, 0) + charge
    return merged


def meter_id(scope: Scope, holder_id: str) -> str:
    """The id of a holder's meter item."""
    return f"{scope}#{holder_id}"


def key_meter(key_id: str, limits: Limits) -> str:
    """The meter a key's own limits count in: its own, or the one it inherited at a reroll."""
    return limits.meter or meter_id(KEY, key_id)


class Judgement(Struct, frozen=True):
    """What a meter's counts say of a plan: the limits that refuse it, and whether credits suffice."""

    exceeded: tuple[RateCharge, ...]
    credits_short: bool

    @property
    def refused(self) -> bool:
        return bool(self.exceeded) or self.credits_short


def count_of(state: Mapping[str, int], charge: RateCharge) -> int:
    return int(state.get(charge.attribute, 0))


def balance_of(state: Mapping[str, int], charge: CreditCharge) -> int:
    return int(state.get(charge.attribute, charge.start))


def judge(plan: Plan, states: Mapping[str, Mapping[str, int]]) -> Judgement:
    """Which of the plan's limits refuse it, given each meter's counts before the charge
    (`states` by meter id). A rate limit refuses when its count plus the cost would pass it;
    credits when the balance is below the cost. Rate limits come first in the answer's order."""
    exceeded = tuple(c for c in plan.rates if count_of(states.get(c.holder, {}), c) + c.cost > c.limit.limit)
    credits = plan.credits
    short = credits is not None and balance_of(states.get(credits.holder, {}), credits) < credits.cost
    return Judgement(exceeded, short)


def to_document(value: Limits) -> dict[str, Any] | None:
    """A holder's limits as stored (a JSON document), None when it has none."""
    return None if value.empty else msgspec.to_builtins(value)


def from_document(document: Mapping[str, Any] | None) -> Limits:
    return NO_LIMITS if not document else msgspec.convert(document, Limits)


class RateState(Struct, frozen=True):
    """A rate limit's window after a verification (or as it refused one): what remains, and when it resets."""

    name: str
    limit: int
    remaining: int
    reset_at: float


class Metered(Struct, frozen=True):
    """What a verification's charge says: the refusal code (None: accepted), what remains,
    and, when rate limits refused, when the last of those that refused resets."""

    refusal: str | None
    rates: tuple[RateState, ...] = ()
    credits: int | None = None
    reset_at: float | None = None


def _left(charge: RateCharge, states: Mapping[str, Mapping[str, int]]) -> int:
    return max(0, charge.limit.limit - count_of(states.get(charge.holder, {}), charge))


def report(plan: Plan, states: Mapping[str, Mapping[str, int]], refusal: str | None) -> Metered:
    """The answer's view of the meters `states` (after an accepted charge, or as a refusal found them)."""
    rates = tuple(
        RateState(
            c.limit.name, c.limit.limit, max(0, c.limit.limit - count_of(states.get(c.holder, {}), c)), c.reset_at
        )
        for c in plan.rates
    )
    credits = None
    if plan.credits is not None:
        credits = max(0, balance_of(states.get(plan.credits.holder, {}), plan.credits))
    reset_at = None
    if refusal == RATE_LIMITED:
        # The limits that refused; none when the refusal was not theirs to explain (a write
        # refused for a count no longer seen, a meter too contended to charge): no reset then.
        reset_at = max((c.reset_at for c in judge(plan, states).exceeded), default=None)
    return Metered(refusal, rates, credits, reset_at)


RATE_LIMITED = "RATE_LIMITED"
USAGE_EXCEEDED = "USAGE_EXCEEDED"


def refusal_of(judgement: Judgement) -> str | None:
    """Rate limits are checked before credits (API.md's order)."""
    if judgement.exceeded:
        return RATE_LIMITED
    return USAGE_EXCEEDED if judgement.credits_short else None
