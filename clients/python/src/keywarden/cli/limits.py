"""What `keys` and `identities` share: their rate limits and metadata as options, and the
`credits set|add` commands of either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from keywarden.cli.output import echo_json
from keywarden.cli.session import Group, Session, pass_session, project_option
from keywarden.management._generated.models import CreditsChange, CreditsChangeOp, RateLimitSpec


def ratelimit(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[RateLimitSpec]:
    """An option callback: `NAME=LIMIT/SECONDS` (at most LIMIT accepted verifications in each window of SECONDS)."""
    specs = []
    for value in values:
        name, sep, rest = value.partition("=")
        limit, slash, seconds = rest.partition("/")
        if not (sep and slash and name and limit.isdigit() and seconds.isdigit()):
            raise click.BadParameter(f"{value!r} is not NAME=LIMIT/SECONDS (e.g. requests=100/60)")
        specs.append(RateLimitSpec(name=name, limit=int(limit), duration_seconds=int(seconds)))
    return specs


def pairs(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """An option callback: `NAME=VALUE` (repeated) as a dict (free-form metadata)."""
    found: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE")
        found[name] = value
    return found


def credits_commands(parent: click.Group, noun: str, change: Callable[..., Any]) -> None:
    """Adds `credits set|add` to `parent`, for the holder (`noun`: key or identity) whose id
    the generated route's `sync_detailed` (`change`) takes after the project id."""
    holder = f"{noun.upper()}_ID"

    @parent.group("credits", cls=Group)
    def credits_group() -> None:
        pass

    credits_group.help = f"A {noun}'s credits: set the balance, or add to it (negative: take away, never below 0)."

    def apply(session: Session, pid: str, holder_id: str, op: str, value: int) -> None:
        body = CreditsChange(op=CreditsChangeOp(op), value=value)
        result = session.call(change, pid, holder_id, body=body, idempotency_key=session.idempotency_key)
        if session.json_output:
            echo_json(result.body)
        else:
            click.echo(f"{holder_id} has {result.body['remaining']} credits.")

    @credits_group.command("set", help=f"Set {holder}'s balance to AMOUNT.")
    @project_option
    @click.argument("holder_id", metavar=holder)
    @click.argument("amount", type=click.IntRange(0))
    @pass_session
    def set_(session: Session, pid: str, holder_id: str, amount: int) -> None:
        apply(session, pid, holder_id, "set", amount)

    @credits_group.command(
        "add",
        context_settings={"ignore_unknown_options": True},
        help=f"Add AMOUNT to {holder}'s balance (negative: take away; the balance never goes below 0).",
    )
    @project_option
    @click.argument("holder_id", metavar=holder)
    @click.argument("amount", type=int)
    @pass_session
    def add(session: Session, pid: str, holder_id: str, amount: int) -> None:
        apply(session, pid, holder_id, "increment" if amount >= 0 else "decrement", abs(amount))
