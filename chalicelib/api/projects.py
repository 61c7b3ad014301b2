"""Projects: create, list mine, read, rename, delete."""

from __future__ import annotations

from msgspec import UNSET, structs

from chalicelib.api.access import project_access
from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Page, Project, ProjectCreate, ProjectUpdate
from chalicelib.domain.policy import Action
from chalicelib.store import projects
from chalicelib.store.models import ProjectModel

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
def create_project(call: Call) -> Project:
    """Creates a project; the caller becomes its owner."""
    body: ProjectCreate = call.body
    return project_view(projects.create_project(body.name, body.description, call.person.sub))


@router.route("GET", "/v1/projects", query=ListQuery, response=Page[Project])
def list_projects(call: Call) -> Page[Project]:
    """The projects the caller is a member of."""
    page = projects.list_user_projects(call.person.sub, call.query.limit, call.query.cursor)
    return Page([project_view(p) for p in page.items], page.next_cursor)


@router.route("GET", "/v1/projects/{pid}", response=Project)
def get_project(call: Call) -> Project:
    """One project the caller is a member of."""
    project, _, _ = project_access(call, Action.READ_PROJECT)
    return project_view(project)


@router.route("PATCH", "/v1/projects/{pid}", body=ProjectUpdate, response=Project)
def update_project(call: Call) -> Project:
    """Renames or describes a project (owner, admin, editor)."""
    project, _, _ = project_access(call, Action.EDIT_PROJECT)
    changes = {k: v for k, v in structs.asdict(call.body).items() if v is not UNSET}
    return project_view(projects.update_project(project, changes, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}", status=204)
def delete_project(call: Call) -> None:
    """Deletes a project (owner only)."""
    project, _, _ = project_access(call, Action.DELETE_PROJECT)
    projects.delete_project(project, call.person.sub)
