"""Projects: create, list mine, read, rename, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import UNSET, structs

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Page, Project, ProjectCreate, ProjectUpdate
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import projects as project_cases
    from chalicelib.store import projects
    from chalicelib.store.project_models import ProjectModel
else:  # at first use: see chalicelib.lazy
    projects = lazy_module("chalicelib.store.projects")
    project_cases = lazy_module("chalicelib.services.projects")

router = Router("projects", "projects")


def project_view(project: ProjectModel) -> Project:
    return Project(
        id=project.id,
        name=project.name,
        description=project.description,
        created_at=project.created_at,
        created_by=project.created_by,
    )


@router.route("POST", "/v1/projects", body=ProjectCreate, response=Project, status=201)
def create_project(call: Call[ProjectCreate, None]) -> Project:
    """Creates a project; the caller becomes its owner."""
    body = call.body
    return project_view(project_cases.create_project(body.name, body.description, call.person.sub))


@router.route("GET", "/v1/projects", query=ListQuery, response=Page[Project])
def list_projects(call: Call[None, ListQuery]) -> Page[Project]:
    """The projects the caller is a member of."""
    page = projects.list_user_projects(call.person.sub, call.query.limit, call.query.cursor)
    return Page([project_view(p) for p in page.items], page.next_cursor)


@router.route("GET", "/v1/projects/{pid}", response=Project, action=Action.READ_PROJECT)
def get_project(call: Call[None, None]) -> Project:
    """One project the caller is a member of."""
    return project_view(call.access.project)


@router.route("PATCH", "/v1/projects/{pid}", body=ProjectUpdate, response=Project, action=Action.EDIT_PROJECT)
def update_project(call: Call[ProjectUpdate, None]) -> Project:
    """Renames or describes a project (owner, admin, editor)."""
    changes = {k: v for k, v in structs.asdict(call.body).items() if v is not UNSET}
    return project_view(project_cases.update_project(call.access.project, changes, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}", status=204, action=Action.DELETE_PROJECT)
def delete_project(call: Call[None, None]) -> None:
    """Deletes a project (owner only): it disappears at once, and every key and its service key stop working.

    Deletion wins over every concurrent change. If it is interrupted, the project stays
    gone and a repeat of this request finishes the job.
    """
    project_cases.delete_project(call.access.project, call.person.sub)
