"""One contract, run over every kind of API key (opaque, JWT, HMAC).

Each kind makes a secret, parses a presented credential without I/O down to the handle
of its lookup record, says what of the key is stored, refuses what it can before the
record is read, and says whether a key's expiry may change. Whatever the kind, a user
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
from chalicelib.domain.key_kinds import Draft, KeyKind, Made, Signer
from chalicelib.domain.kind_registry import for_credential, kinds
from chalicelib.domain.verification import INVALID_SIGNATURE, MALFORMED, NOT_FOUND

ISSUER = "urn:keywarden:test"
EXPIRES_AT = 2_000_000_000.0

# The order of P-256's group: (r, s) and (r, n - s) are the same signature's two forms.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class LocalSigner:
    """An ES256 signer with a key made in the test, standing in for KMS as the service's signer
    uses it (the low-S form only); it notes for how long each signature's key had to stay published."""

    def __init__(self, kid: str = "test-kid") -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.kid = kid
        self.valid_until: list[float | None] = []

    def sign(self, message: bytes, valid_until: float | None) -> bytes:
        self.valid_until.append(valid_until)
        r, s = decode_dss_signature(self.private.sign(message, ec.ECDSA(SHA256())))
        s = min(s, P256_ORDER - s)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class LocalKeyring:
    """The service's issuer and signing keys, as the kinds' checks before the lookup see them."""

    def __init__(self, *signers: LocalSigner, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.keys = {signer.kid: signer.private.public_key() for signer in signers}
        self.asked: list[str] = []

    @property
    def key_prefixes(self) -> tuple[str, ...]:
        return ("kw_",)

    def verification_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        self.asked.append(kid)
        return self.keys.get(kid)


def draft(expires_at: float | None = EXPIRES_AT, project_id: str | None = None) -> Draft:
    return Draft(
        key_id=new_id("key"),
        project_id=project_id or new_id("prj"),
        owner_id="ann",
        role_id=new_id("rol"),
        permissions=("orders:read",),
        issued_at=1_795_000_000.0,
        expires_at=expires_at,
        issuer=ISSUER,
    )


# (current, new) expiries in epoch seconds; None never expires.
EXPIRY_CHANGES = {
    "brought forward": (EXPIRES_AT, EXPIRES_AT - 60),
    "unchanged": (EXPIRES_AT, EXPIRES_AT),
    "extended": (EXPIRES_AT, EXPIRES_AT + 60),
    "removed": (EXPIRES_AT, None),
    "set on a key that never expired": (None, EXPIRES_AT),
    "never, still never": (None, None),
}


class KindContract:
    kind: ClassVar[KeyKind[Any]]
    shown_fields: ClassVar[set[str]]
    # What `refusal_before_lookup` says of a sound credential presented alone for its own project.
    refused_as_bearer: ClassVar[str | None] = None
    # Which of EXPIRY_CHANGES the kind refuses.
    refused_expiry_changes: ClassVar[frozenset[str]] = frozenset()
    # How often making a minter asks for the signer (finding the signing key costs reads).
    signers_per_minter: ClassVar[int] = 0

    def setup_method(self) -> None:
        self.signer = LocalSigner()
        self.keyring = LocalKeyring(self.signer)
        self.signers_asked = 0

    def signer_source(self) -> Signer:
        self.signers_asked += 1
        return self.signer

    def make(self, key_draft: Draft | None = None) -> Made:
        return self.kind.minter(self.signer_source)(key_draft or draft())

    @staticmethod
    def credential(made: Made) -> str:
        """What the user presents: the key, or an HMAC key's token."""
        return made.shown.get("key") or made.shown["token"]

    def accepted_as(self, candidate: str, project_id: str) -> str | None:
        """The handle the kind's offline checks accept `candidate` as, or None."""
        presented = self.kind.parse(candidate)
        return presented.handle if presented is not None else None

    def refusal(self, candidate: str, project_id: str, keyring: LocalKeyring | None = None) -> str | None:
        presented = self.kind.parse(candidate)
        assert presented is not None
        return self.kind.refusal_before_lookup(presented, project_id, keyring or self.keyring)

    def test_what_is_shown_once_has_the_kinds_fields(self) -> None:
        assert set(self.make().shown) == self.shown_fields

    def test_a_made_credential_is_recognised_as_this_kind_and_parsed_to_its_handle(self) -> None:
        key_draft = draft()
        made = self.make(key_draft)
        assert for_credential(self.credential(made)) is self.kind
        assert kinds()[self.kind.name] is self.kind
        assert self.accepted_as(self.credential(made), key_draft.project_id) == made.handle

    def test_no_two_keys_share_a_handle_or_a_secret(self) -> None:
        first, second = self.make(), self.make()
        assert first.handle != second.handle
        assert set(first.shown.values()).isdisjoint(second.shown.values())

    def test_every_changed_character_is_refused_or_another_key(self) -> None:
        key_draft = draft()
        made = self.make(key_draft)
        presented = self.credential(made)
        for position in range(len(presented)):
            replacement = "A" if presented[position] != "A" else "B"
            changed = presented[:position] + replacement + presented[position + 1 :]
            assert self.accepted_as(changed, key_draft.project_id) != made.handle, position

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
        key_draft = draft()
        presented = self.credential(self.make(key_draft))
        for candidate in (presented[:-1], presented + "x", presented[:6], presented.upper()):
            assert self.accepted_as(candidate, key_draft.project_id) is None

    def test_a_sound_credential_for_its_own_project_is_refused_before_the_lookup_only_if_no_bearer(self) -> None:
        key_draft = draft()
        candidate = self.credential(self.make(key_draft))
        assert self.refusal(candidate, key_draft.project_id) == self.refused_as_bearer

    def test_the_signer_is_asked_for_once_per_minter_and_only_by_a_kind_that_signs(self) -> None:
        mint = self.kind.minter(self.signer_source)
        for _ in range(3):
            mint(draft())
        assert self.signers_asked == self.signers_per_minter

    def test_only_a_kind_that_signs_asks_for_the_services_keys_and_only_for_the_kid_named(self) -> None:
        key_draft = draft()
        self.refusal(self.credential(self.make(key_draft)), key_draft.project_id)
        assert self.keyring.asked == ([self.signer.kid] if self.signers_per_minter else [])

    @pytest.mark.parametrize("change", sorted(EXPIRY_CHANGES))
    def test_which_changes_of_expiry_are_refused(self, change: str) -> None:
        current, new = EXPIRY_CHANGES[change]
        refusal = self.kind.expiry_change_refusal(current, new)
        if change in self.refused_expiry_changes:
            assert refusal is not None and "expiry" in refusal, change
        else:
            assert refusal is None, change


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
    # The token only names the key whose secret signs requests: alone, it proves nothing.
    refused_as_bearer = MALFORMED

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
    refused_expiry_changes = frozenset({"extended", "removed"})
    signers_per_minter = 1

    def accepted_as(self, candidate: str, project_id: str) -> str | None:
        # A JWT's offline check is its parse and its check before the lookup: the signature
        # against the service's own key, its issuer and its project.
        presented = self.kind.parse(candidate)
        if presented is None or self.kind.refusal_before_lookup(presented, project_id, self.keyring) is not None:
            return None
        return presented.handle

    def test_the_handle_is_the_key_id_and_nothing_is_stored_of_the_token(self) -> None:
        key_draft = draft()
        made = self.make(key_draft)
        assert made.handle == key_draft.key_id
        assert made.sealed_material is None

    def test_the_high_s_twin_of_a_token_is_refused(self) -> None:
        # (r, n - s) verifies as mathematically as (r, s): a second string for the same key.
        key_draft = draft()
        token = self.credential(self.make(key_draft))
        signing_input, _, signature_text = token.rpartition(".")
        signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
        r, s = signature[:32], int.from_bytes(signature[32:], "big")
        assert s <= P256_ORDER // 2
        twin_signature = r + (P256_ORDER - s).to_bytes(32, "big")
        twin = f"{signing_input}.{base64.urlsafe_b64encode(twin_signature).rstrip(b'=').decode()}"
        keyring = LocalKeyring(self.signer)
        assert self.refusal(token, key_draft.project_id, keyring) is None
        assert self.refusal(twin, key_draft.project_id, keyring) == INVALID_SIGNATURE

    @pytest.mark.parametrize("expires_at", [EXPIRES_AT, None])
    def test_its_signing_key_is_kept_published_while_the_token_is_valid(self, expires_at: float | None) -> None:
        self.make(draft(expires_at))
        assert self.signer.valid_until == [expires_at]

    def test_a_signature_by_a_key_the_service_does_not_have_is_refused(self) -> None:
        key_draft = draft()
        candidate = self.credential(self.make(key_draft))
        impostor = LocalSigner(kid=self.signer.kid)  # claims the service's kid, signs with its own key
        assert self.refusal(candidate, key_draft.project_id, LocalKeyring(impostor)) == INVALID_SIGNATURE
        assert self.refusal(candidate, key_draft.project_id, LocalKeyring()) == INVALID_SIGNATURE

    def test_a_token_of_another_issuer_is_refused(self) -> None:
        key_draft = draft()
        candidate = self.credential(self.make(key_draft))
        elsewhere = LocalKeyring(self.signer, issuer="urn:keywarden:elsewhere")
        assert self.refusal(candidate, key_draft.project_id, elsewhere) == INVALID_SIGNATURE

    def test_a_token_of_another_project_is_not_found(self) -> None:
        candidate = self.credential(self.make())
        assert self.refusal(candidate, new_id("prj")) == NOT_FOUND

    def test_the_refusal_of_a_longer_expiry_says_why(self) -> None:
        refusal = self.kind.expiry_change_refusal(EXPIRES_AT, EXPIRES_AT + 60)
        assert refusal == "a JWT key's expiry is signed into the token: it can be brought forward, not extended"


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
