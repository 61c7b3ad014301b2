"""`keywarden keys`: API keys of a project (create, list, show, update, disable, enable, reroll,
revoke, batch-delete, credits)."""

from __future__ import annotations

from typing import Any

import click

from keywarden.cli.errors import CliError, ExitCode
from keywarden.cli.limits import credits_commands, pairs, ratelimit
from keywarden.cli.options import timestamp
from keywarden.cli.output import Column, ask, echo_fields, echo_json, echo_secret, field
from keywarden.cli.session import Group, Session, list_options, pass_session, project_option
from keywarden.management._generated.api.api_keys import (
    batch_delete_keys,
    change_credits,
    create_key,
    delete_key,
    get_key,
    list_keys,
    reroll_key,
    update_key,
)
from keywarden.management._generated.models import (
    BatchDelete,
    CreditsSpec,
    KeyCreate,
    KeyCreateMeta,
    KeyCreateType,
    KeyUpdate,
    ListKeysStatus,
    ListKeysType,
    RateLimitSpec,
    Reroll,
)
from keywarden.management._generated.types import UNSET

COLUMNS: list[Column] = [
    ("ID", field("id")),
    ("NAME", field("name")),
    ("TYPE", field("type")),
    ("STATUS", field("status")),
    ("OWNER", field("owner_id")),
    ("ROLE", field("role_id")),
    ("HINT", field("hint")),
    ("EXPIRES", field("expires_at")),
    ("LAST USED", field("last_used_at")),
]
FIELDS = [
    "id",
    "name",
    "type",
    "status",
    "enabled",
    "description",
    "owner_id",
    "role_id",
    "permissions",
    "ip_allowlist",
    "hint",
    "created_at",
    "created_by",
    "expires_at",
    "revoked_at",
    "exposed_at",
    "exposed_action",
    "last_used_at",
    "template_id",
    "request_id",
    "meta",
    "ratelimits",
    "credits",
]
KEY_TYPES = [t.value for t in KeyCreateType]
STATUSES = [s.value for s in ListKeysStatus]
GRACE = click.IntRange(0, 604800)
ALLOWLIST_HELP = "A network the key may be used from (repeat): 203.0.113.0/24, 2001:db8::/32, or one address."


def _issued(session: Session, body: dict[str, Any], verb: str) -> None:
    """A new key and its secret, said once (`create`, `reroll`)."""
    if session.json_output:
        echo_json(body)
        return
    key = body["key"]
    click.echo(f"{verb} {key['type']} key {key['id']} ({key['name']}), expires {key.get('expires_at') or 'never'}.")
    echo_secret(body["secret"])


@click.group(cls=Group)
def keys() -> None:
    """API keys: list, create, show, update, disable, enable, reroll, revoke, batch-delete."""


@keys.command("list")
@project_option
@click.option("--owner", default=None, help="Only this owner's keys.")
@click.option("--identity", "identity_id", default=None, help="Only this identity's keys.")
@click.option("--status", type=click.Choice(STATUSES), default=None)
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), default=None)
@click.option(
    "--unused-days", type=click.IntRange(1, 36500), default=None, help="Only keys unused for N days (or never)."
)
@list_options
@pass_session
def list_(
    session: Session,
    pid: str,
    owner: str | None,
    identity_id: str | None,
    status: str | None,
    key_type: str | None,
    unused_days: int | None,
    limit: int | None,
    cursor: str | None,
) -> None:
    """The project's keys (owners and admins see all; others their own)."""
    session.list_items(
        list_keys.sync_detailed,
        COLUMNS,
        limit=limit,
        cursor=cursor,
        pid=pid,
        owner_id=owner or UNSET,
        identity_id=identity_id or UNSET,
        status=ListKeysStatus(status) if status else UNSET,
        type_=ListKeysType(key_type) if key_type else UNSET,
        unused_days=UNSET if unused_days is None else unused_days,
    )


@keys.command()
@project_option
@click.argument("name")
@click.option("--role", "role_id", required=True, help="The role whose permissions the key holds.")
@click.option("--type", "key_type", type=click.Choice(KEY_TYPES), default="opaque", show_default=True)
@click.option("--owner", default=None, help="Whose key it is (default: you).")
@click.option("--identity", "identity_id", default=None, help="An identity's key (your customer's), not a member's.")
@click.option("--description", default=None)
@click.option("--ttl", type=click.IntRange(1), default=None, help="Expires this many seconds from now.")
@click.option("--expires-at", default=None, callback=timestamp, metavar="TIME", help="Expires at this RFC 3339 time.")
@click.option(
    "--meta", "meta", multiple=True, callback=pairs, metavar="NAME=VALUE", help="Free-form metadata (repeat)."
)
@click.option(
    "--ratelimit",
    "ratelimits",
    multiple=True,
    callback=ratelimit,
    metavar="NAME=LIMIT/SECONDS",
    help="A rate limit (repeat): e.g. requests=100/60.",
)
@click.option("--credits", "credits_", type=click.IntRange(0), default=None, help="Credits it starts with (1 per use).")
@click.option("--ip-allowlist", "ip_allowlist", multiple=True, metavar="CIDR", help=ALLOWLIST_HELP)
@pass_session
def create(
    session: Session,
    pid: str,
    name: str,
    role_id: str,
    key_type: str,
    owner: str | None,
    identity_id: str | None,
    description: str | None,
    ttl: int | None,
    expires_at: Any,
    meta: dict[str, str],
    ratelimits: list[RateLimitSpec],
    credits_: int | None,
    ip_allowlist: tuple[str, ...],
) -> None:
    """Create a key named NAME. Its secret is printed once: store it then.

    With --ip-allowlist, verification refuses it (IP_NOT_ALLOWED) from anywhere else.
    """
    if ttl is not None and expires_at is not None:
        raise click.UsageError("give --ttl or --expires-at, not both")
    if owner is not None and identity_id is not None:
        raise click.UsageError("give --owner or --identity, not both")
    body = KeyCreate(
        name=name,
        type_=KeyCreateType(key_type),
        role_id=role_id,
        owner_id=owner or UNSET,
        identity_id=identity_id or UNSET,
        description=UNSET if description is None else description,
        ttl_seconds=UNSET if ttl is None else ttl,
        expires_at=UNSET if expires_at is None else expires_at,
        meta=KeyCreateMeta.from_dict(meta) if meta else UNSET,
        ratelimits=ratelimits or UNSET,
        credits_=UNSET if credits_ is None else CreditsSpec(remaining=credits_),
        ip_allowlist=list(ip_allowlist) or UNSET,
    )
    result = session.call(create_key.sync_detailed, pid, body=body, idempotency_key=session.idempotency_key)
    _issued(session, result.body, "Created")


@keys.command()
@project_option
@click.argument("key_id")
@pass_session
def show(session: Session, pid: str, key_id: str) -> None:
    """Show one key (never its secret)."""
    result = session.call(get_key.sync_detailed, pid, key_id)
    if session.json_output:
        echo_json(result.body)
    else:
        echo_fields(result.body, FIELDS)


def _changed(session: Session, pid: str, key_id: str, body: KeyUpdate) -> dict[str, Any]:
    """PATCHes the key; prints it with --json and returns it."""
    result = session.call(update_key.sync_detailed, pid, key_id, body=body)
    if session.json_output:
        echo_json(result.body)
    key: dict[str, Any] = result.body
    return key


@keys.command()
@project_option
@click.argument("key_id")
@click.option("--name", default=None, help="A new name.")
@click.option("--description", default=None, help="A new description.")
@click.option("--expires-at", default=None, callback=timestamp, metavar="TIME", help="Expire at this RFC 3339 time.")
@click.option("--no-expiry", is_flag=True, help="Remove the expiry: the key never expires.")
@click.option(
    "--ip-allowlist", "ip_allowlist", multiple=True, metavar="CIDR", help="Replace the allowlist with these (repeat)."
)
@click.option("--no-ip-allowlist", is_flag=True, help="Remove the allowlist: the key may be used from anywhere.")
@pass_session
def update(
    session: Session,
    pid: str,
    key_id: str,
    name: str | None,
    description: str | None,
    expires_at: Any,
    no_expiry: bool,
    ip_allowlist: tuple[str, ...],
    no_ip_allowlist: bool,
) -> None:
    """Change KEY_ID's name, description, expiry or IP allowlist; what is not given stays.

    The project's key policy may refuse an expiry or an allowlist (policy_violation).
    """
    if expires_at is not None and no_expiry:
        raise click.UsageError("give --expires-at or --no-expiry, not both")
    if ip_allowlist and no_ip_allowlist:
        raise click.UsageError("give --ip-allowlist or --no-ip-allowlist, not both")
    body = KeyUpdate(
        name=UNSET if name is None else name,
        description=UNSET if description is None else description,
        expires_at=None if no_expiry else UNSET if expires_at is None else expires_at,
        ip_allowlist=[] if no_ip_allowlist else list(ip_allowlist) or UNSET,
    )
    if not body.to_dict():
        raise click.UsageError("nothing to change: give --name, --description, an expiry or an allowlist")
    key = _changed(session, pid, key_id, body)
    if not session.json_output:
        echo_fields(key, FIELDS)


@keys.command()
@project_option
@click.argument("key_id")
@pass_session
def disable(session: Session, pid: str, key_id: str) -> None:
    """Disable KEY_ID: it answers DISABLED within seconds, until `keys enable` (unlike revoke)."""
    _changed(session, pid, key_id, KeyUpdate(enabled=False))
    if not session.json_output:
        click.echo(f"Disabled {key_id}: it stops verifying within seconds, until enabled again.")


@keys.command()
@project_option
@click.argument("key_id")
@pass_session
def enable(session: Session, pid: str, key_id: str) -> None:
    """Enable KEY_ID again after `keys disable`: it verifies again within seconds."""
    _changed(session, pid, key_id, KeyUpdate(enabled=True))
    if not session.json_output:
        click.echo(f"Enabled {key_id}: it verifies again within seconds.")


@keys.command()
@project_option
@click.argument("key_id")
@click.option("--grace", type=GRACE, default=0, show_default=True, help="Seconds the old key keeps working.")
@pass_session
def reroll(session: Session, pid: str, key_id: str, grace: int) -> None:
    """Replace KEY_ID with a new key (same owner, role, meta); prints the new secret once."""
    body = Reroll(grace_seconds=grace)
    result = session.call(reroll_key.sync_detailed, pid, key_id, body=body, idempotency_key=session.idempotency_key)
    _issued(session, result.body, "Rerolled into")
    if not session.json_output:
        old = "stops working now" if grace == 0 else f"keeps working for {grace} s"
        click.echo(f"The old key {key_id} {old}.", err=True)


@keys.command()
@project_option
@click.argument("key_id")
@pass_session
def revoke(session: Session, pid: str, key_id: str) -> None:
    """Revoke KEY_ID: it stops verifying within seconds (prints nothing with --json)."""
    session.call(delete_key.sync_detailed, pid, key_id)
    if not session.json_output:
        click.echo(f"Revoked {key_id}.")


@keys.command("batch-delete")
@project_option
@click.argument("key_ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask; revoke them.")
@pass_session
def batch_delete(session: Session, pid: str, key_ids: tuple[str, ...], yes: bool) -> None:
    """Revoke several keys at once (up to 100). Asks you to type how many, unless --yes."""
    unique_ids = list(dict.fromkeys(key_ids))
    count = len(unique_ids)
    if not yes:
        click.echo(f"This revokes {count} key{'s' if count != 1 else ''} of project {pid} for good.", err=True)
        if ask("Type the number of keys to confirm").strip() != str(count):
            raise CliError("not confirmed: nothing was revoked", ExitCode.ERROR, hint="or pass --yes")
    body = BatchDelete(key_ids=unique_ids, confirm=True)
    result = session.call(batch_delete_keys.sync_detailed, pid, body=body, idempotency_key=session.idempotency_key)
    if session.json_output:
        echo_json(result.body)
        return
    deleted, not_found = result.body["deleted"], result.body["not_found"]
    click.echo(f"Revoked {len(deleted)} key{'s' if len(deleted) != 1 else ''}: {' '.join(deleted) or '-'}")
    if not_found:
        click.echo(f"Not found: {' '.join(not_found)}")


credits_commands(keys, "key", change_credits.sync_detailed)
