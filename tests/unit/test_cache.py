"""TtlCache, driven by an injected clock: expiry, cached misses, the bound on entries, invalidation."""

from __future__ import annotations

import pytest

from chalicelib.cache import TtlCache

TTL = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def cache_with(clock: Clock, max_entries: int = 100, ttl: float = TTL) -> TtlCache[str, object]:
    return TtlCache(max_entries=max_entries, ttl=lambda: ttl, clock=clock)


def test_an_unknown_key_is_no_entry(clock: Clock) -> None:
    assert cache_with(clock).get("nope") == (False, None)


def test_a_stored_value_is_returned(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("k", {"record": 1})
    assert cache.get("k") == (True, {"record": 1})


def test_an_entry_lives_until_its_ttl_and_then_expires(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("k", "v")
    clock.advance(TTL - 0.001)
    assert cache.get("k") == (True, "v")
    clock.advance(0.001)
    assert cache.get("k") == (False, None)
    clock.advance(3600)
    assert cache.get("k") == (False, None)


def test_storing_again_restarts_the_ttl(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("k", "old")
    clock.advance(TTL - 1)
    cache.put("k", "new")
    clock.advance(TTL - 1)
    assert cache.get("k") == (True, "new")
    clock.advance(1)
    assert cache.get("k") == (False, None)


def test_each_entry_expires_on_its_own_schedule(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("early", 1)
    clock.advance(3)
    cache.put("late", 2)
    clock.advance(TTL - 3)
    assert cache.get("early") == (False, None)
    assert cache.get("late") == (True, 2)


def test_a_cached_miss_is_distinguishable_from_no_entry(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("missing-key", None)
    assert cache.get("missing-key") == (True, None)
    assert cache.get("never-looked-up") == (False, None)
    clock.advance(TTL)
    assert cache.get("missing-key") == (False, None)


@pytest.mark.parametrize("falsy", [None, 0, "", False, (), {}])
def test_falsy_values_are_cached_as_such(clock: Clock, falsy: object) -> None:
    cache = cache_with(clock)
    cache.put("k", falsy)
    assert cache.get("k") == (True, falsy)


def test_the_oldest_entry_is_evicted_when_full(clock: Clock) -> None:
    cache = cache_with(clock, max_entries=3)
    for key in "abcd":
        cache.put(key, key.upper())
    assert len(cache) == 3
    assert cache.get("a") == (False, None)
    assert [cache.get(key) for key in "bcd"] == [(True, "B"), (True, "C"), (True, "D")]


def test_storing_a_key_again_makes_it_the_newest(clock: Clock) -> None:
    cache = cache_with(clock, max_entries=3)
    for key in "abc":
        cache.put(key, 1)
    cache.put("a", 2)
    cache.put("d", 1)
    assert cache.get("a") == (True, 2)
    assert cache.get("b") == (False, None)


def test_the_bound_holds_whatever_keys_callers_send(clock: Clock) -> None:
    cache = cache_with(clock, max_entries=10)
    for number in range(1000):
        cache.put(f"key-{number}", number)
        assert len(cache) <= 10
    assert [cache.get(f"key-{number}") for number in range(990, 1000)] == [(True, n) for n in range(990, 1000)]
    assert cache.get("key-989") == (False, None)


def test_invalidate_removes_only_the_given_keys(clock: Clock) -> None:
    cache = cache_with(clock)
    for key in "abc":
        cache.put(key, key)
    cache.invalidate(["a", "c", "never-stored"])
    assert cache.get("a") == (False, None)
    assert cache.get("b") == (True, "b")
    assert cache.get("c") == (False, None)


def test_invalidate_removes_a_cached_miss(clock: Clock) -> None:
    cache = cache_with(clock)
    cache.put("k", None)
    cache.invalidate(iter(["k"]))
    assert cache.get("k") == (False, None)


def test_clear_removes_everything(clock: Clock) -> None:
    cache = cache_with(clock)
    for key in "abc":
        cache.put(key, key)
    cache.clear()
    assert len(cache) == 0
    assert [cache.get(key) for key in "abc"] == [(False, None)] * 3


@pytest.mark.parametrize("ttl", [0.0, -1.0])
def test_a_ttl_of_zero_caches_nothing(clock: Clock, ttl: float) -> None:
    cache = cache_with(clock, ttl=ttl)
    cache.put("k", "v")
    cache.put("miss", None)
    assert len(cache) == 0  # not even held until the next read
    assert cache.get("k") == (False, None)
    assert cache.get("miss") == (False, None)


def test_the_ttl_is_read_when_an_entry_is_stored(clock: Clock) -> None:
    # The TTL comes from settings, read at use: a new value applies to entries stored after it.
    ttl = {"seconds": 0.0}
    cache: TtlCache[str] = TtlCache(max_entries=10, ttl=lambda: ttl["seconds"], clock=clock)
    cache.put("before", "v")
    ttl["seconds"] = 30.0
    cache.put("after", "v")
    clock.advance(29)
    assert cache.get("before") == (False, None)
    assert cache.get("after") == (True, "v")
