"""Leaked keys: a report names keys found where they should not be (a public repository, a
paste, a log); each live key of ours among them gets its project's `leak_action` at once,
once (`revoke`, `disable`, or `notify` only), with audit and webhook `key.exposed`.

The intake: tokens that cannot be ours (a checksum that fails, a JWT the service did not sign)
are dropped without a read; the rest are found with one batched read of their verification
records; the keys of the live ones (neither revoked nor expired) and their projects (for the
policy) are read in one batch each; each action is one transaction (`store.leaks.expose`), on
condition that no report acted on the key before, so a repeated report, GitHub's retries and
concurrent scanners act once. Cached verification records of the keys acted on are forgotten
here, so the key refuses in this process at once and everywhere within the cache bound.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from msgspec import Struct

from chalicelib.config import get_settings
from chalicelib.domain.clock import now
from chalicelib.domain.key_policy import from_document
from chalicelib.domain.verification import KeyRecord
from chalicelib.errors import NotFoundError
from chalicelib.services import keys as key_cases
from chalicelib.services.verification import leaked_handle
from chalicelib.store import key_lookup, keys, leaks
from chalicelib.store.base import TransactionCancelledError
from chalicelib.store.key_models import ApiKeyModel

MAX_KEYS = 100
# Tries of one key's action when its write loses races (see `_expose`).
_ATTEMPTS = 5
# An opaque key of any prefix, or a JWT: what `scrubbed` hides.
_KEY_SHAPED = re.compile(r"[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{34}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

log = logging.getLogger(__name__)


class Finding(Struct, frozen=True):
    """What a report's token turned out to be: one of our keys (live or not) or not; and the
    action taken on it by this report (None: none, e.g. already acted on, revoked or expired)."""

    token: str
    ours: bool
    action_taken: str | None = None


def intake(found_at: Mapping[str, str | None], source: str, reporter: str | None = None) -> list[Finding]:
    """Acts on the live keys among the tokens of `found_at` (at most `MAX_KEYS`; each with where it
    was found), each once; one finding per token."""
    handles = {token: leaked_handle(token) for token in list(found_at)[:MAX_KEYS]}
    lookups = {token: key_lookup.lookup_id(handle) for token, handle in handles.items() if handle is not None}
    records = key_lookup.lookup_many(lookups.values())
    at = now()
    found = [
        (token, records[lookup].project_id, records[lookup].key_id)
        for token, lookup in lookups.items()
        if lookup in records and _live(records[lookup], at)
    ]
    taken = _act(found, found_at, source, reporter, at)
    return [Finding(token, token in lookups and lookups[token] in records, taken.get(token)) for token in handles]


def _act(
    found: list[tuple[str, str, str]], found_at: Mapping[str, str | None], source: str, reporter: str | None, at: float
) -> dict[str, str]:
    """Takes each key's project's leak action; returns the action taken by token."""
    if not found:
        return {}
    by_key = {(project_id, key_id): token for token, project_id, key_id in found}
    models = leaks.keys_of(by_key)
    projects = leaks.projects_of({project_id for project_id, _ in by_key})
    taken: dict[str, str] = {}
    for (project_id, key_id), token in by_key.items():
        key, project = models.get((project_id, key_id)), projects.get(project_id)
        if key is None or project is None or key.exposed_at is not None or key.revoked_at is not None:
            continue
        action = from_document(project.key_policy).leak_action
        try:
            done = _expose(key, action, at, source, scrubbed(found_at.get(token)), scrubbed(reporter))
        finally:
            key_cases.forget([key.digest])
        if done:
            taken[token] = action
    return taken


def _expose(key: ApiKeyModel, action: str, at: float, source: str, url: str | None, reporter: str | None) -> bool:
    """Takes the action on `key`; False when someone acted first (another report, a revocation).

    A write that lost a race (a person disabled the key meanwhile, a transaction held one of
    its items for a moment) is tried again on the key as it is now, so a leak is never left
    unanswered for a reason that is no answer."""
    for _attempt in range(_ATTEMPTS):
        if key.exposed_at is not None or key.revoked_at is not None:
            return False
        try:
            leaks.expose(key, action, at, source, url, reporter)
            return True
        except TransactionCancelledError:
            try:
                key = keys.get_key(key.project_id, key.id)
            except NotFoundError:
                return False
    log.warning("a leaked key kept changing while its leak action was taken: key %s", key.id)
    return False


def scrubbed(text: str | None) -> str | None:
    """`text` (where a report says a key was found, who reports it) with anything shaped like a
    key of ours replaced by its hint: the text goes into audit events and webhooks, which must
    never hold a secret, and a URL may well carry one (`?api_key=...`)."""
    if text is None:
        return None
    return _KEY_SHAPED.sub(_hint, text)


def _hint(found: re.Match[str]) -> str:
    shaped = found.group(0)
    return "[a JWT key]" if shaped.startswith("eyJ") else shaped[: shaped.index("_") + 1] + "..."


def _live(record: KeyRecord, at: float) -> bool:
    return record.revoked_at is None and (record.expires_at is None or record.expires_at > at)


def admitted(source: str) -> bool:
    """Whether the open report endpoint takes another report from `source` this minute."""
    return leaks.admit(source, int(now() // 60), get_settings().leak_reports_per_minute)
