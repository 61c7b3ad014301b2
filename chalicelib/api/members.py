"""Project members and their roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import ListQuery, Member, MemberPut, Page
from chalicelib.domain.policy import Action, MemberRole
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import members
    from chalicelib.store import members as member_store
    from chalicelib.store.project_models import MemberModel
else:  # at first use: see chalicelib.lazy
    member_store = lazy_module("chalicelib.store.members")
    members = lazy_module("chalicelib.services.members")

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
    page = member_store.list_members(call.access.project.id, call.query.limit, call.query.cursor)
    return Page([member_view(m) for m in page.items], page.next_cursor)


# Members are managed under finer rules than one action (anyone may leave; admins may not touch
# owners): the route asks for membership, and the use case decides the rest in the domain.
@router.route(
    "PUT", "/v1/projects/{pid}/members/{user_id}", body=MemberPut, response=Member, action=Action.READ_PROJECT
)
def put_member(call: Call[MemberPut, None]) -> Member:
    """Adds a member or changes their role (owners manage all; admins all but owners)."""
    access = call.access
    role = MemberRole(call.body.role)
    return member_view(members.put_member(access.project, call.person, access.membership, call.params["user_id"], role))


@router.route("DELETE", "/v1/projects/{pid}/members/{user_id}", status=204, action=Action.READ_PROJECT)
def remove_member(call: Call[None, None]) -> None:
    """Removes a member; any member may remove themselves, but not the last owner."""
    access = call.access
    members.remove_member(access.project, call.person, access.membership, call.params["user_id"])
