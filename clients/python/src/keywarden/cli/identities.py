"""`keywarden identities`: a project's identities, the platform's own customers who hold keys
without being members (list, create, show, delete, credits)."""

from __future__ import annotations

from typing import Any

import click

from keywarden.cli.limits import credits_commands, pairs, ratelimit
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
@click.option(
    "--meta", "meta", multiple=True, callback=pairs, metavar="NAME=VALUE", help="Free-form metadata (repeat)."
)
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
    meta: dict[str, str],
    ratelimits: list[RateLimitSpec],
    credits_: int | None,
) -> None:
    """Create the identity of your customer EXTERNAL_ID (your own id for them)."""
    body = IdentityCreate(
        external_id=external_id,
        meta=IdentityCreateMeta.from_dict(meta) if meta else UNSET,
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


credits_commands(identities, "identity", change_identity_credits.sync_detailed)
