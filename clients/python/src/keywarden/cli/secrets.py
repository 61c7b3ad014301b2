"""`keywarden secrets`: a project's two app secrets (`secure_key`, `service_key`).

Reveal and rotate need a recent sign-in (step-up). On the local stack the CLI offers to
sign you in again (or does so with --fresh-login) and repeats the request once; with
KEYWARDEN_TOKEN it asks you for a fresh token instead (exit code 3).
"""

from __future__ import annotations

import click

from keywarden.cli.errors import CliError, ExitCode
from keywarden.cli.output import Column, confirm, echo_json, echo_table, field
from keywarden.cli.session import Group, Session, pass_session, project_option
from keywarden.management._generated.api.app_secrets import list_secrets, reveal_secret, rotate_secret
from keywarden.management._generated.models import SecretRotate
from keywarden.management._generated.types import UNSET, Unset

COLUMNS: list[Column] = [
    ("NAME", field("name")),
    ("HINT", field("hint")),
    ("CREATED", field("created_at")),
    ("ROTATED", field("rotated_at")),
]
SECRET_NAMES = click.Choice(["secure_key", "service_key"])
fresh_login_option = click.option(
    "--fresh-login", is_flag=True, help="If a recent sign-in is needed, sign in again locally without asking."
)


@click.group(cls=Group)
def secrets() -> None:
    """App secrets: list, reveal, rotate."""


@secrets.command("list")
@project_option
@pass_session
def list_(session: Session, pid: str) -> None:
    """The project's secrets, by their last 4 characters only."""
    body = session.call(list_secrets.sync_detailed, pid).body
    if session.json_output:
        echo_json(body)
    else:
        echo_table(body["items"], COLUMNS)


@secrets.command()
@project_option
@click.argument("name", type=SECRET_NAMES)
@fresh_login_option
@pass_session
def reveal(session: Session, pid: str, name: str, fresh_login: bool) -> None:
    """Print the current value of secret NAME (audited)."""
    body = session.call_with_step_up(reveal_secret.sync_detailed, pid, name, fresh_login=fresh_login).body
    if session.json_output:
        echo_json(body)
    else:
        click.echo(body["value"])


@secrets.command()
@project_option
@click.argument("name", type=SECRET_NAMES)
@click.option(
    "--grace", type=click.IntRange(0, 604800), default=0, show_default=True, help="Seconds the old value keeps working."
)
@click.option(
    "--import-value", is_flag=True, help="Import an existing secure key (asked for, hidden) instead of a new one."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@fresh_login_option
@pass_session
def rotate(session: Session, pid: str, name: str, grace: int, import_value: bool, yes: bool, fresh_login: bool) -> None:
    """Replace secret NAME with a new value and print it."""
    value: str | Unset = UNSET
    if import_value:
        if name != "secure_key":
            raise click.BadParameter("only the secure_key can be imported", param_hint="--import-value")
        value = click.prompt("Secure key to import", hide_input=True, err=True)
    if not yes:
        when = "at once" if grace == 0 else f"in {grace} s"
        question = f"Rotate {name} of project {pid}? The old value stops working {when}."
        if not confirm(question, default=False):
            raise CliError(f"not confirmed: {name} was not rotated", ExitCode.ERROR, hint="or pass --yes")
    body = SecretRotate(grace_seconds=grace, value=value)
    result = session.call_with_step_up(
        rotate_secret.sync_detailed,
        pid,
        name,
        body=body,
        idempotency_key=session.idempotency_key,
        fresh_login=fresh_login,
    )
    if session.json_output:
        echo_json(result.body)
        return
    until = result.body.get("previous_valid_until")
    click.echo(f"Rotated {name}; the old value {'works until ' + until if until else 'no longer works'}.", err=True)
    click.echo(result.body["value"])
