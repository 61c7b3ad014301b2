"""Imports deferred for the cold start (chalicelib.lazy): when they happen, and what `import app` leaves out.

Function-level imports in app.py and chalicelib/ are refused by ruff (PLC0415, pyproject.toml);
what is deferred is deferred with `lazy_module`, and these tests hold it to its word.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.lazy import lazy_module

ROOT = Path(__file__).resolve().parents[2]

# Modules that only some routes or functions need: the first verification, the first JWT key,
# the first person's token, a job's run, the outbox stream's batch.
NOT_AT_COLD_START = (
    "cryptography",
    "jwt",
    "aws_lambda_powertools",
    "chalicelib.services.verification",
    "chalicelib.services.hmac_verification",
    "chalicelib.services.usage_recorder",
    "chalicelib.services.signing_keys",
    "chalicelib.services.service_auth",
    "chalicelib.services.webhook_delivery",
    "chalicelib.crypto.jwt_signing",
    "chalicelib.jobs.expiry",
    "chalicelib.jobs.usage_rollup",
    "chalicelib.observability.metrics",
    "chalicelib.store.idempotency",
    "chalicelib.store.outbox",
)


@pytest.fixture
def probe_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of a module that no test has imported yet."""
    name = f"lazy_probe_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("ANSWER = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def _declare(name: str) -> dict[str, Any]:
    """A module namespace that declares `deferred = lazy_module(name)`, as chalicelib's modules do."""
    namespace: dict[str, Any] = {"lazy_module": lazy_module}
    exec(f"deferred = also = lazy_module({name!r})", namespace)  # noqa: S102 (a constant statement)
    return namespace


def test_the_module_is_imported_at_the_first_attribute_read(probe_module: str) -> None:
    namespace = _declare(probe_module)
    assert probe_module not in sys.modules
    assert namespace["deferred"].ANSWER == 42
    assert probe_module in sys.modules


def test_after_the_first_read_the_declaring_module_holds_the_module_itself(probe_module: str) -> None:
    namespace = _declare(probe_module)
    stand_in = namespace["deferred"]
    assert stand_in.ANSWER == 42
    # Every name it had: later reads are plain attribute reads, as after an import.
    assert namespace["deferred"] is namespace["also"] is sys.modules[probe_module]
    assert stand_in.ANSWER == 42  # a copy kept elsewhere still answers


def test_a_name_rebound_meanwhile_is_left_alone(probe_module: str) -> None:
    namespace = _declare(probe_module)
    stand_in = namespace["deferred"]
    namespace["deferred"] = "patched"  # as a test's monkeypatch would
    assert stand_in.ANSWER == 42
    assert namespace["deferred"] == "patched"
    assert namespace["also"] is sys.modules[probe_module]


def test_import_app_imports_none_of_the_deferred_modules() -> None:
    listing = "import json, sys; import app; print(json.dumps(sorted(sys.modules)))"
    child = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", listing], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(child.stdout)
    found = [m for m in loaded for deferred in NOT_AT_COLD_START if m == deferred or m.startswith(deferred + ".")]
    assert found == []
