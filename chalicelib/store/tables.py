"""Every table of the service: the one list the local stack, tests and infra use.

The models live by feature (`project_models`, `key_models`, ... `webhook_models`), so that a
function's cold start defines only the tables its code uses: PynamoDB builds each model class
with reflection, a fraction of a millisecond apiece, and the verification path never touches
templates, webhooks or idempotency records. This module imports them all, and is apart from
`base` for that reason: base knows the models defined so far (to unbind them), importing this
module defines every one.
"""

from __future__ import annotations

from chalicelib.store import (  # noqa: F401  (defining a model registers it)
    audit_models,
    idempotency_models,
    identity_models,
    key_models,
    leak_models,
    meter_models,
    project_models,
    replay_models,
    request_models,
    secret_models,
    signing_models,
    system_models,
    usage_models,
    webhook_models,
)
from chalicelib.store.base import KeywardenModel, defined_models


def all_models() -> list[type[KeywardenModel]]:
    """Every table model of the service."""
    return defined_models()


def create_tables() -> None:
    """Creates every table that does not exist yet (local stack and tests)."""
    for model in all_models():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
