"""Scheduled jobs, by name.

Each job is a function with no arguments that does one round of its work and returns
a JSON-able summary; it must be safe to run twice at once or twice in a row. The
deployed stages run them on a schedule, the local stack from its scheduler thread, and
`POST /v1/dev/jobs/{job}` on demand. The jobs' modules are deferred (see chalicelib.lazy)
so that importing the app does not import every job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.errors import NotFoundError
from chalicelib.lazy import lazy_module

# At the job's first run (see chalicelib.lazy). Private names: a stand-in named `expiry` here
# would be what `from chalicelib.jobs import expiry` finds, instead of the submodule.
if TYPE_CHECKING:
    from chalicelib.jobs import expiry as _expiry
    from chalicelib.jobs import usage_rollup as _usage_rollup
    from chalicelib.services import webhook_delivery as _webhook_delivery
else:
    _expiry = lazy_module("chalicelib.jobs.expiry")
    _usage_rollup = lazy_module("chalicelib.jobs.usage_rollup")
    _webhook_delivery = lazy_module("chalicelib.services.webhook_delivery")

Job = Callable[[], dict[str, Any]]

# name -> one round of the job; issues that add a job add it here, and its local interval below.
# Each reads its function when it runs: naming it here would import its module with the app.
JOBS: dict[str, Job] = {
    "webhook-dispatch": lambda: _webhook_delivery.dispatch(),
    "expiry-sweep": lambda: _expiry.sweep(),
    "usage-rollup": lambda: _usage_rollup.rollup(),
}


def local_intervals() -> dict[str, float]:
    """Seconds between runs of each job in the local stack (deployed stages schedule them in app.py)."""
    return {"webhook-dispatch": 1.0, "expiry-sweep": 60.0, "usage-rollup": get_settings().rollup_interval}


def job_function(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise NotFoundError(f"no job named {name!r}; known jobs: {sorted(JOBS) or 'none yet'}") from None


def run_job(name: str) -> dict[str, Any]:
    """Runs one round of the job now and returns its summary."""
    return job_function(name)()
