"""Leases of hot rate limits (`chalicelib/services/leases.py`), against a meter that keeps the
store's rule (a charge commits only if the window has room for it) in memory, so that many
threads can race on it: never more than the limit, few writes, little lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.limits import Plan, RateCharge, RateLimit
from chalicelib.resets import reset_all
from chalicelib.services import leases
from chalicelib.store.meters import Charged


class Meter:
    """The meter item's rule, atomically: every rate of a plan has room, or nothing is charged."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.writes = 0
        self.lock = threading.Lock()

    def charge(self, plan: Plan, remove: Any = None) -> Charged:
        with self.lock:
            self.writes += 1
            if any(self.counts.get(c.attribute, 0) + c.cost > c.limit.limit for c in plan.rates):
                return Charged(False, {c.holder: dict(self.counts) for c in plan.rates})
            for c in plan.rates:
                self.counts[c.attribute] = self.counts.get(c.attribute, 0) + c.cost
            return Charged(True, {c.holder: dict(self.counts) for c in plan.rates})


@pytest.fixture
def meter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Meter]:
    reset_all()
    fake = Meter()
    monkeypatch.setattr(leases.meters, "charge", fake.charge)
    yield fake
    reset_all()


def charge_of(limit: int, window: int = 7, cost: int = 1) -> RateCharge:
    return RateCharge("key", "key#k", RateLimit("hot", limit, 1), cost, window)


def test_a_counter_is_leased_only_once_hot_and_only_when_its_limit_can_be_sliced() -> None:
    reset_all()
    big, small = charge_of(10_000), charge_of(150)
    assert [leases.leasable(big, 100.5) for _ in range(leases.LEASE_AT)][-2:] == [False, True]
    assert not any(leases.leasable(small, 100.5) for _ in range(500)), "150 / 20 < 10: never sliced"


def test_racing_threads_never_take_more_than_the_limit_and_write_once_per_slice(meter: Meter) -> None:
    charge = charge_of(10_000)
    for _ in range(1_000):
        leases.leasable(charge, 100.2)  # the counter is hot: 1,000 in this second, here
    accepted = [0] * 8

    def caller(index: int) -> None:
        for _ in range(2_000):
            if leases.take(charge) is not None:
                accepted[index] += 1

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(accepted) == 10_000 == meter.counts[charge.attribute]
    # A slice is a tenth of a second of the traffic seen: 100 verifications a write.
    assert meter.writes / sum(accepted) <= 0.02


def test_a_window_loses_at_most_the_unspent_slice_and_the_next_starts_afresh(meter: Meter) -> None:
    first = charge_of(2_000, window=7)
    for _ in range(leases.LEASE_AT):
        leases.leasable(first, 7.5)
    taken = sum(leases.take(first) is not None for _ in range(1_950))
    assert taken == 1_950
    assert meter.counts[first.attribute] - taken <= 2_000 // leases.MAX_SHARE
    second = charge_of(2_000, window=8)
    assert leases.take(second) is not None and meter.counts[second.attribute] >= 1


def test_a_window_with_less_left_than_a_slice_gives_what_is_left_then_refuses(meter: Meter) -> None:
    charge = charge_of(1_000)
    meter.counts[charge.attribute] = 990  # other processes took the rest
    taken = [leases.take(charge) is not None for _ in range(15)]
    assert taken == [True] * 10 + [False] * 5
    writes = meter.writes
    assert leases.take(charge) is None and meter.writes == writes, "a spent window refuses without a write"


def test_units_given_back_are_spent_again(meter: Meter) -> None:
    charge = charge_of(1_000)
    meter.counts[charge.attribute] = 999
    assert leases.take(charge) is not None
    assert leases.take(charge) is None
    leases.give_back(charge)
    assert leases.take(charge) is not None
