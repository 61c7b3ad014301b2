"""Scheduled jobs, by name.

Each job is a function with no arguments that does one round of its work and returns
a JSON-able summary; it must be safe to run twice at once or twice in a row. The
deployed stages run them on a schedule, the local stack from its scheduler thread, and
`POST /v1/dev/jobs/{job}` on demand. Entries are "module:function" strings so that
importing the app does not import every job.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from chalicelib.errors import NotFoundError

# name -> "module:function"; issues that add a job add it here, and its local interval below.
JOBS: dict[str, str] = {
    "webhook-dispatch": "chalicelib.services.webhook_delivery:dispatch",
    "expiry-sweep": "chalicelib.jobs.expiry:sweep",
    "usage-rollup": "chalicelib.jobs.usage_rollup:rollup",
}


def local_intervals() -> dict[str, float]:
    """Seconds between runs of each job in the local stack (deployed stages schedule them in app.py)."""
    from chalicelib.config import get_settings

    return {"webhook-dispatch": 1.0, "expiry-sweep": 60.0, "usage-rollup": get_settings().rollup_interval}


def job_function(name: str) -> Callable[[], dict[str, Any]]:
    try:
        target = JOBS[name]
    except KeyError:
        raise NotFoundError(f"no job named {name!r}; known jobs: {sorted(JOBS) or 'none yet'}") from None
    module_name, _, function_name = target.partition(":")
    function: Callable[[], dict[str, Any]] = getattr(importlib.import_module(module_name), function_name)
    return function


def run_job(name: str) -> dict[str, Any]:
    """Runs one round of the job now and returns its summary."""
    return job_function(name)()
