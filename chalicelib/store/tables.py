"""Every table of the service: the one list the local stack, tests and infra use.

Apart from `base`, which every model module imports: base knows the models defined so far
(to unbind them), this module imports them all. Importing it defines every model, which
the cold start does without (see `workflow_models`).
"""

from __future__ import annotations

from chalicelib.store import models, usage_models, workflow_models  # noqa: F401  (defining a model registers it)
from chalicelib.store.base import KeywardenModel, defined_models


def all_models() -> list[type[KeywardenModel]]:
    """Every table model of the service."""
    return defined_models()


def create_tables() -> None:
    """Creates every table that does not exist yet (local stack and tests)."""
    for model in all_models():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
