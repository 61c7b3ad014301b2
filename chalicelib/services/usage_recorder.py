"""Counting verifications: by project, key, hour and outcome code.

Two modes (`KEYWARDEN_USAGE_MODE`):

- `buffered` (default): a count is a dictionary update in memory; the process's buffer is
  written in batched transactions at least once a second and whenever 1,000 counts are
  waiting. A verification never waits for DynamoDB. Who flushes depends on where the
  process runs:
  - a long-lived process (the local stack, a container): a background thread;
  - AWS Lambda, where a frozen process runs no thread: the API function's internal
    extension (`lambda_extension`) after the response has been sent, or, if the extension
    could not register, the end of the invocation itself, whenever a flush is due.
  What a crash can lose is what the buffer held: the counts of less than one second
  (never more than about 1,000 plus those arriving during one flush), and in Lambda, the
  counts an environment took since its last flush when Lambda reclaims it idle. See README.
- `sync`: each count is written before the verification answers (for billing on counts).
  Writers are a pool of slots, so parallel verifications in one process do not queue on
  one item.

Counts are cumulative per writer (`store.usage_counters`): a failed or repeated flush is
written again whole, and can neither lose nor double a count.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid

from chalicelib.config import get_settings
from chalicelib.domain.usage import NO_KEY, hour_of, hour_start
from chalicelib.domain.verification import VALID, Verdict
from chalicelib.resets import on_reset
from chalicelib.store import usage_counters
from chalicelib.store.usage_counters import CounterRow

log = logging.getLogger("keywarden.usage")

FLUSH_INTERVAL_SECONDS = 1.0
SIZE_BOUND = 1_000
SYNC_SLOTS = 8
# A writer forgets an hour's counts once they are written and the hour is this many hours
# past: no verification is counted in an hour that long gone.
KEEP_HOURS = 2

# Whether the buffered mode may start its flushing thread (outside Lambda). The functional
# tests turn it off and flush by hand, so that no thread writes to moto behind a test's back.
background_flush = True


class _Entry:
    __slots__ = ("counts", "dirty", "last_valid_at")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.last_valid_at: float | None = None
        self.dirty = False


class Writer:
    """The cumulative counts of one writer, and its flushes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[tuple[str, str, int], _Entry] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._seq = 0
        self.pending = 0
        # Never flushed: a fresh process's first counts are due at once. A fresh Lambda
        # environment that serves one invocation and is reclaimed must not keep them.
        self.last_flush = float("-inf")

    def add(self, project_id: str, key_id: str, code: str, at: float) -> int:
        """Counts one verification; returns how many counts wait for a flush."""
        slot = (project_id, key_id, hour_of(at))
        with self._lock:
            entry = self._entries.get(slot)
            if entry is None:
                entry = self._entries[slot] = _Entry()
            entry.counts[code] = entry.counts.get(code, 0) + 1
            if code == VALID:
                entry.last_valid_at = at
            entry.dirty = True
            self.pending += 1
            return self.pending

    def flush(self) -> int:
        """Writes every entry counted since its last write; returns how many items it wrote.

        On an error the entries stay due, and the next flush writes them (with what was
        counted meanwhile); the error is raised.
        """
        with self._flushing:
            with self._lock:
                due = [(slot, entry) for slot, entry in self._entries.items() if entry.dirty]
                rows = [
                    CounterRow(
                        project_id=slot[0],
                        key_id=slot[1],
                        hour=hour_start(slot[2]),
                        writer=self.name,
                        counts=dict(entry.counts),
                        last_valid_at=entry.last_valid_at,
                    )
                    for slot, entry in due
                ]
                for _, entry in due:
                    entry.dirty = False
                waiting, self.pending = self.pending, 0
                self._seq += 1
                seq = self._seq
                self.last_flush = time.monotonic()
            if not rows:
                return 0
            try:
                usage_counters.write(rows, seq)
            except BaseException:
                with self._lock:
                    for _, entry in due:
                        entry.dirty = True
                    self.pending += waiting
                raise
            with self._lock:
                # Only once written: an entry forgotten before a failed write would lose its counts.
                self._forget_old_hours()
            return len(rows)

    def _forget_old_hours(self) -> None:
        oldest = hour_of(time.time()) - KEEP_HOURS
        for slot in [s for s, e in self._entries.items() if not e.dirty and s[2] < oldest]:
            del self._entries[slot]

    def due(self) -> bool:
        return self.pending > 0 and (
            self.pending >= SIZE_BOUND or time.monotonic() - self.last_flush >= FLUSH_INTERVAL_SECONDS
        )


class Recorder:
    """The process's counting: one buffer, a pool of synchronous writers, a flushing thread."""

    def __init__(self) -> None:
        process = uuid.uuid4().hex[:16]
        self.buffer = Writer(process)
        self._slots: queue.LifoQueue[Writer] = queue.LifoQueue()
        for index in range(SYNC_SLOTS):
            self._slots.put(Writer(f"{process}.{index}"))
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.in_lambda = bool(os.environ.get("AWS_LAMBDA_RUNTIME_API"))

    def count(self, project_id: str, key_id: str, code: str) -> None:
        at = time.time()
        if get_settings().usage_mode == "sync":
            writer = self._slots.get()
            try:
                writer.add(project_id, key_id, code, at)
                writer.flush()
            finally:
                self._slots.put(writer)
            return
        waiting = self.buffer.add(project_id, key_id, code, at)
        if self._thread is None and not self.in_lambda and background_flush:
            self._start_thread()
        if waiting >= SIZE_BOUND:
            self._wake.set()

    def flush(self) -> int:
        return self.buffer.flush()

    def flush_if_due(self) -> int:
        return self.buffer.flush() if self.buffer.due() else 0

    def _start_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="keywarden-usage-flush", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(FLUSH_INTERVAL_SECONDS)
            self._wake.clear()
            try:
                self.buffer.flush()
            except Exception:
                log.exception("usage flush failed; its counts stay buffered for the next one")

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)


_recorder: Recorder | None = None
_recorder_lock = threading.Lock()


def recorder() -> Recorder:
    global _recorder
    if _recorder is None:
        with _recorder_lock:
            if _recorder is None:
                _recorder = Recorder()
    return _recorder


def count(verdict: Verdict, project_id: str) -> None:
    """Counts one verification answered to `project_id` (the caller's project).

    The key is the record's when it belongs to that project; otherwise (malformed, unknown
    or another project's key) the count goes to the project's totals only.
    """
    record = verdict.record
    key_id = record.key_id if record is not None and record.project_id == project_id else NO_KEY
    recorder().count(project_id, key_id, verdict.code)
    if key_id != NO_KEY and record is not None and record.identity is not None:
        # Again under the identity: its usage is a series of its own (never in the project's total).
        recorder().count(project_id, record.identity.id, verdict.code)


def flush() -> int:
    """Writes this process's buffered counts now (the rollup does this first)."""
    return recorder().flush()


def flush_if_due() -> int:
    return recorder().flush_if_due()


@on_reset
def reset_recorder() -> None:
    """Stops the flushing thread and forgets every buffered count (tests, the local stack)."""
    global _recorder
    with _recorder_lock:
        old, _recorder = _recorder, None
    if old is not None:
        old.stop()
