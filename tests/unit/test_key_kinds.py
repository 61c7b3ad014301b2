"""One contract, run over every kind of API key (opaque, JWT, HMAC).

Each kind makes a secret, parses a presented credential without I/O down to the handle
of its lookup record, and says what of the key is stored. Whatever the kind, a user
relies on the same things: the credential they were shown is recognised as theirs and
as nothing else, a single changed character is never taken for their key, lists show
a hint that gives the secret away no more than its last 4 characters, and garbage is
refused without an error.
"""

from __future__ import annotations

import base64
import string
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import hmac_keys, jwt_keys, opaque_keys
from chalicelib.domain.ids import new_id
from chalicelib.domain.key_kinds import Draft, KeyKind, Made
from chalicelib.domain.kind_registry import for_credential, kinds


class LocalSigner:
    """An ES256 signer with a key made in the test, standing in for KMS."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.kid = "test-kid"

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(self.private.sign(message, ec.ECDSA(SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def draft(expires_at: float | None = 2_000_000_000.0) -> Draft:
    return Draft(
        key_id=new_id("key"),
        project_id=new_id("prj"),
        owner_id="ann",
        role_id=new_id("rol"),
        permissions=("orders:read",),
        issued_at=1_795_000_000.0,
        expires_at=expires_at,
        issuer="urn:keywarden:test",
    )


class KindContract:
    kind: ClassVar[KeyKind]
    shown_fields: ClassVar[set[str]]
    signer: LocalSigner | None = None

    def make(self) -> Made:
        return self.kind.make(draft(), self.signer)

    @staticmethod
    def credential(made: Made) -> str:
        """What the user presents: the key, or an HMAC key's token."""
        return made.shown.get("key") or made.shown["token"]

    def accepted_as(self, candidate: str) -> str | None:
        """The handle the kind's offline checks accept `candidate` as, or None."""
        presented = self.kind.parse(candidate)
        return presented.handle if presented is not None else None

    def test_what_is_shown_once_has_the_kinds_fields(self) -> None:
        assert set(self.make().shown) == self.shown_fields

    def test_a_made_credential_is_recognised_as_this_kind_and_parsed_to_its_handle(self) -> None:
        made = self.make()
        assert for_credential(self.credential(made)) is self.kind
        assert self.accepted_as(self.credential(made)) == made.handle

    def test_no_two_keys_share_a_handle_or_a_secret(self) -> None:
        first, second = self.make(), self.make()
        assert first.handle != second.handle
        assert set(first.shown.values()).isdisjoint(second.shown.values())

    def test_every_changed_character_is_refused_or_another_key(self) -> None:
        made = self.make()
        presented = self.credential(made)
        for position in range(len(presented)):
            replacement = "A" if presented[position] != "A" else "B"
            changed = presented[:position] + replacement + presented[position + 1 :]
            assert self.accepted_as(changed) != made.handle, position

    def test_the_hint_gives_away_at_most_the_last_four_characters(self) -> None:
        made = self.make()
        for value in made.shown.values():
            if value == made.handle and len(made.shown) > 1:
                continue  # an HMAC token names the key; its secret is what must not show
            leaked = max((n for n in range(1, len(value) + 1) if value[-n:] in made.hint), default=0)
            assert leaked <= 4
            assert value[: len(value) - 4][-8:] not in made.hint

    # Each subclass runs this with its own kind: the executors differ on purpose, and share no state.
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    @given(st.text(max_size=200) | st.text(alphabet=string.ascii_letters + string.digits + "_.-", max_size=200))
    def test_garbage_is_refused_without_an_error(self, candidate: str) -> None:
        assert self.kind.parse(candidate) is None or self.kind.owns(candidate)

    def test_garbage_with_this_kinds_prefix_is_refused(self) -> None:
        made = self.make()
        presented = self.credential(made)
        for candidate in (presented[:-1], presented + "x", presented[:6], presented.upper()):
            assert self.accepted_as(candidate) is None


class TestOpaqueKeys(KindContract):
    kind = opaque_keys.KIND
    shown_fields: ClassVar[set[str]] = {"key"}

    def test_the_key_is_its_own_handle_and_nothing_is_sealed(self) -> None:
        made = self.make()
        assert made.handle == made.shown["key"]
        assert made.sealed_material is None


class TestHmacKeys(KindContract):
    kind = hmac_keys.KIND
    shown_fields: ClassVar[set[str]] = {"token", "secret"}

    def test_the_secret_is_32_random_bytes_kept_only_sealed(self) -> None:
        made = self.make()
        secret = base64.b64decode(made.shown["secret"], validate=True)
        assert len(secret) == 32
        assert made.sealed_material == secret
        assert made.handle == made.shown["token"]
        assert made.shown["secret"] not in made.hint


class TestJwtKeys(KindContract):
    kind = jwt_keys.KIND
    shown_fields: ClassVar[set[str]] = {"key"}

    def setup_method(self) -> None:
        self.signer = LocalSigner()

    def accepted_as(self, candidate: str) -> str | None:
        # A JWT's offline check is its parse and its signature against the published key.
        presented = jwt_keys.parse(candidate)
        assert self.signer is not None
        if presented is None or not jwt_keys.signature_valid(presented, self.signer.private.public_key()):
            return None
        return presented.handle

    def test_the_handle_is_the_key_id_and_nothing_is_stored_of_the_token(self) -> None:
        key_draft = draft()
        made = self.kind.make(key_draft, self.signer)
        assert made.handle == key_draft.key_id
        assert made.sealed_material is None

    def test_making_one_needs_a_signer(self) -> None:
        with pytest.raises(ValueError):
            self.kind.make(draft(), None)


def test_every_kind_is_under_test() -> None:
    tested = {cls.kind.name for cls in KindContract.__subclasses__()}
    assert tested == set(kinds()) == {"opaque", "jwt", "hmac"}


@pytest.mark.parametrize(
    "candidate",
    ["", "kw", "kwh", "eyJ", "kw_", "kwh_", "Bearer kw_x", "eyJhbGciOiJub25lIn0.e30.", "sk_live_123"],
)
def test_credentials_of_no_kind_or_half_made_are_never_parsed(candidate: str) -> None:
    kind = for_credential(candidate)
    parsed: Any = kind.parse(candidate) if kind is not None else None
    assert parsed is None
