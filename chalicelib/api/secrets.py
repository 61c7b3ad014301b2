"""App secrets: list hints; reveal and rotate with a fresh login (RFC 9470)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import UNSET

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import SecretInfo, SecretList, SecretRotate, SecretRotated, SecretValue
from chalicelib.domain.app_secrets import SERVICE_KEY
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.policy import Action
from chalicelib.errors import ValidationFailedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import secrets as secret_cases
    from chalicelib.store import secrets
else:  # at first use: see chalicelib.lazy
    secrets = lazy_module("chalicelib.store.secrets")
    secret_cases = lazy_module("chalicelib.services.secrets")

router = Router("secrets", "app secrets")


@router.route("GET", "/v1/projects/{pid}/secrets", response=SecretList, action=Action.READ_PROJECT)
def list_secrets(call: Call[None, None]) -> SecretList:
    """The project's secrets, with the last 4 characters of each as a hint."""
    return SecretList(
        [
            SecretInfo(name=s.name, hint=s.hint, created_at=s.created_at, rotated_at=s.rotated_at)
            for s in secrets.list_secrets(call.access.project.id)
        ]
    )


@router.route(
    "POST",
    "/v1/projects/{pid}/secrets/{name}/reveal",
    response=SecretValue,
    step_up=True,
    # Never replayed: every reveal reads the current value and is audited (API.md).
    replayable=False,
    action=Action.MANAGE_APP_SECRETS,
)
def reveal_secret(call: Call[None, None]) -> SecretValue:
    """Shows a secret's current value (owner, admin, editor; fresh login; audited; never replayed)."""
    name = call.params["name"]
    return SecretValue(name=name, value=secret_cases.reveal(call.access.project.id, name, call.person.sub))


@router.route(
    "POST",
    "/v1/projects/{pid}/secrets/{name}/rotate",
    body=SecretRotate,
    response=SecretRotated,
    step_up=True,
    secret_response=True,
    action=Action.MANAGE_APP_SECRETS,
)
def rotate_secret(call: Call[SecretRotate, None]) -> SecretRotated:
    """Replaces a secret; the old value works for `grace_seconds` more (fresh login; audited)."""
    project, body, name = call.access.project, call.body, call.params["name"]
    imported = None if body.value is UNSET else body.value
    if imported is not None and name == SERVICE_KEY:
        raise ValidationFailedError.single("value", "only a secure_key can be imported; service keys are generated")
    rotation = secret_cases.rotate(project.id, name, imported, body.grace_seconds, call.person.sub)
    until = rotation.previous_valid_until
    return SecretRotated(name=name, value=rotation.value, previous_valid_until=rfc3339(until) if until else None)
