"""Regenerates `keywarden.management._generated` from the OpenAPI document the code states.

The document is what `python -m tools.export_openapi` writes (the served /v1/openapi.json,
local-stage routes included: the CLI signs in through `/v1/dev/token`). openapi-python-client
generates the package into a temporary directory with `clients/python/openapi-python-client.yaml`;
a pinned ruff then sorts imports, drops unused ones and formats it with fixed settings (not the
repository's, which exclude the generated directory), and the result replaces the committed copy.

    python -m tools.generate_client            # rewrite the committed package
    python -m tools.generate_client --check    # exit 1 and name the files that differ

The output depends only on the document, the config file and the pinned versions of
openapi-python-client and ruff (requirements-dev.txt); the drift test
(tests/unit/test_generated_client.py) runs `--check`.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "clients/python/openapi-python-client.yaml"
TARGET = ROOT / "clients/python/src/keywarden/management/_generated"
GENERATOR_VERSION = "0.29.1"  # as pinned in requirements-dev.txt: another version writes other code
RUFF_SETTINGS = ["--isolated", "--line-length", "120", "--target-version", "py311"]


def generate(into: Path) -> Path:
    """Writes a fresh package into `into/_generated`; returns its path. Prints the generator's warnings."""
    import openapi_python_client

    if openapi_python_client.__version__ != GENERATOR_VERSION:
        raise SystemExit(
            f"openapi-python-client {openapi_python_client.__version__} is installed; the committed client "
            f"comes from {GENERATOR_VERSION} (pip install -r requirements-dev.txt)"
        )
    from tools.export_openapi import main as export_openapi

    document = into / "openapi.json"
    export_openapi(str(document))
    package = into / "_generated"
    generated = subprocess.run(  # noqa: S603 (our interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(document),
            "--config",
            str(CONFIG),
            "--output-path",
            str(package),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # Anything beyond the one "Generating <path>" line is a warning about our document.
    notes = [line for line in generated.stdout.splitlines() + generated.stderr.splitlines() if line.strip()]
    warnings = [line for line in notes if not line.startswith("Generating ")]
    if warnings:
        print("\n".join(warnings), file=sys.stderr)
    if generated.returncode != 0 or not (package / "__init__.py").is_file():
        raise SystemExit(f"openapi-python-client failed ({generated.returncode})")
    for step in (["check", "--fix", "--select", "I,F401", "--quiet"], ["format", "--quiet"]):
        subprocess.run([sys.executable, "-m", "ruff", *step, *RUFF_SETTINGS, str(package)], check=True)  # noqa: S603
    return package


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths of files that are in only one tree, or differ (caches ignored)."""
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        # dircmp compares shallowly (size and mtime); compare contents.
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in sorted(cmp.subdirs.items()):
            walk(sub, f"{prefix}{name}/")

    walk(comparison, "")
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the committed package; change nothing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        fresh = generate(Path(temporary))
        if args.check:
            if not TARGET.is_dir():
                print(f"{TARGET.relative_to(ROOT)} is missing: run `make client`", file=sys.stderr)
                return 1
            changed = differences(TARGET, fresh)
            if changed:
                print(
                    f"{TARGET.relative_to(ROOT)} is out of date with the OpenAPI document; run `make client`. "
                    "Files that differ:\n  " + "\n  ".join(changed),
                    file=sys.stderr,
                )
                return 1
            return 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        shutil.copytree(fresh, TARGET, ignore=shutil.ignore_patterns("__pycache__"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
