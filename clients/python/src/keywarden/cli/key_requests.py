"""`keywarden requests`: asking for keys from a project's templates, deciding, claiming.

`claim` is once: the key's secret is in that one answer. It goes with the template's fields
into a `.env` text (`--env-file`, mode 0600, never over an existing file unless `--force`;
or stdout). The service's `dotenv` holds the template's fields only, so the key itself is
added after them as `KEYWARDEN_API_KEY=<key>` (HMAC keys: `KEYWARDEN_API_KEY=<token>` and
`KEYWARDEN_API_KEY_SECRET=<secret>`; another name with `--key-var`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from keywarden.cli.errors import CliError, ExitCode
from keywarden.cli.files import write_private
from keywarden.cli.options import timestamp
from keywarden.cli.output import Column, echo_fields, echo_json, echo_secret, field
from keywarden.cli.session import Group, Session, list_options, pass_session, project_option
from keywarden.management._generated.api.key_requests import (
    approve_request,
    cancel_request,
    claim_request,
    create_request,
    deny_request,
    list_requests,
)
from keywarden.management._generated.models import Approve, Deny, ListRequestsStatus, RequestCreate
from keywarden.management._generated.types import UNSET

COLUMNS: list[Column] = [
    ("ID", field("id")),
    ("STATUS", field("status")),
    ("TEMPLATE", field("template_id")),
    ("REQUESTER", field("requester_id")),
    ("CREATED", field("created_at")),
    ("DECIDED BY", field("decided_by")),
    ("KEY", field("key_id")),
]
FIELDS = [
    "id",
    "status",
    "template_id",
    "requester_id",
    "justification",
    "created_at",
    "decided_at",
    "decided_by",
    "note",
    "reason",
    "key_id",
]
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")  # as the contract's info field names
_BARE = re.compile(r"[A-Za-z0-9_./:@+,=%-]*")  # values dotenv readers take unquoted, as the service's dotenv


def _show(session: Session, body: dict[str, Any]) -> None:
    if session.json_output:
        echo_json(body)
    else:
        echo_fields(body, FIELDS)


@click.group(cls=Group)
def requests() -> None:
    """Key requests: list, create, approve, deny, cancel, claim."""


@requests.command("list")
@project_option
@click.option("--status", type=click.Choice([s.value for s in ListRequestsStatus]), default=None)
@click.option("--requester", default=None, help="Only this person's requests.")
@list_options
@pass_session
def list_(
    session: Session, pid: str, status: str | None, requester: str | None, limit: int | None, cursor: str | None
) -> None:
    """Requests you may see: your own, or all if you decide them."""
    session.list_items(
        list_requests.sync_detailed,
        COLUMNS,
        limit=limit,
        cursor=cursor,
        pid=pid,
        status=ListRequestsStatus(status) if status else UNSET,
        requester_id=requester or UNSET,
    )


@requests.command()
@project_option
@click.argument("template_id")
@click.option("--justification", default=None, help="Why you need the key.")
@pass_session
def create(session: Session, pid: str, template_id: str, justification: str | None) -> None:
    """Ask for a key from template TEMPLATE_ID."""
    body = RequestCreate(template_id=template_id, justification=UNSET if justification is None else justification)
    _show(
        session,
        session.call(create_request.sync_detailed, pid, body=body, idempotency_key=session.idempotency_key).body,
    )


@requests.command()
@project_option
@click.argument("request_id")
@click.option("--note", default=None, help="A note for the requester.")
@click.option(
    "--expires-at", default=None, callback=timestamp, metavar="TIME", help="The key's expiry (else the template's TTL)."
)
@pass_session
def approve(session: Session, pid: str, request_id: str, note: str | None, expires_at: Any) -> None:
    """Approve REQUEST_ID: its key is issued, for the requester to claim."""
    body = Approve(note=UNSET if note is None else note, expires_at=UNSET if expires_at is None else expires_at)
    result = session.call(
        approve_request.sync_detailed, pid, request_id, body=body, idempotency_key=session.idempotency_key
    )
    _show(session, result.body)


@requests.command()
@project_option
@click.argument("request_id")
@click.option("--reason", default=None, help="Why, for the requester.")
@pass_session
def deny(session: Session, pid: str, request_id: str, reason: str | None) -> None:
    """Deny REQUEST_ID."""
    body = Deny(reason=UNSET if reason is None else reason)
    result = session.call(
        deny_request.sync_detailed, pid, request_id, body=body, idempotency_key=session.idempotency_key
    )
    _show(session, result.body)


@requests.command()
@project_option
@click.argument("request_id")
@pass_session
def cancel(session: Session, pid: str, request_id: str) -> None:
    """Withdraw your pending request REQUEST_ID."""
    result = session.call(cancel_request.sync_detailed, pid, request_id, idempotency_key=session.idempotency_key)
    _show(session, result.body)


def _quoted(value: str) -> str:
    return value if _BARE.fullmatch(value) else "'" + value + "'"


def env_text(claimed: dict[str, Any], key_var: str) -> str:
    """The service's `dotenv` (the template's fields) and the claimed key under `key_var`."""
    secret = claimed["secret"]
    if "key" in secret:
        extra = {key_var: secret["key"]}
    else:
        extra = {key_var: secret["token"], f"{key_var}_SECRET": secret["secret"]}
    clashes = sorted(set(extra) & set(claimed.get("secrets") or {}))
    if clashes:
        raise ValueError(f"the template already has {', '.join(clashes)}")
    lines = "".join(f"{name}={_quoted(value)}\n" for name, value in extra.items())
    return str(claimed["dotenv"]) + lines


@requests.command()
@project_option
@click.argument("request_id")
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the .env text here (mode 0600) instead of stdout.",
)
@click.option("--force", is_flag=True, help="Replace an existing --env-file.")
@click.option(
    "--key-var",
    default="KEYWARDEN_API_KEY",
    show_default=True,
    help="The variable that holds the key in the .env text (HMAC keys: also <NAME>_SECRET).",
)
@pass_session
def claim(session: Session, pid: str, request_id: str, env_file: Path | None, force: bool, key_var: str) -> None:
    """Claim your approved request REQUEST_ID: its key and the template's fields, once, as .env text."""
    if not ENV_NAME.fullmatch(key_var):
        raise click.BadParameter("must match ^[A-Z][A-Z0-9_]{0,63}$", param_hint="--key-var")
    # Checked before claiming: a claim cannot be repeated, so nothing may fail after it that could be known now.
    if env_file is not None and env_file.exists() and not force:
        raise click.BadParameter(f"{env_file} exists; pass --force to replace it", param_hint="--env-file")
    body = session.call(claim_request.sync_detailed, pid, request_id).body
    try:
        text = env_text(body, key_var)
    except ValueError as clash:
        text = str(body["dotenv"])
        click.echo(f"warning: {clash}: the key is not in the .env text; it follows on stdout.", err=True)
        if not session.json_output:
            echo_secret(body["secret"])
    if env_file is None:
        if session.json_output:
            echo_json(body)
        else:
            click.echo(text, nl=False)
        return
    try:
        write_private(env_file, text, overwrite=force)
    except OSError as error:
        # The claim is spent: the text must not be lost with the error.
        click.echo(text, nl=False)
        raise CliError(
            f"could not write {env_file}: {error.strerror}; the .env text is on stdout instead", ExitCode.ERROR
        ) from None
    if session.json_output:
        echo_json(body)
    else:
        count = text.count("\n")
        click.echo(f"Claimed key {body['key']['id']}; wrote {count} variables to {env_file} (mode 0600).")
