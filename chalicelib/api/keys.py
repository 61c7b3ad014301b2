"""API keys: issue, list, read, change, revoke, batch-revoke, reroll; revoked-key feed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from msgspec import UNSET, structs

from chalicelib.api.access import Own, OwnFilter
from chalicelib.api.http import Call, Reply, Router
from chalicelib.api.key_schemas import (
    BatchDelete,
    BatchDeleted,
    Key,
    KeyChange,
    KeyCreate,
    KeyIssued,
    KeyListQuery,
    KeyUpdate,
    Reroll,
    RevokedKey,
    RevokedQuery,
)
from chalicelib.api.limit_schemas import CreditsBalance, CreditsChange, to_limits
from chalicelib.api.schemas import Page
from chalicelib.domain.clock import epoch_of, now, rfc3339
from chalicelib.domain.limits import Limits, from_document, key_meter
from chalicelib.domain.meta import check_meta
from chalicelib.domain.policy import Action
from chalicelib.errors import (
    ConfirmationRequiredError,
    FieldError,
    ImmutableFieldError,
    NotFoundError,
    ValidationFailedError,
)
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import ip_allowlist
    from chalicelib.domain.verification import IdentityRef
    from chalicelib.services import keys as key_cases
    from chalicelib.services import metering
    from chalicelib.store import audit, event_data, identities, keys, roles
    from chalicelib.store.audit_models import AuditEventModel
    from chalicelib.store.key_models import ApiKeyModel
    from chalicelib.store.project_models import RoleModel
else:  # at first use: see chalicelib.lazy
    ip_allowlist = lazy_module("chalicelib.domain.ip_allowlist")
    event_data = lazy_module("chalicelib.store.event_data")
    audit = lazy_module("chalicelib.store.audit")
    keys = lazy_module("chalicelib.store.keys")
    roles = lazy_module("chalicelib.store.roles")
    identities = lazy_module("chalicelib.store.identities")
    key_cases = lazy_module("chalicelib.services.keys")
    metering = lazy_module("chalicelib.services.metering")

router = Router("keys", "api keys")

_MUTABLE = {"name", "description", "expires_at", "ratelimits", "credits", "enabled", "ip_allowlist"}


def allowlist_of(entries: list[str] | None, field: str = "ip_allowlist") -> tuple[str, ...]:
    """An allowlist as given, in canonical form; 422 naming the entry at fault."""
    try:
        return ip_allowlist.normalized(entries or [])
    except ip_allowlist.AllowlistError as error:
        where = field if error.index is None else f"{field}[{error.index}]"
        raise ValidationFailedError.single(where, str(error)) from None


def key_view(key: ApiKeyModel) -> Key:
    """The key as GET shows it: with its credits' balance now, when it has credits (one read)."""
    return key_views([key])[0]


def key_views(items: list[ApiKeyModel]) -> list[Key]:
    """Keys as GET shows them; the balances of those with credits in one read."""
    limits = [from_document(k.limits) for k in items]
    policies = [x.credits for x in limits]
    meters = [key_meter(k.id, x) for k, x in zip(items, limits, strict=True)]
    remaining = metering.balances(meters, policies, now()) if any(policies) else []
    return [Key(**event_data.key_data(key, remaining[index] if remaining else None)) for index, key in enumerate(items)]


def _epoch(value: datetime, field: str) -> float:
    try:
        return epoch_of(value)
    except ValueError:
        raise ValidationFailedError.single(field, "must be between years 1 and 9999 in UTC") from None


def future_epoch(value: datetime, field: str) -> float:
    epoch = _epoch(value, field)
    if epoch <= now():
        raise ValidationFailedError.single(field, "must be in the future")
    return epoch


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailedError.single("since", "must be an RFC 3339 timestamp with a time zone") from None
    if parsed.tzinfo is None:
        raise ValidationFailedError.single("since", "must be an RFC 3339 timestamp with a time zone")
    return parsed


def _identity_for_key(project_id: str, identity_id: str) -> IdentityRef:
    try:
        return identities.reference(identities.get_identity(project_id, identity_id))
    except NotFoundError:
        raise ValidationFailedError.single("identity_id", "no such identity in this project") from None


def _role_for_key(project_id: str, role_id: str) -> RoleModel:
    try:
        return roles.get_role(project_id, role_id)
    except NotFoundError:
        raise ValidationFailedError.single("role_id", "no such role in this project") from None


@router.route(
    "POST",
    "/v1/projects/{pid}/keys",
    body=KeyCreate,
    response=KeyIssued,
    status=201,
    secret_response=True,
    action=Action.MANAGE_KEYS,
)
def create_key(call: Call[KeyCreate, None]) -> KeyIssued:
    """Issues a key to `owner_id` (default: the caller), who must hold the "API calls" right.

    The secret is in this response only. Permissions are those of the role when the key
    is issued (a JWT key carries them too, so every type behaves alike).
    """
    project, body = call.access.project, call.body
    if body.expires_at is not UNSET and body.ttl_seconds is not UNSET:
        raise ValidationFailedError(
            [
                FieldError("expires_at", "give expires_at or ttl_seconds, not both"),
                FieldError("ttl_seconds", "give expires_at or ttl_seconds, not both"),
            ]
        )
    check_meta(body.meta)
    expires_at = None
    if body.expires_at is not UNSET:
        expires_at = future_epoch(body.expires_at, "expires_at")
    elif body.ttl_seconds is not UNSET:
        expires_at = now() + body.ttl_seconds
    rates, policy, credits = to_limits(body.ratelimits, body.credits)
    identity = None
    if body.identity_id is not UNSET:
        if body.owner_id is not UNSET:
            raise ValidationFailedError(
                [
                    FieldError("owner_id", "give owner_id or identity_id, not both"),
                    FieldError("identity_id", "give owner_id or identity_id, not both"),
                ]
            )
        identity = _identity_for_key(project.id, body.identity_id)
    spec = key_cases.NewKey(
        key_type=body.type,
        name=body.name,
        description=body.description,
        owner_id=None if identity is not None else call.person.sub if body.owner_id is UNSET else body.owner_id,
        role=_role_for_key(project.id, body.role_id),
        expires_at=expires_at,
        meta=body.meta,
        limits=Limits(rates, policy),
        credits=credits,
        identity=identity,
        ip_allowlist=allowlist_of(body.ip_allowlist),
    )
    issued = key_cases.issue_key(project, spec, call.person.sub)
    return KeyIssued(key=key_view(issued.key), secret=issued.secret)


def _load_key(project_id: str, params: dict[str, str]) -> ApiKeyModel:
    return keys.get_key(project_id, params["key_id"])


@router.route(
    "GET",
    "/v1/projects/{pid}/keys",
    query=KeyListQuery,
    response=Page[Key],
    action=Action.REQUEST_KEYS,
    own=OwnFilter("owner_id", elevated=Action.MANAGE_KEYS),
)
def list_keys(call: Call[None, KeyListQuery]) -> Page[Key]:
    """Owners and admins see every key; editors and developers see their own (another's: 403)."""
    project, query = call.access.project, call.query
    page = keys.list_keys(
        project.id,
        query.limit,
        query.cursor,
        owner_id=query.owner_id,
        identity_id=query.identity_id,
        status=query.status,
        key_type=query.type,
        unused_days=query.unused_days,
    )
    return Page(key_views(page.items), page.next_cursor)


@router.route(
    "GET",
    "/v1/projects/{pid}/keys/{key_id}",
    response=Key,
    action=Action.REQUEST_KEYS,
    own=Own(_load_key, lambda key: key.owner_id, elevated=Action.MANAGE_KEYS),
)
def get_key(call: Call[None, None]) -> Key:
    """One key (its secret is never shown again), to its owner and to those who manage keys;
    other members get 403."""
    key: ApiKeyModel = call.access.resource
    return key_view(key)


@router.route("PATCH", "/v1/projects/{pid}/keys/{key_id}", body=KeyUpdate, response=Key, action=Action.MANAGE_KEYS)
def update_key(call: Call[KeyUpdate, None]) -> Key:
    """Changes `name`, `description`, `expires_at`, `ratelimits`, `credits`, `enabled` or
    `ip_allowlist`; any other field is `immutable_field`. Disabling (`enabled: false`) is
    reversible, unlike a revocation: the key answers DISABLED within KEYWARDEN_CACHE_TTL
    seconds, and verifies again once enabled (`key.disabled` / `key.enabled`)."""
    project, body = call.access.project, call.body
    given = {k: v for k, v in structs.asdict(body).items() if v is not UNSET}
    frozen = sorted(set(given) - _MUTABLE)
    if frozen:
        raise ImmutableFieldError([FieldError(name, "cannot be changed") for name in frozen])
    if "expires_at" in given and given["expires_at"] is not None:
        given["expires_at"] = future_epoch(given["expires_at"], "expires_at")
    if "ip_allowlist" in given:
        given["ip_allowlist"] = allowlist_of(given["ip_allowlist"])
    key = keys.get_key(project.id, call.params["key_id"])
    limits, credits = None, None
    if body.ratelimits is not UNSET or body.credits is not UNSET:
        current = from_document(key.limits)
        rates, policy, credits = to_limits(body.ratelimits, body.credits)
        limits = Limits(
            rates if body.ratelimits is not UNSET else current.ratelimits,
            policy if body.credits is not UNSET else current.credits,
        )
    return key_view(key_cases.update_key(project, key, given, call.person.sub, limits=limits, credits=credits))


@router.route("DELETE", "/v1/projects/{pid}/keys/{key_id}", status=204, action=Action.MANAGE_KEYS)
def delete_key(call: Call[None, None]) -> None:
    """Revokes a key; it stops verifying everywhere within KEYWARDEN_CACHE_TTL seconds."""
    project = call.access.project
    key = keys.get_key(project.id, call.params["key_id"])
    key_cases.revoke_keys(project.id, [key], call.person.sub)


@router.route(
    "POST", "/v1/projects/{pid}/keys/batch-delete", body=BatchDelete, response=BatchDeleted, action=Action.MANAGE_KEYS
)
def batch_delete_keys(call: Call[BatchDelete, None]) -> BatchDeleted:
    """Revokes up to 100 keys at once; needs `confirm: true`. Already revoked keys count as deleted."""
    project, body = call.access.project, call.body
    if body.confirm is not True:
        raise ConfirmationRequiredError("batch deletion revokes keys for good: send confirm: true")
    wanted = list(dict.fromkeys(body.key_ids))
    found = keys.keys_by_ids(project.id, wanted)
    key_cases.revoke_keys(project.id, list(found.values()), call.person.sub)
    return BatchDeleted(
        deleted=[key_id for key_id in wanted if key_id in found],
        not_found=[key_id for key_id in wanted if key_id not in found],
    )


@router.route(
    "POST",
    "/v1/projects/{pid}/keys/{key_id}/reroll",
    body=Reroll,
    response=KeyIssued,
    secret_response=True,
    action=Action.MANAGE_KEYS,
)
def reroll_key(call: Call[Reroll, None]) -> Reply:
    """A new key with the same owner, role and meta; the old one expires after `grace_seconds`."""
    project = call.access.project
    old = keys.get_key(project.id, call.params["key_id"])
    role = _role_for_key(project.id, old.role_id)
    issued = key_cases.reroll_key(project, old, role, call.body.grace_seconds, call.person.sub)
    return Reply(KeyIssued(key=key_view(issued.key), secret=issued.secret))


@router.route(
    "POST",
    "/v1/projects/{pid}/keys/{key_id}/credits",
    body=CreditsChange,
    response=CreditsBalance,
    action=Action.MANAGE_KEYS,
)
def change_credits(call: Call[CreditsChange, None]) -> CreditsBalance:
    """Sets, increments or decrements a key's credits, exactly, whatever verifications spend
    meanwhile; a decrement past zero leaves 0. A key without credits (unlimited): 409."""
    project, body = call.access.project, call.body
    key = keys.get_key(project.id, call.params["key_id"])
    remaining = key_cases.change_credits(key, body.op, body.value, call.person.sub)
    return CreditsBalance(remaining=remaining)


@router.route(
    "GET",
    "/v1/projects/{pid}/revoked-keys",
    query=RevokedQuery,
    response=Page[RevokedKey],
    action=Action.MANAGE_KEYS,
    service_key_too=True,
)
def revoked_keys(call: Call[None, RevokedQuery]) -> Page[RevokedKey]:
    """Keys revoked since `since`, oldest first: a feed for resource servers' deny lists
    (people who manage keys, or the project's service key)."""
    query = call.query
    since = rfc3339(_epoch(_parse_since(query.since), "since")) if query.since is not None else None
    page = keys.revoked_since(call.params["pid"], since, query.limit, query.cursor)
    return Page([RevokedKey(key_id=k.id, revoked_at=k.revoked_at or "") for k in page.items], page.next_cursor)


@router.route(
    "GET",
    "/v1/projects/{pid}/key-changes",
    query=RevokedQuery,
    response=Page[KeyChange],
    action=Action.MANAGE_KEYS,
    service_key_too=True,
)
def key_changes(call: Call[None, RevokedQuery]) -> Page[KeyChange]:
    """Everything that changes whether a key verifies beyond what the key itself carries, oldest
    first, from `since` on: revocations, expiries brought forward, owners' membership changes.
    What an offline verifier (the SDK's) polls, so a JWT key it trusts stops within seconds.

    Poll with `since` a little before the newest event seen (events commit a moment after
    their time) and skip ids already seen; follow `next_cursor` for more.
    """
    query = call.query
    since_ms = int(_epoch(_parse_since(query.since), "since") * 1000) if query.since is not None else None
    page = audit.key_changes(call.params["pid"], since_ms, query.limit, query.cursor)
    return Page([_key_change(e) for e in page.items], page.next_cursor)


def _key_change(event: AuditEventModel) -> KeyChange:
    details = event.details or {}
    if event.action == "key.revoked":
        key_ids = list(details.get("key_ids") or [event.target_id])
        return KeyChange(id=event.id, at=event.at, change="revoked", key_ids=key_ids)
    if event.action.startswith("member."):
        return KeyChange(id=event.id, at=event.at, change="owner_changed", key_ids=[], owner_id=event.target_id)
    if event.action in ("key.disabled", "key.enabled"):
        toggle: Literal["disabled", "enabled"] = "disabled" if event.action == "key.disabled" else "enabled"
        return KeyChange(id=event.id, at=event.at, change=toggle, key_ids=[event.target_id])
    changed = details.get("changed", ("expires_at",))
    if "expires_at" not in changed and "ip_allowlist" in changed:
        return KeyChange(id=event.id, at=event.at, change="restrictions_changed", key_ids=[event.target_id])
    if "expires_at" not in changed:
        return KeyChange(id=event.id, at=event.at, change="limits_changed", key_ids=[event.target_id])
    return KeyChange(id=event.id, at=event.at, change="expiry_changed", key_ids=[event.target_id])
