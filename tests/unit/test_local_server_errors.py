"""The local server's handling of a connection that failed while being served."""

from __future__ import annotations

import logging

import pytest

from devstack.http_server import LocalServer


def _fail_with(error: Exception) -> None:
    server = LocalServer.__new__(LocalServer)  # handle_error needs no socket
    try:
        raise error
    except Exception:
        server.handle_error(None, ("127.0.0.1", 1))


def test_a_client_that_left_is_no_error(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="keywarden.devstack.http"):
        _fail_with(BrokenPipeError(32, "Broken pipe"))
        _fail_with(ConnectionResetError(104, "Connection reset by peer"))
    assert capsys.readouterr().err == ""
    assert caplog.records == []


def test_any_other_failure_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="keywarden.devstack.http"):
        _fail_with(ValueError("boom"))
    [record] = caplog.records
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
