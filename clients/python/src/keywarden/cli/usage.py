"""`keywarden usage`: verifications per period, as a table."""

from __future__ import annotations

from typing import Any

import click

from keywarden.cli.options import timestamp
from keywarden.cli.output import Column, echo_json, echo_table, field
from keywarden.cli.session import Command, Session, pass_session, project_option
from keywarden.management._generated.api.usage import project_usage
from keywarden.management._generated.models import ProjectUsageGranularity
from keywarden.management._generated.types import UNSET

COLUMNS: list[Column] = [
    ("PERIOD", field("period_start")),
    ("VALID", field("valid")),
    ("INVALID", field("invalid")),
    ("BY CODE", field("by_code")),
]


@click.command(cls=Command)
@project_option
@click.option(
    "--granularity",
    type=click.Choice([g.value for g in ProjectUsageGranularity]),
    default="day",
    show_default=True,
)
@click.option("--from", "from_", default=None, callback=timestamp, metavar="TIME", help="First period (RFC 3339).")
@click.option("--to", default=None, callback=timestamp, metavar="TIME", help="Up to this time (RFC 3339).")
@click.option("--key", "key_id", default=None, help="One key's usage only.")
@pass_session
def usage(session: Session, pid: str, granularity: str, from_: Any, to: Any, key_id: str | None) -> None:
    """Valid and invalid verifications per hour, day or month (counts are rolled up every few minutes)."""
    body = session.call(
        project_usage.sync_detailed,
        pid,
        granularity=ProjectUsageGranularity(granularity),
        from_=UNSET if from_ is None else from_,
        to=UNSET if to is None else to,
        key_id=key_id or UNSET,
    ).body
    if session.json_output:
        echo_json(body)
        return
    totals = body["totals"]
    rows = [*body["series"], {"period_start": "TOTAL", "valid": totals["valid"], "invalid": totals["invalid"]}]
    echo_table(rows, COLUMNS)
