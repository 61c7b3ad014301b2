"""Writes the OpenAPI document the local stack serves at /v1/openapi.json to a file.

`make console` generates the console's API types from it (openapi-typescript), so the
console is type-checked against the contract as the code states it, without a server.

    python -m tools.export_openapi console/openapi.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(target: str) -> int:
    os.environ.setdefault("KEYWARDEN_STAGE", "local")
    import app  # noqa: F401  (registers every route, as the served document has them)
    from chalicelib.api.openapi import build_document

    document = json.dumps(build_document(True), indent=1, sort_keys=True) + "\n"
    path = Path(target)
    if not path.exists() or path.read_text() != document:
        path.write_text(document)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
