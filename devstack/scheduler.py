"""Runs the registered jobs on their local intervals, in one background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from chalicelib.jobs import JOBS, run_job

log = logging.getLogger("keywarden.devstack")


class Scheduler(threading.Thread):
    """Runs each job in `intervals` that is registered, every `intervals[job]` seconds."""

    def __init__(self, intervals: Mapping[str, float]) -> None:
        super().__init__(name="keywarden-scheduler", daemon=True)
        self._intervals = dict(intervals)
        self._stop_event = threading.Event()

    def run(self) -> None:
        due = {name: time.monotonic() + interval for name, interval in self._intervals.items()}
        while not self._stop_event.is_set():
            now = time.monotonic()
            for name, at in due.items():
                if name in JOBS and now >= at:
                    try:
                        run_job(name)
                    except Exception:
                        log.exception("job %s failed; it runs again at its next interval", name)
                    due[name] = time.monotonic() + self._intervals[name]
            self._stop_event.wait(min([0.5, *(max(0.0, at - time.monotonic()) for at in due.values())]))

    def stop(self) -> None:
        self._stop_event.set()
