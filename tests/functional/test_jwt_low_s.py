"""One JWT key, one token: the high-S twin of a token (its ECDSA s replaced by n - s, which
verifies just as well mathematically) is refused, and every token the service mints is low-S."""

from __future__ import annotations

import base64

from tests.functional.conftest import Api
from tests.functional.test_introspection import answer
from tests.functional.test_jwt_keys import P256_ORDER, JwtProject, b64url, with_s

# Each token is signed afresh; KMS returns either form at random, so a signer that did not
# normalise would show a high-S token among these with a probability of 1 - 2**-8.
TOKENS = 8


def signature_of(token: str) -> bytes:
    segment = token.rsplit(".", 1)[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def high_s_twin_of(token: str) -> str:
    """The same token with the high-S form of its signature."""
    signing_input, _, _ = token.rpartition(".")
    return f"{signing_input}.{b64url(with_s(signature_of(token), high=True))}"


def test_the_high_s_twin_of_a_jwt_key_is_refused_by_verify_and_introspection(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt(ttl_seconds=3600)
    twin = high_s_twin_of(token)
    assert twin != token and twin.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]

    assert project.verify(twin).json == {"valid": False, "code": "INVALID_SIGNATURE"}
    assert project.verify(twin, ["orders:read"]).json == {"valid": False, "code": "INVALID_SIGNATURE"}
    assert answer(project, twin) == {"active": False}

    # The token as issued is untouched.
    assert project.code(token) == "VALID"
    assert project.verify(token).json["key_id"] == key["id"]
    genuine = answer(project, token)
    assert genuine["active"] is True and genuine["jti"] == key["id"]


def test_every_minted_token_is_low_s_and_verifies(api: Api) -> None:
    project = JwtProject(api)
    for _ in range(TOKENS):
        _, token = project.issue_jwt(ttl_seconds=3600)
        assert int.from_bytes(signature_of(token)[32:], "big") <= P256_ORDER // 2
        assert project.code(token) == "VALID"
