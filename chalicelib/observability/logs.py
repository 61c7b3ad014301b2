"""Every `keywarden.*` logger writes one JSON object per line to stdout, via powertools' Logger
(the request line, `api/request_log.py`, is encoded directly in the same shape).

`configure()` (called when the app object is made) gives the `keywarden` logger its level and
a handler; every `keywarden.<part>` logger propagates to it, so `log.exception` in
`chalicelib.api.http` prints the same JSON as the request lines, with the traceback in its
`exception` field:

    {"level":"ERROR","location":"run:212","message":"unexpected error in ...","timestamp":
     "2026-11-24T07:31:10.123+00:00","service":"keywarden","exception":"Traceback ...", ...}

powertools' Logger is made at the first record, not at import: importing powertools costs
about 6 ms, which took the cold start past its target (README, "Observability"). The level is
set at import by the rule powertools applies when it is made: Lambda's log-level setting
(`AWS_LAMBDA_LOG_LEVEL`) if any, else `POWERTOOLS_LOG_LEVEL`, else INFO.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.observability import json_logs
else:
    # powertools is imported with the first record, not at cold start (see above).
    json_logs = lazy_module("chalicelib.observability.json_logs")

SERVICE = "keywarden"
# Lambda's advanced logging controls' levels, as powertools maps them.
_LAMBDA_LEVELS = {
    "TRACE": "NOTSET",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
}


def write_line(text: str) -> None:
    """Writes `text` and its newline to stdout in one write, and flushes.

    One write, because the local server answers requests in threads, and a line written in
    two parts (as print() writes its text, then its newline) can be split by another thread's
    line. `sys.stdout` is looked up at each call, so a redirect (a bench, pytest's capture)
    sees the lines too.
    """
    stream = sys.stdout
    stream.write(text + "\n")
    stream.flush()


class StdoutHandler(logging.Handler):
    """Writes each record as one JSON line (`write_line`), formatted by powertools' Logger,
    which is made when the first record comes (under the handler's lock: once)."""

    def format(self, record: logging.LogRecord) -> str:
        if self.formatter is None:
            json_logs.attach_powertools(self, SERVICE)
        return super().format(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            write_line(self.format(record))
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def log_level() -> str:
    """The level powertools' Logger sets: Lambda's, else POWERTOOLS_LOG_LEVEL (or LOG_LEVEL), else INFO."""
    lambda_level = _LAMBDA_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", ""))
    return lambda_level or (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO").upper()


def configure() -> None:
    """Makes the `keywarden` logger write JSON lines to stdout; repeated calls change nothing."""
    service_log = logging.getLogger(SERVICE)
    if any(isinstance(handler, StdoutHandler) for handler in service_log.handlers):
        return
    service_log.setLevel(log_level())
    service_log.addHandler(StdoutHandler())
    # The lines are complete where they are: a root handler (Lambda's, or the local stack's
    # for other libraries' warnings on stderr) must not print them a second time.
    service_log.propagate = False
