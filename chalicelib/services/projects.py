"""Projects' use cases that reach beyond the project's own record: creation with its secrets,
and deletion with every key and service key value.

Deletion is three steps, each safe to repeat: (1) mark it `deleting`, after which every other
write to it fails, so nothing can be added behind the deletion's back; (2) revoke every key,
in chunks; (3) retire its service key values and mark it deleted. The project is gone for
users from step 1; if a step fails, a repeat of the request (`deleting_ok` lets its owner
reach it) resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib import cache
from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.services import keys as key_cases
from chalicelib.services import secrets
from chalicelib.store import projects
from chalicelib.store.project_models import ProjectModel


def create_project(name: str, description: str, creator: str) -> ProjectModel:
    """A new project with its creator as owner and its secure and service keys, in one transaction."""
    project_id, at = new_id("prj"), rfc3339(now())
    return projects.create_project(
        project_id, name, description, creator, at, secrets.new_project_secrets(project_id, at)
    )


def update_project(project: ProjectModel, changes: Mapping[str, str], actor: str) -> ProjectModel:
    """Renames or describes a live project, audited (a concurrent deletion wins)."""
    return projects.update_project(project, changes, actor)


def delete_project(project: ProjectModel, actor: str) -> None:
    """Deletes the project: it disappears at once, every key is revoked, its service key stops."""
    project = projects.begin_deletion(project)
    key_cases.revoke_all(project.id, actor, reason="project deleted")
    # Read only now: no rotation can commit after step 1, so these are all the values there are.
    service_digests = secrets.service_key_digests(project.id, include_retired=True)
    try:
        projects.finish_deletion(project, service_digests, actor)
    finally:
        cache.service_keys.invalidate(service_digests)
