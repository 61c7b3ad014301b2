"""The committed management client (keywarden.management._generated) is what the generator
makes of the current OpenAPI document: a route or schema changed without `make client` fails here.

Runs `python -m tools.generate_client --check` in a process of its own (it imports the app to
build the document, with the local stage's routes), about 2 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_client_equals_a_fresh_generation_and_the_generator_has_no_warnings() -> None:
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "tools.generate_client", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Anything the generator says about the document (an unsupported construct, a schema it
    # could not read) is a defect of the document: fix it there.
    assert done.stderr == "", done.stderr
