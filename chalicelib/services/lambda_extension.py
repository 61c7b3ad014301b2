"""Work after the response, in Lambda: an internal extension of the API function.

Lambda freezes a process between invocations, so a background thread does not run while
the environment waits, and may never run again if Lambda reclaims the environment. An
extension registered with the Extensions API keeps the environment running after the
function has answered, until the extension asks for its next event: that is where the
buffered usage counts are flushed when a flush is due, after the caller has its answer
and before the next invocation (see `usage_recorder`).

An internal extension must register during the init phase, before the runtime asks for
its first event: `start()` is called while app.py is imported. Internal extensions get
INVOKE events only (SHUTDOWN goes to external extensions), so the counts an environment
took since its last flush are lost if Lambda reclaims it: the README says how many.

Outside Lambda, or in another function than the API's, everything here is a no-op.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("keywarden.lambda")

NAME = "keywarden-usage"
API_HANDLER = "app.app"  # chalice's handler string of the API function
_VERSION = "2020-01-01"


def _after_invocation() -> None:
    """Flushes buffered usage counts when due; only if this process counted anything."""
    recorder = sys.modules.get("chalicelib.services.usage_recorder")
    if recorder is not None:
        try:
            recorder.flush_if_due()
        except Exception:
            log.exception("usage flush after an invocation failed; the counts stay buffered")


class _Finished:
    """Request ids of invocations whose handler has returned, for the extension to wait on."""

    def __init__(self) -> None:
        self._ids: deque[str] = deque(maxlen=64)
        self._changed = threading.Condition()

    def add(self, request_id: str) -> None:
        with self._changed:
            self._ids.append(request_id)
            self._changed.notify_all()

    def wait(self, request_id: str, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: request_id in self._ids, timeout=max(0.0, timeout))


class Extension(threading.Thread):
    """The internal extension: for each INVOKE event, waits for the handler to return, runs
    `work`, then asks for the next event (which lets Lambda freeze the environment)."""

    def __init__(self, runtime_api: str, work: Callable[[], None]) -> None:
        super().__init__(name="keywarden-lambda-extension", daemon=True)
        self._api = runtime_api
        self._work = work
        self.finished = _Finished()
        self._id = ""

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[Any, dict[str, str]]:
        connection = http.client.HTTPConnection(self._api, timeout=None)
        try:
            connection.request(method, f"/{_VERSION}/extension/{path}", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"extensions API {path}: {response.status} {payload[:200]!r}")
            return (json.loads(payload) if payload else {}), {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    def register(self) -> None:
        body = json.dumps({"events": ["INVOKE"]}).encode()
        _, headers = self._request("POST", "register", body, {"Lambda-Extension-Name": NAME})
        self._id = headers["lambda-extension-identifier"]

    def run(self) -> None:
        while True:
            try:
                event, _ = self._request("GET", "event/next", None, {"Lambda-Extension-Identifier": self._id})
            except Exception:
                log.exception("the extensions API failed; counts are flushed at the end of invocations instead")
                _state["extension"] = None
                return
            if event.get("eventType") != "INVOKE":
                continue
            deadline = float(event.get("deadlineMs", 0)) / 1000
            self.finished.wait(str(event.get("requestId", "")), deadline - time.time())
            self._work()


_state: dict[str, Extension | None] = {"extension": None}


def start(work: Callable[[], None] = _after_invocation) -> Extension | None:
    """Registers the extension when this process is Lambda's API function; None elsewhere."""
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api or os.environ.get("_HANDLER") != API_HANDLER:
        return None
    extension = Extension(api, work)
    try:
        extension.register()
    except Exception:
        log.exception("could not register the usage extension; counts are flushed at the end of invocations")
        return None
    extension.start()
    _state["extension"] = extension
    return extension


def invocation_finished(context: object) -> None:
    """Called by the API handler as it returns. Tells the extension, or, in Lambda without
    one, flushes when due (the end of an invocation is the last moment a frozen process has)."""
    if not os.environ.get("AWS_LAMBDA_RUNTIME_API"):
        return
    extension = _state["extension"]
    if extension is not None:
        extension.finished.add(str(getattr(context, "aws_request_id", "")))
    else:
        _after_invocation()
