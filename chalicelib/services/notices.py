"""Notices of limits, by webhook: a balance fell below `notify_below`, credits ran out, a rate
limit refused. `key.*` for a key's own limits, `identity.*` for its identity's.

Each is an observation, not a change: it has no transaction to join, so it is written to
the outbox on its own (`outbox.publish_once`), once. A balance crosses a threshold in
exactly one accepted charge (the meter's writes are serialized), so that request sends it;
a rate limit's refusals are announced once per key, limit and window, by an id derived from
them (any number of processes refusing write one event), and this process remembers it has
so that a flood of refusals costs no write at all.
"""

from __future__ import annotations

from typing import Any

from chalicelib import cache
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.ids import derived_id, new_id
from chalicelib.domain.limits import IDENTITY, Metered, Plan, balance_of
from chalicelib.domain.verification import KeyRecord
from chalicelib.store import outbox


def _subject(record: KeyRecord, scope: str) -> dict[str, Any]:
    data: dict[str, Any] = {"project_id": record.project_id, "key_id": record.key_id}
    identity = record.identity
    if identity is not None:
        data["identity"] = {"id": identity.id, "external_id": identity.external_id}
    if scope != IDENTITY:
        data["owner_id"] = record.owner_id or None
    return data


def after_spend(record: KeyRecord, plan: Plan, states: dict[str, dict[str, int]]) -> None:
    """Announces the balance this accepted charge took below `notify_below`, or to zero."""
    charge = plan.credits
    if charge is None or charge.cost == 0:
        return
    after = balance_of(states.get(charge.holder, {}), charge)
    before = after + charge.cost
    events: list[tuple[str, dict[str, Any]]] = []
    threshold = charge.policy.notify_below
    if threshold is not None and before >= threshold > after:
        events.append(("credits_low", {"remaining": after, "notify_below": threshold}))
    if after == 0 < before:
        events.append(("credits_exhausted", {"remaining": 0}))
    for name, extra in events:
        outbox.publish_once(
            record.project_id, new_id("obx"), f"{charge.scope}.{name}", _subject(record, charge.scope) | extra
        )


def after_refusal(record: KeyRecord, plan: Plan, metered: Metered) -> None:
    """Announces each rate limit that refused, once per holder, limit and window."""
    if metered.refusal != "RATE_LIMITED":
        return
    left = {state.name: state for state in metered.rates}
    for charge in plan.rates:
        state = left.get(charge.limit.name)
        if state is None or state.remaining >= charge.cost:
            continue
        seen = f"{charge.holder}|{charge.limit.name}|{charge.limit.duration_seconds}|{charge.window}"
        found, _ = cache.notices_sent.get(seen)
        if found:
            continue
        window_start_ms = charge.window * charge.limit.duration_seconds * 1000
        limit = charge.limit
        outbox.publish_once(
            record.project_id,
            derived_id("obx", window_start_ms, seen),
            f"{charge.scope}.rate_limited",
            _subject(record, charge.scope)
            | {
                "ratelimit": {"name": limit.name, "limit": limit.limit, "duration_seconds": limit.duration_seconds},
                "reset_at": rfc3339(charge.reset_at),
            },
        )
        cache.notices_sent.put(seen, True)
