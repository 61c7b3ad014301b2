"""Charging a verification to the limits of its key and identity, and the credits use cases.

The hot path for keys with limits, after every other check passed:

    plan (domain.limits.plan) → refuse at once what this process already knows is spent
    → one conditional write (store.meters.charge) → judge the counts the write saw or left
    → notices (webhooks) when a balance crosses `notify_below`, runs out, or a limit refuses

A rate limit's count only grows within its window, so a count this process has seen is a
floor: a request that would pass the limit on that floor alone is refused without a write
(exact: the write would fail too). Credits are never refused from memory: they can be
given back at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib import cache
from chalicelib.domain.limits import (
    CreditPolicy,
    Limits,
    Metered,
    Plan,
    RateCharge,
    RateState,
    UnknownLimitError,
    count_of,
    credit_attribute,
    judge,
    period_of,
    plan,
    refusal_of,
    report,
    window_of,
)
from chalicelib.domain.verification import KeyRecord, Verdict
from chalicelib.errors import FieldError, ValidationFailedError
from chalicelib.services import leases, notices
from chalicelib.store import meters
from chalicelib.store.base import Transaction
from chalicelib.store.keys import Balance


def charge(verdict: Verdict, requested: Sequence[tuple[str, int]] | None, cost: int, at: float) -> Verdict:
    """The verdict after charging a valid verdict's key: itself with what remains, or
    RATE_LIMITED / USAGE_EXCEEDED with nothing charged.

    Raises ValidationFailedError when `requested` names a limit the key does not have.
    """
    record = verdict.record
    if record is None or not verdict.valid:
        return verdict
    identity = record.identity
    try:
        chosen = plan(
            record.key_id,
            record.limits,
            identity.id if identity else None,
            identity.limits if identity else Limits(),
            at,
            requested=requested,
            cost=cost,
        )
    except UnknownLimitError as error:
        raise ValidationFailedError(
            [FieldError("ratelimits", f"the key has no rate limit named {name!r}") for name in error.names]
        ) from None
    if chosen.empty:
        return verdict
    metered = _charge(record, chosen, at)
    if metered.refusal is not None:
        notices.after_refusal(record, chosen, metered)
        return Verdict(metered.refusal, record, metered)
    return Verdict(verdict.code, record, metered)


def _charge(record: KeyRecord, chosen: Plan, at: float) -> Metered:
    """Hot counters from this process's leases (`services.leases`), the rest in one write."""
    leased = tuple(c for c in chosen.rates if leases.leasable(c, at))
    taken: list[tuple[RateCharge, int]] = []
    for rate in leased:
        left = leases.take(rate)
        if left is None:
            for done, _ in taken:
                leases.give_back(done)
            return _refused_by_lease(chosen, rate)
        taken.append((rate, left))
    rest = Plan(tuple(c for c in chosen.rates if c not in leased), chosen.credits)
    metered = _charge_exactly(record, rest) if not rest.empty else Metered(None)
    if metered.refusal is not None:
        for done, _ in taken:
            leases.give_back(done)
        return metered
    from_leases = {c.limit.name: RateState(c.limit.name, c.limit.limit, max(0, left), c.reset_at) for c, left in taken}
    rates = tuple(from_leases.get(c.limit.name) or _state_of(metered, c) for c in chosen.rates)
    return Metered(None, rates, metered.credits)


def _state_of(metered: Metered, charge: RateCharge) -> RateState:
    return next(r for r in metered.rates if r.name == charge.limit.name)


def _refused_by_lease(chosen: Plan, refusing: RateCharge) -> Metered:
    """RATE_LIMITED by a leased window with nothing left; nothing charged. The other limits'
    `remaining` is what this process last saw of them (a hot key's answers are approximate)."""
    known = _known(chosen)
    rates = tuple(
        RateState(
            c.limit.name,
            c.limit.limit,
            0 if c is refusing else max(0, c.limit.limit - count_of(known.get(c.holder, {}), c)),
            c.reset_at,
        )
        for c in chosen.rates
    )
    return Metered("RATE_LIMITED", rates, None, refusing.reset_at)


def _charge_exactly(record: KeyRecord, chosen: Plan) -> Metered:
    """One conditional write, refused in memory when a window this process saw is already full."""
    if chosen.credits is None:
        # Without credits the answer needs only the windows, which this process may know full.
        known = _known(chosen)
        early = judge(chosen, known)
        if early.exceeded:
            return report(chosen, known, refusal_of(early))
    charged = meters.charge(chosen, _stale(chosen))
    _remember(chosen, charged.states)
    outcome = None if charged.accepted else refusal_of(judge(chosen, charged.states))
    if not charged.accepted and outcome is None:
        # Refused for a count this process cannot see (a limit changed under it): refuse as
        # rate limited, the cautious answer; the next request reads anew.
        outcome = "RATE_LIMITED"
    if charged.accepted:
        notices.after_spend(record, chosen, charged.states)
    return report(chosen, charged.states, outcome)


def _known(chosen: Plan) -> dict[str, dict[str, int]]:
    """The counts this process has seen of the plan's windows (floors: they only grow)."""
    seen: dict[str, dict[str, int]] = {}
    for rate in chosen.rates:
        found, count = cache.window_counts.get((rate.holder, rate.attribute))
        if found and count is not None:
            seen.setdefault(rate.holder, {})[rate.attribute] = count
    return seen


def _remember(chosen: Plan, states: dict[str, dict[str, int]]) -> None:
    for rate in chosen.rates:
        count = states.get(rate.holder, {}).get(rate.attribute)
        if count is not None:
            cache.window_counts.put((rate.holder, rate.attribute), count)
    for holder, state in states.items():
        stale = tuple(name for name in state if _is_stale(chosen, holder, name))
        cache.stale_counters.put(holder, stale)


def _stale(chosen: Plan) -> dict[str, list[str]]:
    """Attributes of the plan's meters that the last charge saw and nothing needs any more."""
    found: dict[str, list[str]] = {}
    for holder in chosen.holders:
        hit, names = cache.stale_counters.get(holder)
        if hit and names:
            found[holder] = list(names)
    return found


def _is_stale(chosen: Plan, holder: str, name: str) -> bool:
    """A window of a charged limit two or more windows old, or a credit balance of a period
    two or more periods old: the previous one is kept, for a process whose clock lags."""
    kind, _, rest = name.partition(":")
    if kind == "r":
        limit_name, _, window = rest.rpartition(":")
        for rate in chosen.rates:
            if rate.holder == holder and rate.limit.name == limit_name and window.lstrip("-").isdigit():
                return int(window) < rate.window - 1
        return False
    if kind == "c" and chosen.credits is not None and chosen.credits.holder == holder:
        # Labels of one form (`d...`, `m...`) sort in time order.
        current = chosen.credits.period
        return rest[:1] == current[:1] and rest < _step_back(current)
    return False


def _step_back(period: str) -> str:
    from datetime import date, timedelta  # noqa: PLC0415 (only when cleaning up)

    if period.startswith("d"):
        return "d" + (date.fromisoformat(period[1:]) - timedelta(days=1)).isoformat()
    if period.startswith("m"):
        year, month = int(period[1:5]), int(period[6:8])
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return f"m{year:04d}-{month:02d}"
    return period


def balance(meter: str, policy: CreditPolicy | None, at: float) -> int | None:
    """A holder's credit balance now (None: unlimited); a period not started has the refill's amount."""
    return balances([meter], [policy], at)[0]


def balances(meter_ids: Sequence[str], policies: Sequence[CreditPolicy | None], at: float) -> list[int | None]:
    """`balance` of many holders, in one read of the meters of those with credits."""
    wanted = [m for m, p in zip(meter_ids, policies, strict=True) if p is not None]
    states = meters.read(list(dict.fromkeys(wanted))) if wanted else {}
    return [
        None if policy is None else policy.balance_in(states[meter], at)
        for meter, policy in zip(meter_ids, policies, strict=True)
    ]


def replaced_balance(meter: str, old: Limits, new: Limits, credits: int | None, at: float) -> Balance | None:
    """The balance write of a change of limits: the new policy's balance set to `credits`
    (None: carried over), and what no process can read any more dropped.

    Kept: the current and the previous window of every limit, old or new (a limit removed and
    given back within its window goes on counting, as every process's memory of it says), and
    the current and the previous period's balance (a process whose clock lags a little behind
    a period's start must find the old balance, not start a second refill).
    """
    state = meters.read([meter])[meter] if not old.empty else {}
    durations = {r.name: r for r in (*old.ratelimits, *new.ratelimits)}
    policy = new.credits or old.credits
    current = period_of(policy.refill, at) if policy is not None else None
    keep = {credit_attribute(current), credit_attribute(_step_back(current))} if current is not None else set()
    drop: list[str] = []
    for name in state:
        if name.startswith("r:"):
            limit_name, _, window = name[2:].rpartition(":")
            limit = durations.get(limit_name)
            fresh = limit is not None and window.lstrip("-").isdigit() and int(window) >= window_of(limit, at) - 1
            if not fresh:
                drop.append(name)
        elif name.startswith("c:") and name not in keep:
            drop.append(name)
    if new.credits is None:
        return Balance(meter, "", None, tuple(drop)) if drop else None
    attribute = new.credits.attribute(at)
    value = credits
    if value is None:
        # The policy changed but not the balance: carry what the holder has now.
        value = old.credits.balance_in(state, at) if old.credits is not None else new.credits.start
    return Balance(meter, attribute, value, tuple(drop))


def change_credits(
    meter: str, policy: CreditPolicy, op: str, value: int, at: float, audited: Callable[[Transaction], None]
) -> int:
    """Sets, increments or decrements a holder's balance (never below 0), audited in the same
    transaction; returns it after."""
    return meters.change_balance(meter, policy.attribute(at), policy.start, op, value, audited)
