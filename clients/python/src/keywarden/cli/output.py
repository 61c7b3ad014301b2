"""How results are shown: aligned plain-text tables for people, the API's JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: item.get(name)


def echo_json(value: Any) -> None:
    """The API's JSON, pretty-printed with the service's own member order, on stdout."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return " ".join(str(value).split())  # one line per row, whatever the text holds


def echo_table(items: Iterable[dict[str, Any]], columns: Sequence[Column]) -> None:
    """A header and one row per item, columns padded to their widest cell (the last is not padded)."""
    rows = [[header for header, _ in columns]]
    rows += [[_cell(get(item)) for _, get in columns] for item in items]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1], strict=True)] + [row[-1]]
        click.echo("  ".join(cells).rstrip())


def echo_fields(item: dict[str, Any], names: Sequence[str]) -> None:
    """One object as `name: value` lines."""
    width = max(len(name) for name in names)
    for name in names:
        click.echo(f"{name.ljust(width)}  {_cell(item.get(name))}")


def echo_secret(secret: dict[str, Any]) -> None:
    """A key's secret part, said once: {"key": ...} or, for HMAC keys, {"token", "secret"}."""
    click.echo("Store this secret now: it is shown only this once.")
    if "key" in secret:
        click.echo(f"key: {secret['key']}")
    else:
        click.echo(f"token:  {secret['token']}")
        click.echo(f"secret: {secret['secret']}")


def confirm(question: str, default: bool) -> bool:
    """A yes/no question on stderr (stdout stays the command's output); no answer is a "no"."""
    try:
        return click.confirm(question, default=default, err=True)
    except click.Abort:  # stdin closed or Ctrl-C/Ctrl-D: end the prompt's line
        click.echo(err=True)
        return False


def ask(question: str) -> str:
    """A free answer on stderr; no answer is an empty one."""
    try:
        answer: str = click.prompt(question, default="", show_default=False, err=True)
    except click.Abort:
        click.echo(err=True)
        return ""
    return answer
