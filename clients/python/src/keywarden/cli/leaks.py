"""`keywarden leaks report`: tell the service about keys found where they should not be.

No sign-in: anyone who finds a key may report it (`POST /v1/leaks/report`). The service always
answers how many keys it received, never which of them were live keys; each live one gets its
project's leak action (revoke by default) at once.
"""

from __future__ import annotations

from typing import IO

import click

from keywarden.cli.output import echo_json
from keywarden.cli.session import Group, Session, pass_session
from keywarden.management._generated.api.leaked_keys import report_leak
from keywarden.management._generated.models import LeakReport
from keywarden.management._generated.types import UNSET

PER_REPORT = 100  # the service takes at most this many keys in one report


@click.group(cls=Group)
def leaks() -> None:
    """Leaked keys: report keys found in public (no sign-in needed)."""


@leaks.command()
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@click.option(
    "--file",
    "from_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Read keys from this file, one per line ('-': stdin); keeps them out of the process list.",
)
@click.option("--source-url", default=None, help="Where the keys were found.")
@click.option("--reporter", default=None, help="Who reports them (a scanner's name, a contact).")
@pass_session
def report(
    session: Session, keys: tuple[str, ...], from_file: IO[str] | None, source_url: str | None, reporter: str | None
) -> None:
    """Report KEYs found where they should not be (a public repository, a paste, a log).

    Sent in reports of at most 100 keys; prints how many the service received.
    """
    found = list(keys)
    if from_file is not None:
        found += [line.strip() for line in from_file if line.strip()]
    found = list(dict.fromkeys(found))
    if not found:
        raise click.UsageError("give at least one KEY, or --file")
    received = 0
    for start in range(0, len(found), PER_REPORT):
        body = LeakReport(
            keys=found[start : start + PER_REPORT],
            source_url=UNSET if source_url is None else source_url,
            reporter=UNSET if reporter is None else reporter,
        )
        received += session.call_public(report_leak.sync_detailed, body=body).body["received"]
    if session.json_output:
        echo_json({"received": received})
    else:
        click.echo(f"received {received}")
