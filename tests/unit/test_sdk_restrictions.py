"""Key restrictions as the SDK applies them without a call: a key's IP allowlist judged again
for each request's client address (kept answers, JWT keys vouched for offline), in the
service's check order; disabled keys and changed allowlists heard from the key-changes feed;
and what the middleware answers for DISABLED and IP_NOT_ALLOWED.

The service is played by `tests.unit.sdk_service.FakeService` (httpx.MockTransport).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from keywarden import _http_problems as problems
from keywarden import verification
from keywarden._knowledge import from_address
from keywarden.signing import content_hash
from keywarden.verification import Verification

from tests.unit.sdk_service import FakeService, Key, hear

ALLOWLIST = ("203.0.113.0/24", "2001:db8::/32")


@pytest.mark.parametrize(
    ("client_ip", "code"),
    [
        ("203.0.113.7", "VALID"),
        ("198.51.100.1", "IP_NOT_ALLOWED"),
        (None, "IP_NOT_ALLOWED"),
        ("", "IP_NOT_ALLOWED"),
        ("not-an-address", "IP_NOT_ALLOWED"),
        ("203.0.113.7:443", "IP_NOT_ALLOWED"),
        ("2001:db8:5::1", "VALID"),
        ("2001:db9::1", "IP_NOT_ALLOWED"),
        ("::ffff:203.0.113.7", "VALID"),  # an IPv4 peer as a dual-stack socket reports it
        ("::ffff:198.51.100.1", "IP_NOT_ALLOWED"),
    ],
)
def test_a_kept_answer_is_judged_for_each_client_address(client_ip: str | None, code: str) -> None:
    kept = Verification(valid=True, code="VALID", key_id="key_1", ip_allowlist=ALLOWLIST)
    judged = from_address(kept, client_ip)
    assert judged is not None
    assert (judged.valid, judged.code) == (code == "VALID", code)
    assert judged.ip_allowlist == ALLOWLIST


def test_a_key_without_an_allowlist_is_valid_from_anywhere_and_from_nowhere() -> None:
    kept = Verification(valid=True, code="VALID", key_id="key_1")
    assert from_address(kept, None) is kept
    assert from_address(kept, "198.51.100.1") is kept


def test_answers_past_the_ip_check_become_ip_not_allowed_and_earlier_refusals_stay() -> None:
    owner = Verification(valid=False, code="OWNER_NOT_PERMITTED", key_id="key_1", ip_allowlist=ALLOWLIST)
    judged = from_address(owner, "198.51.100.1")
    assert judged is not None and judged.code == "IP_NOT_ALLOWED"  # the service checks the IP first
    disabled = Verification(valid=False, code="DISABLED", key_id="key_1", ip_allowlist=ALLOWLIST)
    assert from_address(disabled, "198.51.100.1") is disabled  # and enabled before the IP


def test_one_answer_serves_every_address_without_another_call() -> None:
    service = FakeService()
    key = service.add("imported-key-1", Key("key_1", permissions=("orders:read",), ip_allowlist=ALLOWLIST))
    with service.verifier() as verifier:
        assert verifier.verify(key, client_ip="203.0.113.7").valid
        verdicts = {ip: verifier.verify(key, client_ip=ip) for ip in ("203.0.113.8", "198.51.100.1", "2001:db8::2")}
        assert verifier.verify(key).code == "IP_NOT_ALLOWED"
    assert [v.code for v in verdicts.values()] == ["VALID", "IP_NOT_ALLOWED", "VALID"]
    assert all(v.offline for v in verdicts.values())
    assert [body["client_ip"] for body in service.asked] == ["203.0.113.7"]


def test_the_address_is_judged_before_the_permissions() -> None:
    service = FakeService()
    key = service.add("imported-key-1", Key("key_1", permissions=("orders:read",), ip_allowlist=ALLOWLIST))
    with service.verifier() as verifier:
        verifier.verify(key, client_ip="203.0.113.7")
        lacking = verifier.verify(key, ["orders:write"], client_ip="203.0.113.7")
        outside = verifier.verify(key, ["orders:write"], client_ip="198.51.100.1")
    assert lacking.code == "INSUFFICIENT_PERMISSIONS"
    assert outside.code == "IP_NOT_ALLOWED"


def test_a_refusal_for_the_address_is_repeated_outside_and_asked_again_inside() -> None:
    service = FakeService()
    key = service.add("imported-key-1", Key("key_1", ip_allowlist=ALLOWLIST))
    with service.verifier() as verifier:
        assert verifier.verify(key, client_ip="198.51.100.1").code == "IP_NOT_ALLOWED"
        assert verifier.verify(key, client_ip="198.51.100.2").code == "IP_NOT_ALLOWED"  # kept: no call
        # An IP_NOT_ALLOWED answer tells nothing of the checks after the IP's: the service answers.
        assert verifier.verify(key, client_ip="203.0.113.7").valid
        assert verifier.verify(key, client_ip="198.51.100.3").code == "IP_NOT_ALLOWED"  # the VALID, judged
    assert [body["client_ip"] for body in service.asked] == ["198.51.100.1", "203.0.113.7"]


def test_the_allowlist_is_parsed_once_per_answer_not_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[tuple[str, ...]] = []
    real = verification.parse_networks

    def counting(cidrs: tuple[str, ...]) -> object:
        parsed.append(cidrs)
        return real(cidrs)

    monkeypatch.setattr(verification, "parse_networks", counting)
    service = FakeService()
    key = service.add("imported-key-1", Key("key_1", permissions=("orders:read",), ip_allowlist=ALLOWLIST))
    with service.verifier() as verifier:
        for n in range(50):
            verifier.verify(key, ["orders:write"] if n % 2 else [], client_ip=f"203.0.113.{n}")
            verifier.verify(key, client_ip=f"198.51.100.{n}")
    assert parsed == [ALLOWLIST]


def test_client_ip_is_sent_with_each_kind_of_verification_and_only_when_known() -> None:
    service = FakeService()
    hmac_body = b'{"item": "tea"}'
    headers = {
        "host": "api.test",
        "x-ms-date": "Tue, 01 Jul 2025 10:00:00 GMT",
        "x-ms-content-sha256": content_hash(hmac_body),
        "authorization": "HMAC-SHA256 Credential=kwh_x&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=s",
    }
    with service.verifier(cache_ttl=0) as verifier:
        verifier.verify("imported-key-1", client_ip="203.0.113.1")
        asyncio.run(verifier.averify("imported-key-1", client_ip="2001:db8::1"))
        verifier.verify_hmac("POST", "/orders", headers, hmac_body, client_ip="203.0.113.2")
        asyncio.run(verifier.averify_hmac("POST", "/orders", headers, hmac_body, client_ip="203.0.113.3"))
        verifier.verify("imported-key-1")
        verifier.verify_hmac("POST", "/orders", headers, hmac_body)
    assert [body.get("client_ip") for body in service.asked] == [
        "203.0.113.1",
        "2001:db8::1",
        "203.0.113.2",
        "203.0.113.3",
        None,
        None,
    ]
    assert "client_ip" not in service.asked[-1] and "client_ip" not in service.asked[-2]


def test_a_jwt_key_vouched_offline_carries_its_allowlist() -> None:
    service = FakeService()
    token = service.jwt(Key("key_1", ip_allowlist=("203.0.113.0/24",)))
    with service.verifier(cache_ttl=0) as verifier:  # no kept answers: only the vouching answers
        assert verifier.verify(token, client_ip="203.0.113.7").valid  # the service vouches
        inside = verifier.verify(token, client_ip="::ffff:203.0.113.9")
        outside = verifier.verify(token, client_ip="198.51.100.1")
        nowhere = verifier.verify(token)
    assert inside.valid and inside.offline
    assert (outside.code, outside.offline) == ("IP_NOT_ALLOWED", True)
    assert (nowhere.code, nowhere.offline) == ("IP_NOT_ALLOWED", True)
    assert len(service.asked) == 1


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_a_key_disabled_is_refused_within_a_poll_and_verifies_again_once_enabled(kind: str) -> None:
    service = FakeService(cache_ttl=0.2)
    key = Key("key_1")
    credential = service.jwt(key) if kind == "jwt" else service.add("imported-key-1", key)
    with service.verifier() as verifier:
        assert verifier.verify(credential).valid
        assert verifier.verify(credential).offline  # kept, or vouched: no call
        asked = len(service.asked)

        key.enabled = False
        service.change(key, "disabled")
        hear(verifier)
        disabled = verifier.verify(credential)
        assert (disabled.valid, disabled.code, disabled.offline) == (False, "DISABLED", False)
        assert len(service.asked) == asked + 1  # the feed's word sent it to the service
        time.sleep(0.25)  # past the service's cache bound: its DISABLED is kept like any answer
        verifier.verify(credential)
        assert verifier.verify(credential).code == "DISABLED"
        assert verifier.verify(credential).offline

        key.enabled = True
        service.change(key, "enabled")
        hear(verifier)
        enabled = verifier.verify(credential)
        assert (enabled.valid, enabled.offline) == (True, False)

        time.sleep(0.25)  # past the service's cache bound: a fresh answer is trusted offline again
        assert not verifier.verify(credential).offline
        assert verifier.verify(credential).offline


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_a_changed_allowlist_heard_of_is_read_again_from_the_service(kind: str) -> None:
    service = FakeService()
    key = Key("key_1", ip_allowlist=("203.0.113.0/24",))
    credential = service.jwt(key) if kind == "jwt" else service.add("imported-key-1", key)
    with service.verifier() as verifier:
        assert verifier.verify(credential, client_ip="203.0.113.7").valid
        assert verifier.verify(credential, client_ip="198.51.100.1").code == "IP_NOT_ALLOWED"

        key.ip_allowlist = ("198.51.100.0/24",)
        service.change(key, "restrictions_changed")
        hear(verifier)
        moved = verifier.verify(credential, client_ip="198.51.100.1")
        assert moved.valid and moved.ip_allowlist == ("198.51.100.0/24",)
        assert verifier.verify(credential, client_ip="203.0.113.7").code == "IP_NOT_ALLOWED"


def test_a_disabled_key_is_401_and_a_key_from_the_wrong_address_403() -> None:
    disabled = problems.refused(Verification(valid=False, code="DISABLED"), ["orders:read"])
    assert (disabled.status, disabled.code, disabled.reason) == (401, "invalid_key", "DISABLED")
    assert "disabled" in disabled.detail and disabled.challenge is not None
    outside = Verification(valid=False, code="IP_NOT_ALLOWED", ip_allowlist=("10.9.8.0/24",))
    problem = problems.refused(outside, ["orders:read"])
    assert (problem.status, problem.code, problem.reason) == (403, "ip_not_allowed", "IP_NOT_ALLOWED")
    document = json.loads(problem.body("/orders"))
    assert document["type"] == "urn:keywarden:problem:ip_not_allowed"
    assert "10.9.8" not in problem.body().decode()  # the key's allowlist is not told to whoever holds it
