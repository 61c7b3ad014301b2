"""The `keywarden` command group, its global options, and signing in and out."""

from __future__ import annotations

import os
from typing import Any

import click
import httpx

from keywarden.cli import credentials
from keywarden.cli.errors import EXIT_CODES_HELP, CliError, ExitCode
from keywarden.cli.output import echo_json
from keywarden.cli.session import TOKEN_ENV, Command, Session, pass_session
from keywarden.management import ProblemError

DEFAULT_URL = "http://127.0.0.1:8000"


class _Root(click.Group):
    """Turns what the service or the network answered into an error line and an exit code."""

    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProblemError as problem:
            raise CliError.from_problem(problem) from None
        except httpx.HTTPError as error:
            session = ctx.find_object(Session)
            where = session.base_url if session else "the service"
            raise CliError(f"cannot reach {where}: {error}", ExitCode.ERROR) from None


@click.group(
    cls=_Root,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--url",
    envvar="KEYWARDEN_URL",
    default=DEFAULT_URL,
    show_default=True,
    show_envvar=True,
    help="The Keywarden service.",
)
@click.option("--json", "json_output", is_flag=True, help="Print the API's JSON on stdout (for scripts), not tables.")
@click.version_option(package_name="keywarden", prog_name="keywarden")
@click.pass_context
def cli(ctx: click.Context, url: str, json_output: bool) -> None:
    """Manage Keywarden projects, API keys and their policy, identities, app secrets, key requests
    and usage; report leaked keys.

    Credentials: a person's token from KEYWARDEN_TOKEN (deployed: a token from your
    identity provider), or else the one `keywarden login` keeps (local stack).
    """
    session = Session(url.rstrip("/"), json_output)
    ctx.obj = session
    ctx.call_on_close(session.close)


@cli.command()
@click.argument("user")
@click.option("-g", "--group", "groups", multiple=True, help="A group claim (repeat for more), e.g. keywarden-admins.")
@click.option("--auth-age", type=click.IntRange(0), default=0, hidden=True, help="Backdate the sign-in (tests).")
@pass_session
def login(session: Session, user: str, groups: tuple[str, ...], auth_age: int) -> None:
    """Sign in to the local stack as USER (its own issuer; deployed, set KEYWARDEN_TOKEN instead).

    The token is kept in $XDG_CONFIG_HOME/keywarden/credentials.json (mode 0600), per service URL.
    """
    result = session.sign_in_locally(user, groups, auth_age)
    if session.json_output:
        echo_json(result.body)
    else:
        minutes = result.model.expires_in // 60
        click.echo(f"Signed in to {session.base_url} as {user} (local issuer; the token lasts {minutes} min).")
    if os.environ.get(TOKEN_ENV, "").strip():
        click.echo(f"note: {TOKEN_ENV} is set and is used instead of this sign-in.", err=True)


@cli.command()
@pass_session
def logout(session: Session) -> None:
    """Forget the local sign-in for this service URL."""
    if credentials.forget(session.base_url):
        click.echo(f"Signed out of {session.base_url}.", err=session.json_output)
    else:
        click.echo(f"Not signed in to {session.base_url}.", err=session.json_output)


def _register() -> None:
    from keywarden.cli import identities, key_requests, keys, leaks, policy, projects, secrets, usage

    cli.add_command(projects.projects)
    cli.add_command(keys.keys)
    cli.add_command(policy.policy)
    cli.add_command(identities.identities)
    cli.add_command(secrets.secrets)
    cli.add_command(key_requests.requests)
    cli.add_command(usage.usage)
    cli.add_command(leaks.leaks)


_register()


def main() -> None:
    """The `keywarden` console script."""
    cli.main(prog_name="keywarden")


if __name__ == "__main__":
    main()
