"""`keywarden policy`: the project's key policy (show, set) and the report of the keys that
break it."""

from __future__ import annotations

from typing import Any

import click

from keywarden.cli.output import Column, echo_fields, echo_json, field
from keywarden.cli.session import Group, Session, list_options, pass_session, project_option
from keywarden.management._generated.api.key_policy import get_policy, policy_report, put_policy
from keywarden.management._generated.models import (
    KeyPolicyBody,
    KeyPolicyBodyAllowedTypesType0Item,
    KeyPolicyBodyLeakAction,
)

FIELDS = [
    "max_lifetime_days",
    "require_expiry",
    "allowed_types",
    "forbid_wildcard_permissions",
    "require_ip_allowlist",
    "leak_action",
]
REPORT_COLUMNS: list[Column] = [
    ("KEY ID", field("key_id")),
    ("NAME", field("name")),
    ("RULES", field("rules")),
]
KEY_TYPES = [t.value for t in KeyPolicyBodyAllowedTypesType0Item]
LEAK_ACTIONS = [a.value for a in KeyPolicyBodyLeakAction]


def _show(session: Session, policy: dict[str, Any]) -> None:
    if session.json_output:
        echo_json(policy)
        return
    # No list of types is every type; "-" would read as none.
    echo_fields({**policy, "allowed_types": policy.get("allowed_types") or "any"}, FIELDS)


@click.group(cls=Group)
def policy() -> None:
    """The project's key policy: show, set, report (the keys that break it)."""


@policy.command()
@project_option
@pass_session
def show(session: Session, pid: str) -> None:
    """The project's key policy (every member may read it)."""
    _show(session, session.call(get_policy.sync_detailed, pid).body)


@policy.command("set")
@project_option
@click.option(
    "--max-lifetime-days",
    type=click.IntRange(1, 36500),
    default=None,
    metavar="N",
    help="Keys must expire within N days of their creation.",
)
@click.option("--require-expiry", is_flag=True, help="Keys must have an expiry.")
@click.option(
    "--allowed-type",
    "allowed_types",
    type=click.Choice(KEY_TYPES),
    multiple=True,
    help="A type keys may have (repeat); without it, every type.",
)
@click.option(
    "--forbid-wildcard-permissions", is_flag=True, help="Keys may not hold a permission with `*` (through their role)."
)
@click.option("--require-ip-allowlist", is_flag=True, help="Keys must have an IP allowlist.")
@click.option(
    "--leak-action",
    type=click.Choice(LEAK_ACTIONS),
    default="revoke",
    show_default=True,
    help="What a reported leak of one of the project's keys does to it.",
)
@pass_session
def set_(
    session: Session,
    pid: str,
    max_lifetime_days: int | None,
    require_expiry: bool,
    allowed_types: tuple[str, ...],
    forbid_wildcard_permissions: bool,
    require_ip_allowlist: bool,
    leak_action: str,
) -> None:
    """Replace the project's key policy (owners and admins).

    The whole policy is replaced: a rule whose flag is not given is off (every type allowed,
    leak action revoke), whatever it was before; see `policy show` first to keep a rule.
    Keys are refused (policy_violation) wherever they are made or changed from then on;
    existing keys are not touched: `policy report` lists those that break it.
    """
    body = KeyPolicyBody(
        max_lifetime_days=max_lifetime_days,
        require_expiry=require_expiry,
        allowed_types=[KeyPolicyBodyAllowedTypesType0Item(t) for t in dict.fromkeys(allowed_types)] or None,
        forbid_wildcard_permissions=forbid_wildcard_permissions,
        require_ip_allowlist=require_ip_allowlist,
        leak_action=KeyPolicyBodyLeakAction(leak_action),
    )
    _show(session, session.call(put_policy.sync_detailed, pid, body=body).body)
    if not session.json_output:
        click.echo(
            f"Existing keys are unchanged: `keywarden policy report -p {pid}` lists those that break it.", err=True
        )


@policy.command()
@project_option
@list_options
@pass_session
def report(session: Session, pid: str, limit: int | None, cursor: str | None) -> None:
    """The project's working keys that break its policy, oldest first, with the rules each breaks
    (owners and admins). Follows every page unless --limit or --cursor."""
    session.list_items(policy_report.sync_detailed, REPORT_COLUMNS, limit=limit, cursor=cursor, pid=pid)
