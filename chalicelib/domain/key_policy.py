"""A project's key policy: the rules every key it makes or changes must follow.

The rules are named as the policy's fields, and a refusal names each rule broken (the API's
`policy_violation`, one entry per rule in `errors`). A key is judged as a `KeyShape`: what
the rules look at, whether it is being made, changed, or listed in the report of existing
keys. A new policy does not touch existing keys; the report (`violations`, key by key)
lists those that break it.

>>> policy = KeyPolicy(max_lifetime_days=90, forbid_wildcard_permissions=True)
>>> [rule for rule, _ in violations(policy, KeyShape("opaque", 0.0, None, ("orders:*",), ()))]
['max_lifetime_days', 'forbid_wildcard_permissions']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec
from msgspec import Struct

LeakAction = Literal["revoke", "disable", "notify"]

DAY = 86400.0
# The rules in the order a refusal names them (the policy's own fields).
RULES = (
    "max_lifetime_days",
    "require_expiry",
    "allowed_types",
    "forbid_wildcard_permissions",
    "require_ip_allowlist",
)


class KeyPolicy(Struct, frozen=True, omit_defaults=True):
    """None / False / empty: the rule does not apply. `leak_action` is what a reported leak of
    one of the project's keys does to it (`revoke` by default: a leaked key is burnt)."""

    max_lifetime_days: int | None = None
    require_expiry: bool = False
    allowed_types: tuple[str, ...] | None = None
    forbid_wildcard_permissions: bool = False
    require_ip_allowlist: bool = False
    leak_action: LeakAction = "revoke"

    @property
    def restricts(self) -> bool:
        """Whether any rule applies (a policy of defaults refuses nothing)."""
        return any(rule for rule, _ in violations(self, _UNRESTRICTED_PROBE))


NO_POLICY = KeyPolicy()


class KeyShape(Struct, frozen=True):
    """What the rules look at of a key: its type, when its lifetime starts (epoch seconds: its
    creation, or now for a key being made), when it expires (None: never), its permissions and
    its IP allowlist."""

    type: str
    starts_at: float
    expires_at: float | None
    permissions: tuple[str, ...]
    ip_allowlist: tuple[str, ...]


# A key that every rule refuses: a policy that finds nothing wrong with it has no rules.
_UNRESTRICTED_PROBE = KeyShape("", 0.0, None, ("*",), ())


def violations(policy: KeyPolicy, key: KeyShape) -> list[tuple[str, str]]:
    """Each rule `key` breaks, with what a person should be told, in `RULES` order."""
    found: list[tuple[str, str]] = []
    if policy.max_lifetime_days is not None:
        limit = policy.max_lifetime_days
        if key.expires_at is None:
            found.append(("max_lifetime_days", f"keys must expire within {limit} days; this one never expires"))
        elif key.expires_at - key.starts_at > limit * DAY + 1:  # a second's grace for rounding up to whole seconds
            found.append(("max_lifetime_days", f"keys must expire within {limit} days of their creation"))
    if policy.require_expiry and key.expires_at is None:
        found.append(("require_expiry", "keys must have an expiry"))
    if policy.allowed_types is not None and key.type not in policy.allowed_types:
        allowed = ", ".join(policy.allowed_types) or "none"
        found.append(("allowed_types", f"keys of type {key.type} are not allowed (allowed: {allowed})"))
    if policy.forbid_wildcard_permissions and any("*" in p for p in key.permissions):
        found.append(("forbid_wildcard_permissions", "keys may not hold wildcard permissions (their role has some)"))
    if policy.require_ip_allowlist and not key.ip_allowlist:
        found.append(("require_ip_allowlist", "keys must have an IP allowlist"))
    return found


def to_document(policy: KeyPolicy) -> dict[str, Any]:
    return msgspec.to_builtins(policy)


def from_document(document: Any) -> KeyPolicy:
    """The policy as stored (None or {}: the defaults)."""
    if not document:
        return NO_POLICY
    return msgspec.convert(document, KeyPolicy)


def rules_broken(found: Sequence[tuple[str, str]]) -> list[str]:
    return [rule for rule, _ in found]
