"""Process-wide caches and clients, forgotten together.

Tests (and the local stack, when it points the service at its moto server) call
`reset_all()` so that nothing built for one environment leaks into the next.
"""

from __future__ import annotations

from collections.abc import Callable

_RESETS: list[Callable[[], None]] = []


def on_reset(function: Callable[[], None]) -> Callable[[], None]:
    """Registers `function` to run on every reset_all(); usable as a decorator."""
    _RESETS.append(function)
    return function


def reset_all() -> None:
    """Runs every registered reset, in the order they were registered."""
    for function in _RESETS:
        function()
