"""What every kind of API key has in common: one small interface, three implementations.

A kind (`opaque_keys.KIND`, `jwt_keys.KIND`, `hmac_keys.KIND`) knows how to

- `make` a new key's secret part from a `Draft` (what the key will be),
- `parse` a presented credential without any I/O, down to its `handle`,
- and what of the key is stored: the `Made` it returns says which handle finds the
  key's lookup record (always through the keyed hash, never in plaintext), the hint
  lists show, and the material that must be stored sealed (only HMAC secrets).

Verification picks the kind by the credential's shape (`kind_registry.for_credential`),
so a new kind is one module and one entry in `kind_registry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from msgspec import Struct


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


class Presented(Protocol):
    """A credential that parsed: at least the handle of the key it claims to be."""

    @property
    def handle(self) -> str: ...


# A JWT kind signs with this: the kid of the signing key and a function from the signing
# input to the raw signature. Other kinds are given None.
class Signer(Protocol):
    @property
    def kid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class KeyKind(Protocol):
    name: str
    # Whether the credential alone authenticates (opaque and JWT keys, at /v1/keys/verify);
    # an HMAC key's token does not: it names the key whose secret signs a request.
    bearer: bool
    # Whether the credential carries its own claims, signed (a JWT): it is made with a signer,
    # and what it says, its expiry included, cannot be changed after.
    self_contained: bool

    def make(self, draft: Draft, signer: Signer | None) -> Made: ...

    def parse(self, candidate: str) -> Presented | None: ...

    def owns(self, candidate: str) -> bool:
        """Whether `candidate` has this kind's shape (a cheap prefix test, no parsing)."""
        ...


Minter = Callable[[Draft], Made]
