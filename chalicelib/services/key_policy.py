"""The project's key policy: read, set, enforce where a key is made or changed, and report.

A key being made is judged whole (`enforce` with every rule); a key being changed only by the
rules that look at what changes (`rules_touched`), so a key made before a rule existed is not
refused a rename. The report judges the project's live keys as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from msgspec import Struct, structs

from chalicelib.domain.clock import now, parse_rfc3339
from chalicelib.domain.key_policy import RULES, KeyPolicy, KeyShape, from_document, to_document, violations
from chalicelib.domain.page import Page
from chalicelib.errors import FieldError, PolicyViolationError
from chalicelib.store import key_policies
from chalicelib.store.event_data import status_of
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.project_models import ProjectModel

# The policy's rules that look at each field a PATCH may change.
_RULES_OF_FIELD = {
    "expires_at": ("max_lifetime_days", "require_expiry"),
    "ip_allowlist": ("require_ip_allowlist",),
}
# A report's page reads at most this many keys (then hands out a cursor, even with fewer items).
_MAX_KEYS_READ = 500


class Breach(Struct, frozen=True):
    """A live key that breaks the policy, and the rules it breaks."""

    key: ApiKeyModel
    rules: list[str]


def policy_of(project: ProjectModel) -> KeyPolicy:
    return from_document(project.key_policy)


def set_policy(project: ProjectModel, policy: KeyPolicy, actor: str) -> KeyPolicy:
    """Replaces the project's policy (audited). Existing keys are not touched: see `report`."""
    key_policies.set_policy(project.id, to_document(policy), actor)
    return policy


def enforce(policy: KeyPolicy, key: KeyShape, rules: Collection[str] = RULES) -> None:
    """Refuses (`policy_violation`, each rule named) a key that breaks one of `rules` of the policy."""
    found = [(rule, message) for rule, message in violations(policy, key) if rule in rules]
    if found:
        raise PolicyViolationError([FieldError(rule, message) for rule, message in found])


def rules_touched(changes: Mapping[str, Any]) -> set[str]:
    """The rules that look at the fields `changes` changes."""
    return {rule for field in changes for rule in _RULES_OF_FIELD.get(field, ())}


def shape_of(key: ApiKeyModel) -> KeyShape:
    """An existing key as the rules look at it (its lifetime started at its creation)."""
    return KeyShape(
        key.type,
        parse_rfc3339(key.created_at),
        parse_rfc3339(key.expires_at) if key.expires_at else None,
        tuple(str(p) for p in key.permissions),
        tuple(str(c) for c in key.ip_allowlist or ()),
    )


def shape_of_changed(key: ApiKeyModel, changes: Mapping[str, Any]) -> KeyShape:
    """The key as a PATCH of `changes` (epoch seconds for `expires_at`) would leave it."""
    shape = shape_of(key)
    if "expires_at" in changes:
        shape = structs.replace(shape, expires_at=changes["expires_at"])
    if "ip_allowlist" in changes:
        shape = structs.replace(shape, ip_allowlist=tuple(changes["ip_allowlist"] or ()))
    return shape


def report(project: ProjectModel, limit: int, cursor: str | None) -> Page[Breach]:
    """The project's keys that still work (neither revoked nor expired) and break its policy, in
    creation order. A page reads at most a few hundred keys: it may hold fewer than `limit`
    items (even none) and still hand out a cursor."""
    policy = policy_of(project)
    at = now()
    found: list[Breach] = []
    keys, next_cursor = key_policies.live_keys(project.id, cursor, _MAX_KEYS_READ)
    for index, key in enumerate(keys):
        if status_of(key, at) == "expired":
            continue
        rules = [rule for rule, _ in violations(policy, shape_of(key))]
        if rules:
            found.append(Breach(key, rules))
            if len(found) == limit:
                if index + 1 < len(keys) or next_cursor is not None:
                    return Page(found, key_policies.cursor_after(key))
                return Page(found, None)
    return Page(found, next_cursor)
