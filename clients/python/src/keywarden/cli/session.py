"""One invocation's view of the service: where it is, whose token, how to print, and the
request helpers every command uses (problems raise; step-up asks for a fresh sign-in)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import click
import httpx

from keywarden.cli import credentials
from keywarden.cli.errors import CliError, ExitCode
from keywarden.cli.output import Column, confirm, echo_json, echo_table
from keywarden.management import DEFAULT_TIMEOUT, Keywarden, ProblemError, sign_in_locally, unwrap
from keywarden.management._generated.client import Client
from keywarden.management._generated.types import UNSET

T = TypeVar("T")

TOKEN_ENV = "KEYWARDEN_TOKEN"  # noqa: S105 (the variable's name, not a token)
PAGE_SIZE = 100  # the contract's largest page: fewest round trips when listing everything


@dataclass(frozen=True)
class Result(Generic[T]):
    """A successful answer: the generated model, and the JSON as the service wrote it (None for 204)."""

    model: T
    body: Any


@dataclass
class Session:
    base_url: str
    json_output: bool
    # One per invocation: a command's POST retried (after a fresh sign-in) is still the same request.
    idempotency_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    _keywarden: Keywarden | None = None
    _public: Client | None = None  # no credentials: for the service's open endpoints
    _local: credentials.LocalSignIn | None = None  # set when the token came from `keywarden login`

    # --- credentials ---

    def keywarden(self) -> Keywarden:
        if self._keywarden is None:
            self._keywarden = Keywarden(self.base_url, self._token())
        return self._keywarden

    def _token(self) -> str:
        from_env = os.environ.get(TOKEN_ENV, "").strip()
        if from_env:
            return from_env
        local = credentials.load(self.base_url)
        if local is None:
            raise CliError(
                f"not signed in to {self.base_url}",
                ExitCode.AUTH,
                hint=f"run `keywarden login <user>` (local stack), or set {TOKEN_ENV} to a token from your identity "
                "provider",
            )
        if local.expired:
            raise CliError(
                f"your sign-in to {self.base_url} as {local.sub} has expired",
                ExitCode.AUTH,
                hint=f"run `keywarden login {local.sub}` again",
            )
        self._local = local
        return local.access_token

    def sign_in_locally(self, sub: str, groups: Sequence[str], auth_age_seconds: int = 0) -> Result[Any]:
        """Signs in with the local stack's issuer and keeps the token (see credentials.py)."""
        try:
            token = sign_in_locally(self.base_url, sub, groups, auth_age_seconds=auth_age_seconds)
        except ProblemError as problem:
            if problem.status == 404:
                raise CliError(
                    f"{self.base_url} has no local issuer: only the local stack signs people in itself",
                    ExitCode.AUTH,
                    hint=f"sign in with your identity provider and set {TOKEN_ENV} to your access token",
                ) from None
            raise
        signed_in = credentials.LocalSignIn(
            sub=sub,
            groups=list(groups),
            access_token=token.access_token,
            expires_at=time.time() + token.expires_in,
        )
        credentials.save(self.base_url, signed_in)
        self._local = signed_in
        if self._keywarden is not None:
            self._keywarden.close()
            self._keywarden = None
        return Result(token, token.to_dict())

    def close(self) -> None:
        if self._keywarden is not None:
            self._keywarden.close()
        if self._public is not None:
            self._public.get_httpx_client().close()

    # --- requests ---

    def call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Result[Any]:
        """Runs a generated ``sync_detailed`` operation; a problem raises ProblemError (see root.py)."""
        return _result(fn(*args, client=self.keywarden().client, **kwargs))

    def call_public(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Result[Any]:
        """As `call`, without credentials and without asking for a sign-in (`leaks report`)."""
        if self._public is None:
            self._public = Client(
                base_url=self.base_url,
                timeout=httpx.Timeout(DEFAULT_TIMEOUT),
                headers={"Accept": "application/json, application/problem+json"},
            )
        return _result(fn(*args, client=self._public, **kwargs))

    def call_with_step_up(
        self, fn: Callable[..., Any], /, *args: Any, fresh_login: bool = False, **kwargs: Any
    ) -> Result[Any]:
        """As `call`, for actions that need a recent sign-in: on ``step_up_required``, a local
        sign-in is renewed (asked first, unless `fresh_login`) and the request sent once more."""
        self.keywarden()  # resolves where the token comes from before the first request
        try:
            return self.call(fn, *args, **kwargs)
        except ProblemError as problem:
            if problem.code != "step_up_required":
                raise
            self._renew_for_step_up(problem, fresh_login)
        return self.call(fn, *args, **kwargs)

    def _renew_for_step_up(self, problem: ProblemError, fresh_login: bool) -> None:
        local = self._local
        if local is None:
            raise CliError.from_problem(
                problem, hint=f"sign in again and set {TOKEN_ENV} to a fresh token, then repeat the command"
            )
        if not fresh_login:
            question = f"This needs a recent sign-in. Sign in again to {self.base_url} as {local.sub}?"
            fresh_login = confirm(question, default=True)
        if not fresh_login:
            raise CliError.from_problem(problem, hint="repeat with --fresh-login, or run `keywarden login` again")
        self.sign_in_locally(local.sub, local.groups)
        click.echo(f"Signed in again as {local.sub}.", err=True)

    def list_items(
        self,
        fn: Callable[..., Any],
        columns: Sequence[Column],
        *,
        limit: int | None,
        cursor: str | None,
        **kwargs: Any,
    ) -> None:
        """Prints a list: every page, or with `limit`/`cursor` just that page (and its next cursor)."""
        if limit is None and cursor is None:
            items = list(self.keywarden().paginate_json(fn, limit=PAGE_SIZE, **kwargs))
            next_cursor = None
        else:
            body = self.call(fn, limit=UNSET if limit is None else limit, cursor=cursor or UNSET, **kwargs).body
            items, next_cursor = body["items"], body.get("next_cursor")
        if self.json_output:
            echo_json({"items": items, "next_cursor": next_cursor})
            return
        echo_table(items, columns)
        if next_cursor:
            click.echo(f"more: repeat with --cursor {next_cursor}", err=True)


def _result(response: Any) -> Result[Any]:
    model = unwrap(response)
    return Result(model, json.loads(response.content) if response.content else None)


pass_session = click.make_pass_decorator(Session)


def _json_after_command(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    session = ctx.find_object(Session)
    if value and session is not None:
        session.json_output = True


class Command(click.Command):
    """A command that also takes `--json` after its name (`keywarden keys list -p P --json`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(
            click.Option(
                ["--json"],
                is_flag=True,
                expose_value=False,
                callback=_json_after_command,
                help="Print the API's JSON (as keywarden --json).",
            )
        )


class Group(click.Group):
    """A command group whose commands take `--json` too."""

    command_class = Command


project_option = click.option(
    "-p",
    "--project",
    "pid",
    envvar="KEYWARDEN_PROJECT",
    show_envvar=True,
    required=True,
    metavar="PROJECT_ID",
    help="The project.",
)


def list_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--limit and --cursor: without them a list command prints every page."""
    fn = click.option("--cursor", default=None, help="Start at this cursor (prints one page).")(fn)
    fn = click.option(
        "--limit", type=click.IntRange(1, 100), default=None, help="Print one page of at most this many items."
    )(fn)
    return fn
