"""Exit codes that scripts can trust, and the one way the CLI reports a failure.

Every failure is an ``error:`` line on stderr: ``error: <title>: <detail> (<code>)`` for a
problem the service answered. Field errors the detail does not spell out follow it, one
indented ``<field>: <message>`` line each; so do the errors of a problem whose detail only
runs them together (``policy_violation``: each rule it breaks), after ``error: <title>
(<code>)``. Sometimes a ``hint:`` line ends it. A secret never appears in any of them: the
service puts none in its problems, and the CLI adds none.
"""

from __future__ import annotations

from enum import IntEnum
from typing import IO, Any

import click

from keywarden.management import ProblemError


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # the API or the network failed in a way not listed below; or you declined a confirmation
    USAGE = 2  # click's: a wrong option or argument, nothing was sent
    AUTH = 3  # not signed in, the sign-in expired, or the action needs a fresh sign-in (step-up)
    FORBIDDEN = 4  # 403: signed in, but your role does not allow it
    NOT_FOUND = 5  # 404: no such project, key, request... (or not visible to you)
    CONFLICT = 6  # 409: the state changed or forbids it (already decided, already rerolled...)
    INVALID = 7  # 400 or 422: the service refused the input (validation, confirmation required)


EXIT_CODES_HELP = """\b
Exit codes:
  0  ok
  1  API or network error not listed below; a declined confirmation
  2  usage error (wrong option or argument; nothing was sent)
  3  not signed in, sign-in expired, or a fresh sign-in is needed (step-up)
  4  forbidden (403)
  5  not found (404)
  6  conflict (409)
  7  invalid input (400, 422)"""


def exit_code_for(problem: ProblemError) -> ExitCode:
    if problem.status == 401 or problem.code in ("unauthenticated", "step_up_required"):
        return ExitCode.AUTH
    return {
        403: ExitCode.FORBIDDEN,
        404: ExitCode.NOT_FOUND,
        409: ExitCode.CONFLICT,
        400: ExitCode.INVALID,
        422: ExitCode.INVALID,
    }.get(problem.status, ExitCode.ERROR)


class CliError(click.ClickException):
    """A failure to report on stderr with its exit code (and an optional hint)."""

    def __init__(self, message: str, exit_code: int = ExitCode.ERROR, hint: str | None = None) -> None:
        super().__init__(message)
        # click declares exit_code a class attribute; its main() reads it from the instance.
        self.exit_code = int(exit_code)  # type: ignore[misc]
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)
        if self.hint:
            click.echo(f"hint: {self.hint}", err=True)

    @classmethod
    def from_problem(cls, problem: ProblemError, hint: str | None = None) -> CliError:
        listed = [f"{e.field}: {e.message}" for e in problem.errors]
        if len(listed) > 1 and problem.detail == "; ".join(listed):
            # A detail that is only the errors run together (a policy_violation naming each rule it
            # breaks): the title, then one error per line.
            message = f"{problem.title} ({problem.code})"
            message += "".join(f"\n  {line}" for line in listed)
        else:
            message = str(problem)
            # Field errors the detail does not already spell out, one per line.
            message += "".join(f"\n  {line}" for line in listed if line not in problem.detail)
        if hint is None and exit_code_for(problem) == ExitCode.AUTH and problem.code != "step_up_required":
            hint = "sign in again: `keywarden login <user>` on the local stack, or set KEYWARDEN_TOKEN"
        return cls(message, exit_code_for(problem), hint)
