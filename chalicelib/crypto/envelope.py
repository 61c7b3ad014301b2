"""KMS envelope encryption: each secret under its own data key, AES-256-GCM.

`seal(plaintext, context)` asks KMS for a fresh data key, encrypts locally with
AES-256-GCM, and returns one string holding the KMS-encrypted data key, the nonce and
the ciphertext. The encryption context (e.g. project id and secret name) is given to
KMS and used as the GCM associated data, so a ciphertext copied to another record
fails to open. Opened data keys are cached in memory, bounded in entries and age, so a
warm process opens a secret it has seen without calling KMS.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.cache import TtlCache
from chalicelib.crypto.kms import key_alias, kms_client
from chalicelib.lazy import lazy_module
from chalicelib.resets import on_reset

if TYPE_CHECKING:
    from cryptography import exceptions as crypto_exceptions
    from cryptography.hazmat.primitives.ciphers import aead
else:  # at the first secret sealed or opened: see chalicelib.lazy
    crypto_exceptions = lazy_module("cryptography.exceptions")
    aead = lazy_module("cryptography.hazmat.primitives.ciphers.aead")

FORMAT_VERSION = "v1"
SECRETS_KEY = "secrets"
# One data key per sealed value: an HMAC key's secret, an app secret. 10,000 keys at about
# 200 bytes each: 2 MB, so a warm process checks the signatures of that many HMAC keys without KMS.
CACHE_MAX_ENTRIES = 10_000
CACHE_MAX_AGE_SECONDS = 300.0


class EnvelopeError(Exception):
    """A sealed value could not be opened: wrong context, tampered, or not ours."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(sorted(context.items())), separators=(",", ":")).encode()


# Opened data keys by (encrypted key, associated data): a warm process opens what it has seen without KMS.
data_keys: TtlCache[tuple[bytes, bytes], bytes] = TtlCache(max_entries=CACHE_MAX_ENTRIES, ttl=CACHE_MAX_AGE_SECONDS)


@on_reset
def _forget_data_keys() -> None:
    data_keys.clear()


def seal(plaintext: bytes, context: Mapping[str, str]) -> str:
    """Encrypts `plaintext` under a new data key bound to `context`."""
    response = kms_client().generate_data_key(
        KeyId=key_alias(SECRETS_KEY), KeySpec="AES_256", EncryptionContext=dict(context)
    )
    data_key, encrypted_key = response["Plaintext"], response["CiphertextBlob"]
    nonce = os.urandom(12)
    ciphertext = aead.AESGCM(data_key).encrypt(nonce, plaintext, _aad(context))
    data_keys.put((encrypted_key, _aad(context)), data_key)
    return ":".join((FORMAT_VERSION, _b64(encrypted_key), _b64(nonce), _b64(ciphertext)))


def open_sealed(sealed: str, context: Mapping[str, str]) -> bytes:
    """Decrypts what `seal` returned for the same context; raises EnvelopeError otherwise."""
    try:
        version, encrypted_key_text, nonce_text, ciphertext_text = sealed.split(":")
        if version != FORMAT_VERSION:
            raise ValueError(version)
        encrypted_key, nonce, ciphertext = _unb64(encrypted_key_text), _unb64(nonce_text), _unb64(ciphertext_text)
        # seal() writes 12-byte nonces; KMS ciphertext blobs are 1 to 6,144 bytes.
        if len(nonce) != 12 or not 0 < len(encrypted_key) <= 6144:
            raise ValueError("wrong sizes")
    except ValueError:
        raise EnvelopeError("not a sealed value") from None
    aad = _aad(context)
    _, data_key = data_keys.get((encrypted_key, aad))
    if data_key is None:
        try:
            data_key = kms_client().decrypt(
                CiphertextBlob=encrypted_key, EncryptionContext=dict(context), KeyId=key_alias(SECRETS_KEY)
            )["Plaintext"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise EnvelopeError("the data key does not open in this context") from None
            raise
        data_keys.put((encrypted_key, aad), data_key)
    try:
        return bytes(aead.AESGCM(data_key).decrypt(nonce, ciphertext, aad))
    except crypto_exceptions.InvalidTag:
        raise EnvelopeError("the ciphertext does not open in this context") from None
