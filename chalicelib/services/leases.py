"""Leases: how a process serves a hot key's rate limit without a write per verification.

One DynamoDB item takes about 1,000 writes a second, so a limit of 10,000 a second cannot
be charged one write at a time. When this process sees a limit's counter hot (at least
`LEASE_AT` verifications in the last second) and the limit is large enough to slice, it
takes a *slice* of the window's budget in one conditional write (the same write that
charges one verification, with the slice as its cost: the window's count can never pass
the limit) and spends it in memory. So:

- never more than `limit` accepted in a window, in any number of processes: every unit
  spent was counted in the item first;
- writes per accepted verification are 1 / slice; the slice is a tenth of a second of the
  counter's traffic here, at least `MIN_SLICE`, at most a fortieth of the limit;
- what a window loses is what leases held unspent when it ended: at most a slice per
  process, a fortieth of the limit, so one steady caller reaches 97.5 % of its limit;
- a slice the window can no longer give whole is taken as what is left, once;
  a window with nothing left is refused in memory until it ends.

Credits are never leased: a balance is exact, one write per verification.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from chalicelib.domain.limits import Plan, RateCharge
from chalicelib.resets import on_reset
from chalicelib.store import meters

LEASE_AT = 100  # verifications of one counter in one second, in this process
MIN_SLICE = 10
SLICE_SECONDS = 0.1
MAX_SHARE = 40  # a slice is at most limit / MAX_SHARE


@dataclass
class _Heat:
    second: int = 0
    count: int = 0
    last: int = 0  # the count of the previous second


@dataclass
class _Lease:
    lock: threading.Lock = field(default_factory=threading.Lock)
    attribute: str = ""
    units: int = 0
    # The window's count in the item when this process last wrote it, and whether nothing is left.
    counted: int = 0
    spent_out: bool = False


_heat: dict[tuple[str, str], _Heat] = {}
_leases: dict[tuple[str, str], _Lease] = {}
_lock = threading.Lock()
_MAX_COUNTERS = 10_000


@on_reset
def _forget() -> None:
    with _lock:
        _heat.clear()
        _leases.clear()


def _slice(charge: RateCharge, rate: int) -> int:
    return max(MIN_SLICE, min(int(rate * SLICE_SECONDS), charge.limit.limit // MAX_SHARE))


def leasable(charge: RateCharge, at: float) -> bool:
    """Whether this counter is served from a lease: hot here, and its limit large enough
    that a slice of at least MIN_SLICE is at most a fortieth of it. Counts this request."""
    if charge.limit.limit // MAX_SHARE < MIN_SLICE:
        return False
    second = int(at)
    name = (charge.holder, charge.limit.name)
    with _lock:
        heat = _heat.get(name)
        if heat is None:
            if len(_heat) >= _MAX_COUNTERS:
                _heat.clear()
            heat = _heat[name] = _Heat(second)
        if heat.second != second:
            heat.last = heat.count if heat.second == second - 1 else 0
            heat.second, heat.count = second, 0
        heat.count += 1
        return max(heat.last, heat.count) >= LEASE_AT


def _lease_of(charge: RateCharge) -> _Lease:
    name = (charge.holder, charge.limit.name)
    with _lock:
        lease = _leases.get(name)
        if lease is None:
            if len(_leases) >= _MAX_COUNTERS:
                _leases.clear()
            lease = _leases[name] = _Lease()
        return lease


def take(charge: RateCharge) -> int | None:
    """Spends `charge.cost` from this process's lease of the counter's window, leasing a
    slice first if it must (one write); returns what the window has left as far as this
    process knows, or None when the window cannot give the cost (RATE_LIMITED)."""
    lease = _lease_of(charge)
    with lease.lock:
        if lease.attribute != charge.attribute:
            # A new window: whatever the last one's lease held is gone with it.
            lease.attribute, lease.units, lease.counted, lease.spent_out = charge.attribute, 0, 0, False
        if lease.units < charge.cost and not lease.spent_out:
            _extend(lease, charge)
        if lease.units < charge.cost:
            return None
        lease.units -= charge.cost
        return charge.limit.limit - lease.counted + lease.units


def give_back(charge: RateCharge) -> None:
    """Returns units `take` spent, for a request refused later (by another limit or credits)."""
    lease = _lease_of(charge)
    with lease.lock:
        if lease.attribute == charge.attribute:
            lease.units += charge.cost


def _extend(lease: _Lease, charge: RateCharge) -> None:
    heat = _heat.get((charge.holder, charge.limit.name))
    rate = max(heat.last, heat.count) if heat else LEASE_AT
    wanted = max(_slice(charge, rate), charge.cost - lease.units)
    for _ in range(2):
        slice_ = RateCharge(charge.scope, charge.holder, charge.limit, wanted, charge.window)
        charged = meters.charge(Plan(rates=(slice_,)))
        counted = charged.states.get(charge.holder, {}).get(charge.attribute, 0)
        lease.counted = counted
        if charged.accepted:
            lease.units += wanted
            return
        left = charge.limit.limit - counted
        if left + lease.units < charge.cost or left <= 0:
            lease.spent_out = True
            return
        wanted = left  # the rest of the window, once
    lease.spent_out = True
