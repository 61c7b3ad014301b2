"""One JSON line per HTTP request: what was asked, of which project, by whom, and how it went.

    {"level":"INFO","message":"POST /v1/keys/verify 200",
     "timestamp":"2026-11-24T07:31:10.123+00:00","service":"keywarden","request_id":"4e4d...",
     "method":"POST","route":"/v1/keys/verify","status":200,"duration_ms":1.942,
     "project":"prj_01m8...","caller":"service:prj_01m8...","outcome":"VALID"}

The outermost layer (`KeywardenChalice.__call__`) opens a request's `RequestFacts` and
writes the line when the answer is made, so chalice's own answers (405, ...) have their
line too. The recipe (`http.run`) notes the project and the caller as it learns them, and a
verification its outcome, in a context variable: each request has its own, whichever of the
local server's threads runs it.

Never a secret: no header, body, query string or key. `route` is the route's template
(`/v1/projects/{pid}/keys`), not the path; `project` is `{pid}` once it passed the recipe's
check of path parameters, or a service key's project; `caller` is a person's `sub` or
`service:<project id>`, once authenticated. Both are null until known.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import msgspec

from chalicelib.observability.logs import SERVICE, write_line

log = logging.getLogger("keywarden.requests")
_encode = msgspec.json.Encoder().encode


class RequestFacts:
    """What the request line says beyond method, route and status, as the recipe learns it.
    (A plain class: a dataclass costs the cold start about 0.5 ms to define.)"""

    __slots__ = ("caller", "outcome", "project", "request_id")

    def __init__(
        self, request_id: str, project: str | None = None, caller: str | None = None, outcome: str | None = None
    ) -> None:
        self.request_id = request_id
        self.project = project
        self.caller = caller
        self.outcome = outcome  # a verification's verdict code: what its metrics count


_current: ContextVar[RequestFacts | None] = ContextVar("keywarden_request_facts", default=None)


@contextmanager
def request_facts(request_id: str) -> Iterator[RequestFacts]:
    """The facts of the request being answered in this context, from here to the end of the block."""
    facts = RequestFacts(request_id)
    token = _current.set(facts)
    try:
        yield facts
    finally:
        _current.reset(token)


def note(*, project: str | None = None, caller: str | None = None, outcome: str | None = None) -> None:
    """Records what the recipe learned about the current request; a no-op outside one."""
    facts = _current.get()
    if facts is None:
        return
    if project is not None:
        facts.project = project
    if caller is not None:
        facts.caller = caller
    if outcome is not None:
        facts.outcome = outcome


def log_request(facts: RequestFacts, method: str | None, route: str | None, status: int, duration_ms: float) -> None:
    """Writes the request's line (INFO, on the `keywarden.requests` logger's level).

    The line has the shape powertools' Logger gives every other record of the service
    (`level`, `message`, `timestamp`, `service`, then the fields) but is encoded here, in
    about 3 µs: through logging and powertools' formatter it took 36-42 µs, which with the
    metrics put a cached verification past its latency target (README, "Observability").
    """
    if not log.isEnabledFor(logging.INFO):
        return
    moment = time.time()
    line: dict[str, Any] = {
        "level": "INFO",
        "message": f"{method or '-'} {route or '-'} {status}",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}+00:00",
        "service": SERVICE,
        "request_id": facts.request_id,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(duration_ms, 3),
        "project": facts.project,
        "caller": facts.caller,
    }
    if facts.outcome is not None:
        line["outcome"] = facts.outcome
    write_line(_encode(line).decode())
