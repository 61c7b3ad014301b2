"""Shapes of rate limits and credits, as keys and identities carry them (API.md, "Limits"),
and their conversion to the domain's `Limits`."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.schemas import Body, Timestamp
from chalicelib.domain import limits
from chalicelib.errors import FieldError, ValidationFailedError

LimitName = Annotated[str, Meta(pattern=r"^[a-z0-9_.-]{1,64}(?!\n)$", examples=["requests"])]
Credits = Annotated[int, Meta(ge=0, le=limits.MAX_CREDITS)]


class RateLimitSpec(Struct, forbid_unknown_fields=True):
    """At most `limit` accepted verifications in each window of `duration_seconds` (windows
    aligned to the epoch: a 60 s window resets on the minute)."""

    name: LimitName
    limit: Annotated[int, Meta(ge=1, le=limits.MAX_LIMIT)]
    duration_seconds: Annotated[int, Meta(ge=1, le=limits.MAX_DURATION_SECONDS)]
    auto_apply: Annotated[
        bool, Meta(description="applied to every verification that names no limits; else only when named")
    ] = True


class RefillSpec(Struct, forbid_unknown_fields=True):
    amount: Annotated[
        Credits, Meta(description="the balance is *set* to this at each period's start (UTC), when first needed")
    ]
    interval: Literal["day", "month"]
    day_of_month: (
        Annotated[int, Meta(ge=1, le=31, description="month only (default 1); past a month's end: its last day")] | None
    ) = None


class CreditsSpec(Struct, forbid_unknown_fields=True):
    """Credits a holder starts with; each accepted verification spends its `cost` (default 1)."""

    remaining: Credits
    refill: RefillSpec | None = None
    notify_below: (
        Annotated[Credits, Meta(description="`key.credits_low` (`identity.credits_low`) when the balance drops below")]
        | None
    ) = None


class CreditsUpdate(Struct, forbid_unknown_fields=True):
    """Credits replaced by a PATCH: the policy as given; the balance set to `remaining`, or
    kept as it is when `remaining` is left out (a change of refill or threshold alone)."""

    remaining: Credits | UnsetType = UNSET
    refill: RefillSpec | None = None
    notify_below: (
        Annotated[Credits, Meta(description="`key.credits_low` (`identity.credits_low`) when the balance drops below")]
        | None
    ) = None


class CreditsView(Struct):
    remaining: Annotated[int, Meta(description="the balance now (a refill due is counted as done)")]
    refill: RefillSpec | None
    notify_below: int | None


RateLimits = Annotated[list[RateLimitSpec], Meta(max_length=limits.MAX_RATELIMITS)]


class CreditsChange(Body):
    """`set` the balance, or `increment` / `decrement` it (never below 0: a larger decrement leaves 0)."""

    op: Literal["set", "increment", "decrement"]
    value: Credits


class CreditsBalance(Struct):
    remaining: int


class RateLimitState(Struct):
    name: str
    limit: int
    remaining: Annotated[int, Meta(description="what this window still accepts after this verification")]
    reset_at: Annotated[Timestamp, Meta(description="when the window ends")]


class CreditsState(Struct):
    remaining: int


class LimitRequest(Struct, forbid_unknown_fields=True):
    name: LimitName
    cost: Annotated[int, Meta(ge=0, le=limits.MAX_COST)] = 1


# Given on a verification: which limits to apply (default every auto_apply limit, at cost 1).
LimitRequests = Annotated[list[LimitRequest], Meta(max_length=limits.MAX_RATELIMITS * 2)]
Cost = Annotated[int, Meta(ge=0, le=limits.MAX_COST, description="credits this verification spends when accepted")]


def to_limits(
    ratelimits: list[RateLimitSpec] | UnsetType,
    credits: CreditsSpec | CreditsUpdate | None | UnsetType,
    *,
    prefix: str = "",
) -> tuple[tuple[limits.RateLimit, ...], limits.CreditPolicy | None, int | None]:
    """The domain's rate limits and credit policy of a body, and the balance to set (None:
    unlimited, or a PATCH that keeps the balance); raises ValidationFailedError for what the
    schema cannot say (duplicate names, a refill day without a monthly refill)."""
    errors: list[FieldError] = []
    rates: tuple[limits.RateLimit, ...] = ()
    if ratelimits is not UNSET:
        seen: set[str] = set()
        for index, spec in enumerate(ratelimits):
            if spec.name in seen:
                errors.append(FieldError(f"{prefix}ratelimits[{index}].name", "duplicate limit name"))
            seen.add(spec.name)
        rates = tuple(limits.RateLimit(s.name, s.limit, s.duration_seconds, s.auto_apply) for s in ratelimits)
    policy, balance = None, None
    if credits is not UNSET and credits is not None:
        refill = None
        if credits.refill is not None:
            given = credits.refill
            if given.day_of_month is not None and given.interval != "month":
                errors.append(FieldError(f"{prefix}credits.refill.day_of_month", "only for a monthly refill"))
            refill = limits.Refill(given.amount, given.interval, given.day_of_month)
        remaining = credits.remaining
        policy, balance = limits.CreditPolicy(refill, credits.notify_below), None if remaining is UNSET else remaining
    if errors:
        raise ValidationFailedError(errors)
    return rates, policy, balance


def rate_limit_specs(rates: tuple[limits.RateLimit, ...]) -> list[RateLimitSpec]:
    return [RateLimitSpec(r.name, r.limit, r.duration_seconds, r.auto_apply) for r in rates]


def credits_view(policy: limits.CreditPolicy | None, remaining: int | None) -> CreditsView | None:
    if policy is None:
        return None
    refill = policy.refill
    return CreditsView(
        remaining=remaining or 0,
        refill=RefillSpec(refill.amount, refill.interval, refill.day_of_month) if refill else None,
        notify_below=policy.notify_below,
    )
