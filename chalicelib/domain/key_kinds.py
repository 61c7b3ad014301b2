"""What every kind of API key has in common: one small interface, three implementations.

A kind (`opaque_keys.KIND`, `jwt_keys.KIND`, `hmac_keys.KIND`; all of them in
`kind_registry`) knows how to

- make new keys (`minter`): a new key's secret part from a `Draft`, and what of it is
  stored: the `Made` says which handle finds the key's lookup record (always through
  the keyed hash, never in plaintext), the hint lists show, and the material that must
  be stored sealed (only HMAC secrets);
- `parse` a presented credential without any I/O, down to its `handle`;
- refuse a presented credential before its record is read (`refusal_before_lookup`:
  a JWT whose signature the service's own keys do not confirm);
- say whether a key's expiry may change (`expiry_change_refusal`: a JWT's is signed
  into it).

What a kind needs from outside the domain is passed in as a small protocol (`Signer`,
`Keyring`), which the services supply. Nothing outside a kind's own module asks which
kind it is, so a new kind is one module and one entry in `kind_registry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from msgspec import Struct

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey


class Draft(Struct, frozen=True):
    """A key about to be issued: everything a kind may put into its secret."""

    key_id: str
    project_id: str
    owner_id: str
    role_id: str
    permissions: tuple[str, ...]
    issued_at: float
    expires_at: float | None
    issuer: str
    # The deployment's prefix of opaque keys (`KEYWARDEN_KEY_PREFIX`), without its `_`.
    key_prefix: str = "kw"


class Made(Struct, frozen=True):
    """A new key's secret part and what of it the service keeps.

    `shown` is returned once and never stored. `handle` finds the lookup record (the
    store keeps only its keyed hash). `sealed_material`, when given, is stored only
    encrypted under KMS (an HMAC key's secret, which the service needs to check
    signatures).
    """

    handle: str
    shown: dict[str, str]
    hint: str
    sealed_material: bytes | None = None
    # The KMS encryption context that binds the sealed material to this key.
    seal_context: dict[str, str] | None = None


Minter = Callable[[Draft], Made]


class Presented(Protocol):
    """A credential that parsed: at least the handle of the key it claims to be."""

    @property
    def handle(self) -> str: ...


class Signer(Protocol):
    """What a kind whose keys are signed signs them with (the service's KMS signing key)."""

    @property
    def kid(self) -> str: ...

    def sign(self, message: bytes, valid_until: float | None) -> bytes:
        """The raw signature of `message`, by a key that verifiers can fetch at least until
        `valid_until` (None: for ever), when what is signed stops being valid."""
        ...


class Keyring(Protocol):
    """What the service vouches for, to check a credential before its record is read: its
    own issuer name, its own signing keys (never a key that a credential names), and the
    prefixes of its opaque keys."""

    @property
    def issuer(self) -> str: ...

    @property
    def key_prefixes(self) -> tuple[str, ...]:
        """The prefixes (with their `_`) of the opaque keys this deployment issues or issued."""
        ...

    def verification_key(self, kid: str) -> EllipticCurvePublicKey | None:
        """The public key of `kid` when it is one of the service's signing keys, else None."""
        ...


P = TypeVar("P", bound=Presented)


class KeyKind(Protocol[P]):
    """One kind of API key; `P` is what its `parse` makes of a presented credential."""

    name: str

    def minter(self, signer: Callable[[], Signer]) -> Minter:
        """Makes new keys of this kind. `signer` is called once, here, by a kind whose keys
        are signed, and never by others (finding the signing key costs reads)."""
        ...

    def parse(self, candidate: str) -> P | None:
        """What `candidate` says it is, when it is well formed for this kind; no I/O."""
        ...

    def owns(self, candidate: str) -> bool:
        """Whether `candidate` has this kind's shape (a cheap prefix test, no parsing)."""
        ...

    def refusal_before_lookup(self, presented: P, project_id: str, keyring: Keyring) -> str | None:
        """Why `presented`, offered alone as a bearer credential by a caller of `project_id`
        (as at /v1/keys/verify), is refused before its record is read: a verdict code of
        `domain.verification`, or None to look the key up."""
        ...

    def expiry_change_refusal(self, current: float | None, new: float | None) -> str | None:
        """Why a key of this kind whose expiry is `current` may not have it changed to `new`
        (epoch seconds; None: never expires), said to the user; or None when it may."""
        ...
