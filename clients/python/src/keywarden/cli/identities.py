"""`keywarden identities`: a project's identities, the platform's own customers who hold keys
without being members (list, create, show, delete, credits)."""

from __future__ import annotations

from typing import Any

import click

from keywarden.cli.keys import ratelimit
from keywarden.cli.output import Column, echo_fields, echo_json, field
from keywarden.cli.session import Group, Session, list_options, pass_session, project_option
from keywarden.management._generated.api.identities import (
    change_identity_credits,
    create_identity,
    delete_identity,
    get_identity,
    list_identities,
)
from keywarden.management._generated.models import (
    CreditsChange,
    CreditsChangeOp,
    CreditsSpec,
    IdentityCreate,
    IdentityCreateMeta,
    RateLimitSpec,
)
from keywarden.management._generated.types import UNSET


def _credits(identity: dict[str, Any]) -> str:
    credits = identity.get("credits")
    return "∞" if credits is None else str(credits["remaining"])


COLUMNS: list[Column] = [
    ("ID", field("id")),
    ("EXTERNAL ID", field("external_id")),
    ("CREDITS", _credits),
    ("CREATED", field("created_at")),
]
FIELDS = ["id", "external_id", "meta", "ratelimits", "credits", "created_at"]


@click.group(cls=Group)
def identities() -> None:
    """Identities (your customers, who hold keys without being members): list, create, show,
    delete, credits."""


@identities.command("list")
@project_option
@click.option("--external-id", default=None, help="Only the identity with this external id.")
@list_options
@pass_session
def list_(session: Session, pid: str, external_id: str | None, limit: int | None, cursor: str | None) -> None:
    """The project's identities (owners and admins)."""
    session.list_items(
        list_identities.sync_detailed,
        COLUMNS,
        limit=limit,
        cursor=cursor,
        pid=pid,
        external_id=external_id or UNSET,
    )


@identities.command()
@project_option
@click.argument("external_id")
@click.option("--meta", "meta", multiple=True, metavar="NAME=VALUE", help="Free-form metadata (repeat).")
@click.option(
    "--ratelimit",
    "ratelimits",
    multiple=True,
    callback=ratelimit,
    metavar="NAME=LIMIT/SECONDS",
    help="A rate limit shared by all its keys (repeat): e.g. requests=1000/60.",
)
@click.option("--credits", "credits_", type=click.IntRange(0), default=None, help="Credits it starts with.")
@pass_session
def create(
    session: Session,
    pid: str,
    external_id: str,
    meta: tuple[str, ...],
    ratelimits: list[RateLimitSpec],
    credits_: int | None,
) -> None:
    """Create the identity of your customer EXTERNAL_ID (your own id for them)."""
    pairs: dict[str, str] = {}
    for item in meta:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--meta")
        pairs[name] = value
    body = IdentityCreate(
        external_id=external_id,
        meta=IdentityCreateMeta.from_dict(pairs) if pairs else UNSET,
        ratelimits=ratelimits or UNSET,
        credits_=UNSET if credits_ is None else CreditsSpec(remaining=credits_),
    )
    result = session.call(create_identity.sync_detailed, pid, body=body, idempotency_key=session.idempotency_key)
    if session.json_output:
        echo_json(result.body)
    else:
        echo_fields(result.body, FIELDS)


@identities.command()
@project_option
@click.argument("identity_id")
@pass_session
def show(session: Session, pid: str, identity_id: str) -> None:
    """Show one identity, with what its credits have left."""
    result = session.call(get_identity.sync_detailed, pid, identity_id)
    if session.json_output:
        echo_json(result.body)
    else:
        echo_fields(result.body, FIELDS)


@identities.command()
@project_option
@click.argument("identity_id")
@pass_session
def delete(session: Session, pid: str, identity_id: str) -> None:
    """Delete IDENTITY_ID and revoke every key of it (prints nothing with --json)."""
    session.call(delete_identity.sync_detailed, pid, identity_id)
    if not session.json_output:
        click.echo(f"Deleted {identity_id}; its keys are revoked.")


@identities.group("credits", cls=Group)
def credits_group() -> None:
    """An identity's credits: set the balance, or add to it (negative: take away, never below 0)."""


def _balance(session: Session, pid: str, identity_id: str, op: str, value: int) -> None:
    body = CreditsChange(op=CreditsChangeOp(op), value=value)
    result = session.call(
        change_identity_credits.sync_detailed, pid, identity_id, body=body, idempotency_key=session.idempotency_key
    )
    if session.json_output:
        echo_json(result.body)
    else:
        click.echo(f"{identity_id} has {result.body['remaining']} credits.")


@credits_group.command("set")
@project_option
@click.argument("identity_id")
@click.argument("amount", type=click.IntRange(0))
@pass_session
def credits_set(session: Session, pid: str, identity_id: str, amount: int) -> None:
    """Set IDENTITY_ID's balance to AMOUNT."""
    _balance(session, pid, identity_id, "set", amount)


@credits_group.command("add", context_settings={"ignore_unknown_options": True})
@project_option
@click.argument("identity_id")
@click.argument("amount", type=int)
@pass_session
def credits_add(session: Session, pid: str, identity_id: str, amount: int) -> None:
    """Add AMOUNT to IDENTITY_ID's balance (negative: take away; never below 0)."""
    _balance(session, pid, identity_id, "increment" if amount >= 0 else "decrement", abs(amount))
