"""Starting the local stack where it cannot start: a clear line on stderr, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import stack_environment

ROOT = Path(__file__).resolve().parents[2]


def start(port: str) -> subprocess.CompletedProcess[str]:
    env = stack_environment() | {"PORT": port}
    return subprocess.run(  # noqa: S603 (this interpreter and the stack's own module)
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_port_in_use_is_said_plainly_and_the_stack_exits() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        finished = start(str(port))
    assert finished.returncode == 1, finished.stderr
    assert f"Port {port} on 127.0.0.1 is in use" in finished.stderr
    assert "PORT=8001 make dev" in finished.stderr
    assert "Traceback" not in finished.stderr + finished.stdout


@pytest.mark.parametrize("port", ["http", "70000", "-1"])
def test_a_port_that_is_no_number_is_said_plainly(port: str) -> None:
    finished = start(port)
    assert finished.returncode == 2
    assert "PORT must be a port number" in finished.stderr
    assert "Traceback" not in finished.stderr
