"""The verification function, the jobs and the stream handler use every grant their roles have.

Together with the check every functional test makes (no call outside its function's
grants, tests/functional/conftest.py), a grant that no code needs fails here: the role of
the hot path stays what it must be, "read a key, count its use".
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from keywarden_infra.access import GRANTS, PLATFORM_ONLY

from chalicelib.domain.clock import rfc3339
from chalicelib.jobs import run_job
from chalicelib.resets import reset_all
from chalicelib.services import usage_recorder, webhook_delivery
from chalicelib.store.webhook_models import OutboxModel
from tests.functional import least_privilege
from tests.functional.conftest import Api
from tests.functional.test_usage import Keys, Mixed, Tally, verify_all_kinds
from tests.functional.test_verify import Project
from tests.functional.test_webhooks import Receiver, Scene, retry_schedule, serving


def granted(function: str) -> set[tuple[str, str]]:
    return {
        (action, resource)
        for grant in GRANTS[function]
        for action in grant.actions
        if action not in PLATFORM_ONLY
        for resource in grant.resources
    }


def used_by(function: str) -> set[tuple[str, str]]:
    return {(action, resource) for f, action, resource in least_privilege.RECORDER.accesses if f == function}


@pytest.fixture
def verified(api: Api) -> None:
    """Keys of every kind and state, each verified in a fresh process (as a new Lambda
    environment: nothing cached), and the counts flushed."""
    other = Project(api, owner="bob", name="Other")
    _, foreign_secret = other.issue(["orders:read"])
    project = Mixed(api, owner="ann")
    keys = Keys(project, foreign_secret)
    # A key with limits: charged by one write; a credit balance crossing its threshold and a
    # rate limit refusing are announced through the outbox.
    _, limited = project.issue(
        ratelimits=[{"name": "burst", "limit": 2, "duration_seconds": 3600}],
        credits={"remaining": 5, "notify_below": 4},
    )
    # An identity's credits and the key's own limit: two meters, charged in one transaction.
    created = project.api.post(
        f"/v1/projects/{project.pid}/identities", {"external_id": "cus", "credits": {"remaining": 9}}, as_user="ann"
    )
    assert created.status == 201, created.body
    _, shared = project.issue(
        identity_id=created.json["id"], ratelimits=[{"name": "burst", "limit": 1, "duration_seconds": 3600}]
    )
    reset_all()
    verify_all_kinds(project, keys, Tally())
    assert [project.code(limited) for _ in range(3)] == ["VALID", "VALID", "RATE_LIMITED"]
    assert [project.code(shared) for _ in range(2)] == ["VALID", "RATE_LIMITED"]
    usage_recorder.flush()


def test_verification_uses_exactly_its_grants(verified: None) -> None:
    assert used_by("verify") == granted("verify")


def test_the_rollup_uses_exactly_its_grants(verified: None) -> None:
    reset_all()
    summary = run_job("usage-rollup")
    assert summary["totals_written"] > 0, summary
    assert used_by("usage-rollup") == granted("usage-rollup")


@pytest.fixture
def refusing_receiver() -> Iterator[Receiver]:
    """An endpoint that answers 410 Gone, which turns it off: the dispatcher's longest path."""
    with serving() as receiver:
        receiver.answer(410)
        yield receiver


def test_the_dispatcher_uses_exactly_its_grants(
    api: Api, monkeypatch: pytest.MonkeyPatch, refusing_receiver: Receiver
) -> None:
    retry_schedule(monkeypatch, "0,0,0")
    with serving() as failing:
        failing.answer(500, 500)
        retried = Scene(api)
        retried.subscribe(failing.url(), ["key.created"])
        retried.issue()
        run_job("webhook-dispatch")  # its first attempt fails; the retry is due at once
        # Another project's new event: the retry's endpoint is then read on its own.
        fresh = Scene(api)
        fresh.subscribe(refusing_receiver.url(), ["key.created"])
        fresh.issue()
        least_privilege.RECORDER.accesses.clear()
        reset_all()
        run_job("webhook-dispatch")  # a new event to fan out, a retry that came due, a 410
        assert len(failing.hits) == 2 and refusing_receiver.hits  # the retry was sent
    assert used_by("webhook-dispatch") == granted("webhook-dispatch")


def test_the_stream_handler_uses_exactly_its_grants(api: Api, refusing_receiver: Receiver) -> None:
    scene = Scene(api)
    scene.subscribe(refusing_receiver.url(), ["key.created"])
    scene.issue()
    events = [event.id for event in OutboxModel.scan()]
    reset_all()
    webhook_delivery.dispatch_events(events)
    assert refusing_receiver.hits, "the event was sent"
    assert used_by("webhook_events") == granted("webhook_events")


def test_the_expiry_sweep_uses_exactly_its_grants(api: Api) -> None:
    from tests.functional.test_key_requests import move_deadline
    from tests.functional.test_templates import Project as TemplateProject

    keys = Project(api, owner="kim", name="Keys")
    expires_at = time.time() + 3
    keys.issue(["a:b"], expires_at=rfc3339(expires_at))
    run_job("expiry-sweep")  # announces it; the next sweep, after it expired, records it
    time.sleep(max(0.0, expires_at - time.time()) + 0.1)
    keys.issue(["a:b"], expires_at=rfc3339(time.time() + 3 * 86400))  # to announce
    project = TemplateProject(api)
    template_id = project.template()["id"]
    pending = project.request(template_id)["id"]
    approved = project.request(template_id, "ed")["id"]
    project.approve(approved)
    for request_id in (pending, approved):  # to lapse, one with its key
        move_deadline(project, request_id, time.time() - 1)
    least_privilege.RECORDER.accesses.clear()
    reset_all()
    summary = run_job("expiry-sweep")
    assert (summary["keys"]["expiring"], summary["keys"]["expired"]) == (1, 1), summary
    assert (summary["key_requests"]["expired"], summary["key_requests"]["keys_revoked"]) == (2, 1), summary
    assert used_by("expiry-sweep") == granted("expiry-sweep")


def test_a_call_outside_the_grants_is_caught(api: Api) -> None:
    """The check itself: the verification function may not write a key."""
    recorder = least_privilege.Recorder()
    recorder.start()
    with recorder.serving("verify"):
        recorder.accesses.append(("verify", "dynamodb:UpdateItem", "table:api-keys"))
        recorder.accesses.append(("verify", "dynamodb:GetItem", "table:key-lookup"))
    assert recorder.violations(recorder.stop()) == [("verify", "dynamodb:UpdateItem", "table:api-keys")]


def denied_at_first(monkeypatch: pytest.MonkeyPatch, times: int) -> list[float]:
    """KMS refuses to read a new key `times` times (authorization by its tag not there yet);
    returns the waits between tries."""
    from botocore.exceptions import ClientError

    from chalicelib.crypto import jwt_signing

    real = jwt_signing.public_jwk
    refusals = [times]
    waits: list[float] = []

    def public_jwk(kms_key_id: str) -> tuple[str, str, dict[str, str]]:
        if refusals[0] > 0:
            refusals[0] -= 1
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetPublicKey")
        return real(kms_key_id)

    monkeypatch.setattr(jwt_signing, "public_jwk", public_jwk)
    monkeypatch.setattr(jwt_signing.time, "sleep", waits.append)
    return waits


def test_a_rotation_waits_while_kms_does_not_yet_authorize_its_new_key(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.functional.test_jwt_keys import JWKS, rotate

    api.get(JWKS)  # the chain exists (its first key is read at the first use)
    waits = denied_at_first(monkeypatch, 2)
    rotated = rotate(api)
    assert rotated.status == 200, rotated.body
    assert waits == [0.5, 1.0]
    assert rotated.json["kid"] in {key["kid"] for key in api.get(JWKS).json["keys"]}


def test_a_rotation_still_denied_after_its_waits_fails_and_discards_the_key(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.crypto import jwt_signing
    from tests.functional.test_jwt_keys import JWKS, rotate

    published = api.get(JWKS).json["keys"]
    discarded: list[str] = []
    monkeypatch.setattr(jwt_signing, "discard_key", discarded.append)
    waits = denied_at_first(monkeypatch, 99)
    failed = rotate(api)
    assert failed.status == 500 and failed.code == "internal_error", failed.body
    assert waits == list(jwt_signing.NEW_KEY_RETRY_DELAYS)
    assert len(discarded) == 1
    assert api.get(JWKS).json["keys"] == published
