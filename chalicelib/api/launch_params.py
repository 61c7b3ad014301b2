"""Launch parameters signed with the project's secure key (the VK Mini Apps scheme)."""

from __future__ import annotations

from chalicelib import cache
from chalicelib.api.access import project_access
from chalicelib.api.http import AUTH_SERVICE, Call, Router
from chalicelib.api.schemas import LaunchSign, LaunchSigned, LaunchVerdict, LaunchVerify
from chalicelib.domain import launch_params
from chalicelib.domain.clock import now
from chalicelib.domain.policy import Action
from chalicelib.store import secrets

router = Router("launch_params", "launch parameters")


def _secure_keys(project_id: str) -> list[str]:
    found, values = cache.secure_keys.get(project_id)
    if not found or not isinstance(values, list):
        values = secrets.current_and_previous(project_id, secrets.SECURE_KEY)
        cache.secure_keys.put(project_id, values)
    return values


@router.route(
    "POST",
    "/v1/projects/{pid}/launch-params/sign",
    body=LaunchSign,
    response=LaunchSigned,
    action=Action.MANAGE_APP_SECRETS,
)
def sign_launch_params(call: Call) -> LaunchSigned:
    """Signs `vk_` parameters with the secure key, e.g. to test a client (owner, admin, editor)."""
    project, _, _ = project_access(call, Action.MANAGE_APP_SECRETS)
    query, signature = launch_params.signed_query(call.body.params, _secure_keys(project.id)[0])
    return LaunchSigned(query=query, sign=signature)


@router.route(
    "POST", "/v1/launch-params/verify", body=LaunchVerify, response=LaunchVerdict, auth=AUTH_SERVICE, replayable=False
)
def verify_launch_params(call: Call) -> LaunchVerdict:
    """Checks a launch query's `sign` against the project's secure key (service key auth)."""
    body: LaunchVerify = call.body
    code = launch_params.verify(body.query, _secure_keys(call.project_id_of_service), now(), body.max_age_seconds)
    return LaunchVerdict(valid=code == launch_params.VALID, code=code)  # type: ignore[arg-type]
