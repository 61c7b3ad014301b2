"""Fuzzing: schemathesis over `GET /v1/openapi.json` of a local stack of this session's own.

The stack is started and stopped as tests/e2e does it (`LocalStack`, PORT=0, 127.0.0.1
only). Tests here are marked `fuzz` and run only when asked for: `make fuzz`,
`pytest tests/fuzz`, or `-m fuzz`; a plain `pytest tests` skips them.
`KEYWARDEN_FUZZ_EXAMPLES` sets the fuzzing phase's examples per operation (default below);
`KEYWARDEN_FUZZ_REPORT`, a file path, receives the findings as JSON.
"""

from __future__ import annotations

import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis.schemas import BaseSchema

from tests.e2e.conftest import STOP_TIMEOUT, JsonClient
from tests.fuzz import harness

HERE = Path(__file__).resolve().parent
DEFAULT_MAX_EXAMPLES = 25


def _selected(config: pytest.Config) -> bool:
    if "fuzz" in (config.option.markexpr or ""):
        return True
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == HERE or path.is_relative_to(HERE):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = _selected(config)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.fuzz)
            if not selected:
                item.add_marker(pytest.mark.skip(reason="fuzzing runs on request: make fuzz / pytest tests/fuzz"))


@pytest.fixture(scope="session")
def fuzz_stack() -> Iterator[harness.WatchedStack]:
    stack = harness.WatchedStack()
    try:
        stack.wait_ready()
        yield stack
        code, _ = stack.stop(signal.SIGTERM, timeout=STOP_TIMEOUT)
        assert code == 0, f"the local stack exited with {code} after SIGTERM\n{stack.output()}"
    finally:
        stack.kill()


@pytest.fixture(scope="session")
def fuzz_stack_url(fuzz_stack: harness.WatchedStack) -> str:
    assert fuzz_stack.base_url is not None
    return fuzz_stack.base_url


@pytest.fixture(scope="session")
def arranged(fuzz_stack_url: str) -> harness.Arranged:
    # Fixed names: the stack is new, so nothing collides, and the run stays reproducible.
    return harness.arrange(JsonClient(fuzz_stack_url), suffix="1")


@pytest.fixture(scope="session")
def findings(arranged: harness.Arranged) -> harness.Findings:
    return harness.Findings(redact=arranged.placeholders)


@pytest.fixture(scope="session")
def http_session() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: only 127.0.0.1 is contacted
    yield session
    session.close()


@pytest.fixture(scope="session")
def fuzz_schema(fuzz_stack_url: str, arranged: harness.Arranged) -> BaseSchema:
    reply = arranged.client.get("/v1/openapi.json")
    assert reply.status == 200, reply.body
    document = reply.body
    for label in harness.add_missing_query_parameters(document):
        warnings.warn(f"{label} declares no query parameters: fuzzing those of its query type", stacklevel=1)
    max_examples = int(os.environ.get("KEYWARDEN_FUZZ_EXAMPLES", DEFAULT_MAX_EXAMPLES))
    schema = schemathesis.openapi.from_dict(document, config=harness.fuzz_config(fuzz_stack_url, max_examples))
    harness.install(schema, arranged)
    return schema
