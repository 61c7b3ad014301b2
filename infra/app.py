"""The CDK app: `cdk deploy -c stage=prod` (see the README's deployment guide)."""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

ROOT = Path(__file__).resolve().parent.parent
# The Chalice app (`app`, `chalicelib`) is imported while packaging and to list its routes.
sys.path.insert(0, str(ROOT))

from keywarden_infra.config import StageConfig  # noqa: E402
from keywarden_infra.stack import KeywardenStack  # noqa: E402


def main() -> None:
    app = cdk.App()
    KeywardenStack(app, StageConfig.from_context(app.node))
    app.synth()


if __name__ == "__main__":
    main()
