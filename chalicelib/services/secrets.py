"""App secrets' use cases: a new project's values, reveal, rotate, and service-key authentication.

Values are made and sealed here (KMS envelope encryption, bound to the project and the
secret's name), and only sealed values and keyed hashes reach the store. A rotation forgets
the cached secure key and service-key lookups it changed, at this one seam.
"""

from __future__ import annotations

from msgspec import Struct
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib import cache
from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain.app_secrets import SECRET_NAMES, SECURE_KEY, SERVICE_KEY, SERVICE_KEY_PREFIX
from chalicelib.domain.base62 import random_text
from chalicelib.domain.clock import now
from chalicelib.store import secrets
from chalicelib.store.pepper import digest
from chalicelib.store.secret_models import AppSecretModel


class Rotation(Struct, frozen=True):
    value: str
    previous_valid_until: float | None


def new_value(name: str) -> str:
    """A fresh secret: 32 base62 characters (about 190 bits), service keys 40 and prefixed `kws_`."""
    return SERVICE_KEY_PREFIX + random_text(40) if name == SERVICE_KEY else random_text(32)


def _context(project_id: str, name: str) -> dict[str, str]:
    # Binds a sealed value to its record: moved to another project or name, it fails to open.
    return {"project_id": project_id, "secret": name}


def _sealed(project_id: str, name: str, value: str) -> secrets.SealedValue:
    return secrets.SealedValue(
        sealed=seal(value.encode(), _context(project_id, name)),
        hint=value[-4:],
        digest=digest(value) if name == SERVICE_KEY else None,
    )


def _open(secret: AppSecretModel, sealed: str) -> str:
    return open_sealed(sealed, _context(secret.project_id, secret.name)).decode()


def new_project_secrets(project_id: str, at: str) -> list[tuple[Model, Condition]]:
    """A new project's secure key and service key, as the records (with their create-only
    conditions) that its creation writes in one transaction."""
    values = {name: _sealed(project_id, name, new_value(name)) for name in SECRET_NAMES}
    return secrets.initial_items(project_id, at, values)


def reveal(project_id: str, name: str, actor: str) -> str:
    """The secret's current value; the reveal is audited before the value is returned."""
    secret = secrets.get_secret(project_id, name)
    value = _open(secret, secret.sealed)
    secrets.record_reveal(project_id, name, actor)
    return value


def rotate(project_id: str, name: str, imported: str | None, grace_seconds: int, actor: str) -> Rotation:
    """Replaces the secret; the old value keeps working for `grace_seconds` (0: stops now)."""
    secret = secrets.get_secret(project_id, name)
    value = imported if imported is not None else new_value(name)
    started = now()
    valid_until = started + grace_seconds if grace_seconds > 0 else None
    replaced = None
    if name == SERVICE_KEY:
        previous = _open(secret, secret.previous_sealed) if secret.previous_sealed else None
        replaced = secrets.ReplacedDigests(
            current=digest(_open(secret, secret.sealed)), previous=digest(previous) if previous is not None else None
        )
    touched = secrets.rotate(
        secret, _sealed(project_id, name, value), valid_until, started, grace_seconds, actor, replaced
    )
    cache.secure_keys.invalidate([project_id])
    cache.service_keys.invalidate(touched)
    return Rotation(value, valid_until)


def current_and_previous(project_id: str, name: str, *, include_retired: bool = False) -> list[str]:
    """The values that authenticate now: the current one and one still in its grace period
    (`include_retired`: also a previous value whose grace period is over)."""
    secret = secrets.get_secret(project_id, name)
    values = [_open(secret, secret.sealed)]
    if secret.previous_sealed and (include_retired or (secret.previous_valid_until or 0) > now()):
        values.append(_open(secret, secret.previous_sealed))
    return values


def secure_key_values(project_id: str) -> list[str]:
    """The secure key values that sign and verify launch parameters now (current, and one in
    its grace period), cached: a rotation forgets them here at once, elsewhere within the TTL."""
    found, values = cache.secure_keys.get(project_id)
    if not found or values is None:
        values = current_and_previous(project_id, SECURE_KEY)
        cache.secure_keys.put(project_id, values)
    return values


def record_signing(project_id: str, param_names: list[str], actor: str) -> None:
    """Audits a signing of launch parameters with the secure key: the names signed, never a value."""
    secrets.record_signing(project_id, param_names, actor)


def service_key_digests(project_id: str, *, include_retired: bool = False) -> list[str]:
    """The keyed hashes of a project's service key values that may still authenticate."""
    return [digest(value) for value in current_and_previous(project_id, SERVICE_KEY, include_retired=include_retired)]


def project_of_service_key(value: str) -> str | None:
    """The project a service key authenticates, or None (unknown, rotated out, or expired);
    lookups, misses included, are cached for the verification cache's TTL."""
    key_digest = digest(value)
    found, cached = cache.service_keys.get(key_digest)
    if not found:
        cached = secrets.service_key_record(key_digest)
        cache.service_keys.put(key_digest, cached)
    if cached is None:
        return None
    project_id, valid_until = cached
    if valid_until is not None and valid_until <= now():
        return None
    return str(project_id)
