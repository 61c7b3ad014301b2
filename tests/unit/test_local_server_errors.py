"""The local server's handling of a connection that failed while being served."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from devstack.http_server import LocalServer


def _fail_with(error: Exception) -> None:
    server = LocalServer.__new__(LocalServer)  # handle_error needs no socket
    try:
        raise error
    except Exception:
        server.handle_error(None, ("127.0.0.1", 1))


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """What the local server's logger receives (held directly: the service's logging setup may not propagate)."""
    handler = _Records()
    logger = logging.getLogger("keywarden.devstack.http")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def test_a_client_that_left_is_no_error(capsys: pytest.CaptureFixture[str], logged: list[logging.LogRecord]) -> None:
    _fail_with(BrokenPipeError(32, "Broken pipe"))
    _fail_with(ConnectionResetError(104, "Connection reset by peer"))
    assert capsys.readouterr().err == ""
    assert logged == []


def test_any_other_failure_is_logged_with_its_traceback(logged: list[logging.LogRecord]) -> None:
    _fail_with(ValueError("boom"))
    [record] = logged
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
