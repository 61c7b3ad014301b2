"""Option values shared by the commands."""

from __future__ import annotations

from datetime import UTC, datetime

import click


def timestamp(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An option callback: an RFC 3339 time (`2026-11-22T10:00:00Z`); one without an offset is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time such as 2026-11-22T10:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
