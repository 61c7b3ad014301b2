"""Launch parameters signed with the project's secure key (the VK Mini Apps scheme)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.http import AUTH_SERVICE, Call, Router
from chalicelib.api.schemas import LaunchSign, LaunchSigned, LaunchVerdict, LaunchVerify
from chalicelib.domain import launch_params
from chalicelib.domain.clock import now
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import secrets as secret_cases
else:  # at first use: see chalicelib.lazy
    secret_cases = lazy_module("chalicelib.services.secrets")

router = Router("launch_params", "launch parameters")


@router.route(
    "POST",
    "/v1/projects/{pid}/launch-params/sign",
    body=LaunchSign,
    response=LaunchSigned,
    action=Action.MANAGE_APP_SECRETS,
    # Whoever may sign can forge launch parameters for any vk_user_id: as strong as a reveal
    # of the secure key, so it asks as much (fresh login, audited, never replayed).
    step_up=True,
    replayable=False,
)
def sign_launch_params(call: Call[LaunchSign, None]) -> LaunchSigned:
    """Signs `vk_` parameters with the secure key, e.g. to test a client (owner, admin, editor).

    Needs a fresh login and is audited (the parameter names, never their values)."""
    project_id = call.access.project.id
    query, signature = launch_params.signed_query(call.body.params, secret_cases.secure_key_values(project_id)[0])
    secret_cases.record_signing(project_id, sorted(call.body.params), call.person.sub)
    return LaunchSigned(query=query, sign=signature)


@router.route(
    "POST", "/v1/launch-params/verify", body=LaunchVerify, response=LaunchVerdict, auth=AUTH_SERVICE, replayable=False
)
def verify_launch_params(call: Call[LaunchVerify, None]) -> LaunchVerdict:
    """Checks a launch query's `sign` against the project's secure key (service key auth)."""
    body = call.body
    code = launch_params.verify(
        body.query, secret_cases.secure_key_values(call.project_id_of_service), now(), body.max_age_seconds
    )
    return LaunchVerdict(valid=code == launch_params.VALID, code=code)  # type: ignore[arg-type]
