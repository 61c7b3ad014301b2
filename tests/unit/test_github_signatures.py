"""GitHub's secret scanning signatures: GitHub's own sample, and every way a signature must fail.

The sample is the one in GitHub's docs, "Secret scanning partner program", section
"Implement signature verification in your secret alert service"
(https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program;
source: github/docs, content/code-security/secret-scanning/secret-scanning-partnership-program/
secret-scanning-partner-program.md): the body of its sample HTTP POST (Content-Length 104: no
newline at the end; the Ruby sample `chomp`s it), with the key id and signature of its headers.
The docs fetch the key itself from https://api.github.com/meta/public_keys/secret_scanning; its
PEM here is that document's entry for the id, as quoted by pypi/warehouse
(docs/dev/development/token-scanning.md) and octokit/octokit.net
(Octokit.Tests/Models/MetaPublicKeysTests.cs). That it verifies GitHub's signature is the proof.

No I/O here: the keyring is given its document by a function (`test_github_keys.py` serves it over HTTP).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from chalicelib.config import DEFAULT_GITHUB_KEYS_URL, load_settings
from chalicelib.domain.github_signatures import (
    KeyDocumentError,
    key_id_well_formed,
    load_p256_key,
    parse_key_document,
    signature_valid,
    token_hash,
)
from chalicelib.errors import ConfigError
from chalicelib.services.github_keys import GithubKeyring, Outcome
from tests.github_keys_server import public_pem, sign

ROOT = Path(__file__).resolve().parents[2]

# GitHub's sample (see the module's docstring).
SAMPLE_BODY = (
    b'[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]'
)
SAMPLE_KEY_ID = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c"
SAMPLE_SIGNATURE = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg=="
SAMPLE_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\n"
    "AjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n"
    "-----END PUBLIC KEY-----\n"
)
# An older pair by GitHub's previous key (90a4..., `is_current: false` in the same keys
# document), from the Python sample proposed for the same docs page (github/docs#18776):
# another body and signature by another of GitHub's keys.
OLD_BODY = b'[{"token":"some_token","type":"some_type","url":"some_url"}]'
OLD_KEY_ID = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a"
OLD_SIGNATURE = "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc="
OLD_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\n"
    "kCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n"
    "-----END PUBLIC KEY-----\n"
)
GITHUB_DOCUMENT = json.dumps(
    {
        "public_keys": [
            {"key_identifier": OLD_KEY_ID, "key": OLD_PEM, "is_current": False},
            {"key_identifier": SAMPLE_KEY_ID, "key": SAMPLE_PEM, "is_current": True},
        ]
    }
).encode()
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def github_keyring() -> GithubKeyring:
    """A keyring whose fetch hands it GitHub's keys document, no network."""
    return GithubKeyring(DEFAULT_GITHUB_KEYS_URL, fetch=lambda url, timeout: GITHUB_DOCUMENT)


@pytest.fixture(scope="module")
def sample_key() -> ec.EllipticCurvePublicKey:
    key = load_p256_key(SAMPLE_PEM)
    assert key is not None
    return key


@pytest.fixture(scope="module")
def other_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --- GitHub's samples ----------------------------------------------------------------------


def test_githubs_sample_verifies(sample_key: ec.EllipticCurvePublicKey) -> None:
    assert len(SAMPLE_BODY) == 104  # the sample request's Content-Length
    assert signature_valid(sample_key, SAMPLE_BODY, SAMPLE_SIGNATURE)


def test_githubs_sample_verifies_through_the_keyring() -> None:
    check = github_keyring().check(SAMPLE_BODY, SAMPLE_KEY_ID, SAMPLE_SIGNATURE)
    assert check.verified and check.outcome is Outcome.VERIFIED


def test_githubs_older_sample_verifies_with_its_own_key_only() -> None:
    keyring = github_keyring()
    assert keyring.check(OLD_BODY, OLD_KEY_ID, OLD_SIGNATURE).verified
    assert keyring.check(OLD_BODY, SAMPLE_KEY_ID, OLD_SIGNATURE).outcome is Outcome.INVALID
    assert keyring.check(SAMPLE_BODY, OLD_KEY_ID, SAMPLE_SIGNATURE).outcome is Outcome.INVALID


@pytest.mark.parametrize(
    "body",
    [SAMPLE_BODY + b"\n", SAMPLE_BODY + b"\r\n", b" " + SAMPLE_BODY, json.dumps(json.loads(SAMPLE_BODY)).encode()],
    ids=["trailing-newline", "trailing-crlf", "leading-space", "parsed-and-dumped-again"],
)
def test_the_body_must_be_the_raw_bytes_github_sent(sample_key: ec.EllipticCurvePublicKey, body: bytes) -> None:
    assert not signature_valid(sample_key, body, SAMPLE_SIGNATURE)


def test_one_flipped_bit_anywhere_in_the_body_fails(sample_key: ec.EllipticCurvePublicKey) -> None:
    for index in range(len(SAMPLE_BODY)):
        tampered = bytearray(SAMPLE_BODY)
        tampered[index] ^= 0x01
        assert not signature_valid(sample_key, bytes(tampered), SAMPLE_SIGNATURE), index


def test_the_body_replayed_with_another_signature_fails(
    sample_key: ec.EllipticCurvePublicKey, other_key: ec.EllipticCurvePrivateKey
) -> None:
    # A genuine signature by GitHub, of another body.
    assert not signature_valid(sample_key, SAMPLE_BODY, OLD_SIGNATURE)
    # The same with a key of ours: a's body under b's signature.
    public = other_key.public_key()
    body_a, body_b = b'[{"token":"a"}]', b'[{"token":"b"}]'
    assert signature_valid(public, body_a, sign(other_key, body_a))
    assert not signature_valid(public, body_a, sign(other_key, body_b))


def test_a_signature_by_another_p256_key_under_githubs_key_id_fails(other_key: ec.EllipticCurvePrivateKey) -> None:
    forged = sign(other_key, SAMPLE_BODY)
    assert github_keyring().check(SAMPLE_BODY, SAMPLE_KEY_ID, forged).outcome is Outcome.INVALID


def test_the_mirror_of_a_genuine_signature_verifies_too(sample_key: ec.EllipticCurvePublicKey) -> None:
    # ECDSA's (r, n - s) verifies wherever (r, s) does: GitHub may send either, so neither is
    # refused, and a signature's bytes cannot tell one delivery from another.
    r, s = decode_dss_signature(base64.b64decode(SAMPLE_SIGNATURE))
    mirror = base64.b64encode(encode_dss_signature(r, P256_ORDER - s)).decode()
    assert mirror != SAMPLE_SIGNATURE
    assert signature_valid(sample_key, SAMPLE_BODY, mirror)


# --- headers that are not a signature --------------------------------------------------------

_DER = base64.b64decode(SAMPLE_SIGNATURE)
GARBAGE_SIGNATURES = {
    "empty": "",
    "not-base64": "not a signature!",
    "only-padding": "====",
    "urlsafe-alphabet": SAMPLE_SIGNATURE.replace("/", "_").replace("+", "-"),
    "unpadded": SAMPLE_SIGNATURE.rstrip("="),
    "inner-whitespace": SAMPLE_SIGNATURE[:20] + " " + SAMPLE_SIGNATURE[20:],
    "trailing-newline": SAMPLE_SIGNATURE + "\n",
    "non-ascii": SAMPLE_SIGNATURE[:-2] + "é=",
    "random-bytes": base64.b64encode(bytes(range(70))).decode(),
    "truncated-der": base64.b64encode(_DER[:-1]).decode(),
    "der-with-trailing-byte": base64.b64encode(_DER + b"\x00").decode(),
    "raw-r-s-not-der": base64.b64encode(b"".join(n.to_bytes(32, "big") for n in decode_dss_signature(_DER))).decode(),
    "zero-r-s": base64.b64encode(encode_dss_signature(0, 0)).decode(),
    "huge": "A" * 100_000,
    "huge-valid-prefix": SAMPLE_SIGNATURE + "A" * 10_000,
}


@pytest.mark.parametrize("signature", GARBAGE_SIGNATURES.values(), ids=GARBAGE_SIGNATURES.keys())
def test_garbage_signatures_fail_cleanly(sample_key: ec.EllipticCurvePublicKey, signature: str) -> None:
    assert not signature_valid(sample_key, SAMPLE_BODY, signature)
    assert github_keyring().check(SAMPLE_BODY, SAMPLE_KEY_ID, signature).outcome is Outcome.INVALID


@pytest.mark.parametrize(
    "key_id",
    ["", " ", "x" * 129, "x" * 100_000, "../../etc/passwd", SAMPLE_KEY_ID + "\n", "ключ", "a b"],
    ids=["empty", "blank", "129-chars", "huge", "path", "newline", "non-ascii", "space"],
)
def test_malformed_key_ids_fail_without_asking_for_keys(key_id: str) -> None:
    fetched: list[str] = []

    def fetch(url: str, timeout: float) -> bytes:
        fetched.append(url)
        return GITHUB_DOCUMENT

    keyring = GithubKeyring("https://keys.example.test/", fetch=fetch)
    assert keyring.check(SAMPLE_BODY, key_id, SAMPLE_SIGNATURE).outcome is Outcome.INVALID
    assert fetched == []


def test_missing_headers_fail() -> None:
    keyring = github_keyring()
    assert keyring.check(SAMPLE_BODY, None, SAMPLE_SIGNATURE).outcome is Outcome.INVALID
    assert keyring.check(SAMPLE_BODY, SAMPLE_KEY_ID, None).outcome is Outcome.INVALID


def test_key_ids_of_githubs_shape_are_well_formed() -> None:
    assert key_id_well_formed(SAMPLE_KEY_ID) and key_id_well_formed(OLD_KEY_ID)


# --- the keys document ------------------------------------------------------------------------


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_the_document_keeps_every_p256_key_current_or_not() -> None:
    assert set(parse_key_document(GITHUB_DOCUMENT)) == {OLD_KEY_ID, SAMPLE_KEY_ID}


def test_entries_that_cannot_verify_are_skipped_and_do_not_hide_the_others() -> None:
    document = {
        "public_keys": [
            42,
            None,
            {"key_identifier": "no-key"},
            {"key_identifier": 7, "key": SAMPLE_PEM},
            {"key_identifier": "not-pem", "key": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"},
            {"key_identifier": "p384", "key": _pem(ec.generate_private_key(ec.SECP384R1()))},
            {"key_identifier": "secp256k1", "key": _pem(ec.generate_private_key(ec.SECP256K1()))},
            {"key_identifier": "rsa", "key": _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))},
            {"key_identifier": "ed25519", "key": _pem(ed25519.Ed25519PrivateKey.generate())},
            {"key_identifier": "bad id!", "key": SAMPLE_PEM},
            {"key_identifier": SAMPLE_KEY_ID, "key": SAMPLE_PEM, "is_current": True},
        ]
    }
    assert set(parse_key_document(json.dumps(document).encode())) == {SAMPLE_KEY_ID}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html>rate limited</html>",
        b"[]",
        b'{"keys": []}',
        b'{"public_keys": "nope"}',
        b'{"public_keys": []}',
        b'{"public_keys": [{"key_identifier": "rsa-only", "key": "-----BEGIN PUBLIC KEY-----"}]}',
        b"\xff\xfe\x00",
        b"[" * 100_000,
    ],
    ids=["empty", "html", "list", "other-shape", "not-a-list", "no-keys", "no-usable-key", "not-utf8", "deep"],
)
def test_a_document_without_a_usable_key_is_an_error(raw: bytes) -> None:
    with pytest.raises(KeyDocumentError):
        parse_key_document(raw)


def test_pem_of_a_p256_key_loads_and_others_do_not(other_key: ec.EllipticCurvePrivateKey) -> None:
    assert load_p256_key(public_pem(other_key)) is not None
    assert load_p256_key(_pem(ec.generate_private_key(ec.SECP384R1()))) is None
    assert load_p256_key("") is None
    assert load_p256_key("\udcff") is None  # a lone surrogate, as a JSON string may carry


# --- token_hash -------------------------------------------------------------------------------


def test_token_hash_is_the_hex_sha256_of_the_token() -> None:
    # sha256(b"some_token"), computed independently of the code under test.
    assert token_hash("some_token") == "9a45520a1213f15016d2d768b5fb3d904492a44ee274b44d4de8803e00fb536a"
    assert token_hash("kw_") != token_hash("kw_ ")
    assert token_hash("clé") == token_hash("cl\u00e9") and len(token_hash("clé")) == 64


# --- settings and cold start ---------------------------------------------------------------------


def test_the_keys_url_defaults_to_githubs_and_can_be_set() -> None:
    assert load_settings({}).github_keys_url == DEFAULT_GITHUB_KEYS_URL
    assert DEFAULT_GITHUB_KEYS_URL == "https://api.github.com/meta/public_keys/secret_scanning"
    url = "http://127.0.0.1:9/keys"
    assert load_settings({"KEYWARDEN_GITHUB_KEYS_URL": url}).github_keys_url == url
    assert load_settings({"KEYWARDEN_GITHUB_KEYS_URL": ""}).github_keys_url == DEFAULT_GITHUB_KEYS_URL


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/keys", "https://", "api.github.com/meta"])
def test_the_keys_url_must_be_http(url: str) -> None:
    with pytest.raises(ConfigError, match="KEYWARDEN_GITHUB_KEYS_URL"):
        load_settings({"KEYWARDEN_GITHUB_KEYS_URL": url})


def test_importing_the_check_does_not_load_cryptography() -> None:
    probe = (
        "import sys; import chalicelib.services.github_keys, chalicelib.domain.github_signatures; "
        "print(any(m == 'cryptography' or m.startswith('cryptography.') for m in sys.modules))"
    )
    child = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert child.stdout.strip() == "False"
