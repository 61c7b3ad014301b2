"""Who is calling, and whether their login is fresh enough for a sensitive action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from chalicelib.errors import StepUpRequiredError, UnauthenticatedError


class Principal(Struct, frozen=True):
    """A person, as their identity provider vouched for them in a verified token."""

    sub: str
    groups: frozenset[str]
    auth_time: int | None
    is_system_admin: bool

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], admin_group: str) -> Principal:
        """Reads `sub`, `groups` and `auth_time` from verified claims.

        >>> Principal.from_claims({"sub": "ann", "groups": ["keywarden-admins"]}, "keywarden-admins").is_system_admin
        True
        """
        sub = claims.get("sub")
        # OpenID Connect Core 1.0 section 2: `sub` is at most 255 ASCII characters.
        if not isinstance(sub, str) or not 0 < len(sub) <= 255:
            raise UnauthenticatedError("the token has no usable sub claim", token_given=True)
        raw_groups = claims.get("groups", [])
        if isinstance(raw_groups, str):
            raw_groups = [raw_groups]
        groups = frozenset(g for g in raw_groups if isinstance(g, str)) if isinstance(raw_groups, list) else frozenset()
        auth_time = claims.get("auth_time")
        # bool is an int in Python; a token saying auth_time=true is not a time.
        if not isinstance(auth_time, int) or isinstance(auth_time, bool):
            auth_time = None
        return cls(sub=sub, groups=groups, auth_time=auth_time, is_system_admin=admin_group in groups)


def require_fresh_login(principal: Principal, now: float, max_age: int) -> None:
    """Raises StepUpRequiredError unless the login happened at most `max_age` seconds ago.

    RFC 9470: a token without `auth_time` cannot prove a recent login, so it never passes.
    """
    if principal.auth_time is None or now - principal.auth_time > max_age:
        raise StepUpRequiredError(max_age)
