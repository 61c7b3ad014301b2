"""`keywarden projects`: the projects you belong to."""

from __future__ import annotations

import click

from keywarden.cli.output import Column, echo_fields, echo_json, field
from keywarden.cli.session import Group, Session, list_options, pass_session
from keywarden.management._generated.api.projects import create_project, get_project, list_projects
from keywarden.management._generated.models import ProjectCreate

COLUMNS: list[Column] = [
    ("ID", field("id")),
    ("NAME", field("name")),
    ("CREATED", field("created_at")),
    ("DESCRIPTION", field("description")),
]
FIELDS = ["id", "name", "description", "created_at", "created_by"]


@click.group(cls=Group)
def projects() -> None:
    """Projects: list, create, show."""


@projects.command("list")
@list_options
@pass_session
def list_(session: Session, limit: int | None, cursor: str | None) -> None:
    """The projects you are a member of."""
    session.list_items(list_projects.sync_detailed, COLUMNS, limit=limit, cursor=cursor)


@projects.command()
@click.argument("name")
@click.option("--description", default="", help="What the project is for.")
@pass_session
def create(session: Session, name: str, description: str) -> None:
    """Create a project named NAME; you become its owner."""
    body = ProjectCreate(name=name, description=description)
    result = session.call(create_project.sync_detailed, body=body, idempotency_key=session.idempotency_key)
    if session.json_output:
        echo_json(result.body)
    else:
        echo_fields(result.body, FIELDS)


@projects.command()
@click.argument("project_id")
@pass_session
def show(session: Session, project_id: str) -> None:
    """Show one project."""
    result = session.call(get_project.sync_detailed, project_id)
    if session.json_output:
        echo_json(result.body)
    else:
        echo_fields(result.body, FIELDS)
