"""Project members and their roles."""

from __future__ import annotations

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Member, MemberPut, Page
from chalicelib.domain.policy import Action, MemberRole, authorize_member_change
from chalicelib.errors import NotFoundError
from chalicelib.store import members, projects
from chalicelib.store.models import MemberModel

router = Router("members", "members")


def member_view(member: MemberModel) -> Member:
    return Member(
        project_id=member.project_id,
        user_id=member.user_id,
        # The store only ever writes one of MemberRoleName.
        role=member.role,  # type: ignore[arg-type]
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


@router.route("GET", "/v1/projects/{pid}/members", query=ListQuery, response=Page[Member], action=Action.READ_PROJECT)
def list_members(call: Call[None, ListQuery]) -> Page[Member]:
    """The members of a project, by user id."""
    page = members.list_members(call.access.project.id, call.query.limit, call.query.cursor)
    return Page([member_view(m) for m in page.items], page.next_cursor)


# Members are managed under finer rules than one action (anyone may leave; admins may not touch
# owners): the route asks for membership, and authorize_member_change decides the rest.
@router.route(
    "PUT", "/v1/projects/{pid}/members/{user_id}", body=MemberPut, response=Member, action=Action.READ_PROJECT
)
def put_member(call: Call[MemberPut, None]) -> Member:
    """Adds a member or changes their role (owners manage all; admins all but owners)."""
    project, membership = call.access.project, call.access.membership
    user_id = call.params["user_id"]
    current = membership if user_id == call.person.sub else projects.get_membership(project.id, user_id)
    new_role = MemberRole(call.body.role)
    authorize_member_change(
        call.person,
        MemberRole(membership.role) if membership else None,
        user_id,
        MemberRole(current.role) if current else None,
        new_role,
    )
    return member_view(members.put_member(project, user_id, new_role, current, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}/members/{user_id}", status=204, action=Action.READ_PROJECT)
def remove_member(call: Call[None, None]) -> None:
    """Removes a member; any member may remove themselves, but not the last owner."""
    project, membership = call.access.project, call.access.membership
    user_id = call.params["user_id"]
    current = membership if user_id == call.person.sub else projects.get_membership(project.id, user_id)
    authorize_member_change(
        call.person,
        MemberRole(membership.role) if membership else None,
        user_id,
        MemberRole(current.role) if current else None,
        None,
    )
    if current is None:
        raise NotFoundError("member not found")
    members.remove_member(project, current, call.person.sub)
