"""A key request as a value: its states, and the transitions between them.

    pending ──approve──▶ approved ──claim──▶ claimed
       │ └──deny──▶ denied
       └──cancel──▶ cancelled
    pending, approved ──(past expires_at)──▶ expired   (derived when read; `expire` records it)

Each transition is a method that returns a `Transition`: the new value and the event to
record (audit and webhook), or raises why it may not happen. Nothing here writes: the
store applies a transition on condition that the stored status and version are still the
ones this value was read with, so of concurrent decisions exactly one takes effect.

>>> pending = KeyRequest.new("krq_1", "prj_1", "tpl_1", "ann", "for CI", at=0.0, lifetime=60.0)
>>> pending.approve("bob", at=1.0, key_id="key_1").state.status.value
'approved'
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct, structs

from chalicelib.errors import ConflictError, ForbiddenError

# An unclaimed request (pending or approved) lapses after this; the key of an approved one is then revoked.
DEFAULT_LIFETIME_SECONDS = 7 * 24 * 3600
# Who decides when a template approves its requests itself.
AUTO_APPROVER = "keywarden:auto-approve"


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CLAIMED = "claimed"
    DENIED = "denied"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


def status_at(recorded: Status, expires_at: float, at: float) -> Status:
    """What a request recorded as `recorded`, lapsing at `expires_at`, is at `at`."""
    if recorded in (Status.PENDING, Status.APPROVED) and at >= expires_at:
        return Status.EXPIRED
    return recorded


class KeyRequest(Struct, frozen=True):
    """One request, as stored (`status` is what was last recorded; `status_at` derives expiry)."""

    id: str
    project_id: str
    template_id: str
    requester_id: str
    justification: str
    status: Status
    created_at: float
    expires_at: float
    version: int = 1
    decided_at: float | None = None
    decided_by: str | None = None
    note: str | None = None
    reason: str | None = None
    key_id: str | None = None

    @classmethod
    def new(
        cls,
        request_id: str,
        project_id: str,
        template_id: str,
        requester_id: str,
        justification: str,
        *,
        at: float,
        lifetime: float = DEFAULT_LIFETIME_SECONDS,
    ) -> KeyRequest:
        return cls(request_id, project_id, template_id, requester_id, justification, Status.PENDING, at, at + lifetime)

    def status_at(self, at: float) -> Status:
        """The status a reader sees: a pending or approved request past its deadline has expired."""
        return status_at(self.status, self.expires_at, at)

    def approve(
        self,
        by: str,
        at: float,
        key_id: str,
        note: str | None = None,
        claim_within: float = DEFAULT_LIFETIME_SECONDS,
    ) -> Transition:
        """Approved by `by` (not the requester), with the key issued; the requester then has
        `claim_within` seconds to claim it, however long the request waited."""
        self._decidable(by, at, "approved")
        return self._to(
            Status.APPROVED,
            "key_request.approved",
            decided_at=at,
            decided_by=by,
            note=note,
            key_id=key_id,
            expires_at=at + claim_within,
        )

    def deny(self, by: str, at: float, reason: str | None = None) -> Transition:
        self._decidable(by, at, "denied")
        return self._to(Status.DENIED, "key_request.denied", decided_at=at, decided_by=by, reason=reason)

    def cancel(self, by: str, at: float) -> Transition:
        """Withdrawn by its requester while it is still pending."""
        if by != self.requester_id:
            raise ForbiddenError("only the requester may cancel a request")
        self._require(Status.PENDING, at, "cancelled")
        return self._to(Status.CANCELLED, "key_request.cancelled", decided_at=at, decided_by=by)

    def claim(self, by: str, at: float) -> Transition:
        """The requester takes the approved key, once."""
        if by != self.requester_id:
            raise ForbiddenError("only the requester may claim the key")
        self._require(Status.APPROVED, at, "claimed")
        return self._to(Status.CLAIMED, "key_request.claimed")

    def expire(self, at: float) -> Transition:
        """Records the lapse of an unclaimed request (the store then revokes an approved one's key)."""
        if self.status_at(at) is not Status.EXPIRED or self.status is Status.EXPIRED:
            raise ConflictError(f"the request is {self.status_at(at)}, not lapsed")
        return self._to(Status.EXPIRED, "key_request.expired")

    def _decidable(self, by: str, at: float, verb: str) -> None:
        if by == self.requester_id:
            raise ForbiddenError("requesters may not decide their own request")
        self._require(Status.PENDING, at, verb)

    def _require(self, wanted: Status, at: float, verb: str) -> None:
        current = self.status_at(at)
        if current is not wanted:
            raise ConflictError(f"the request is {current}: it can be {verb} only while {wanted}")

    def _to(self, status: Status, event: str, **changes: object) -> Transition:
        return Transition(structs.replace(self, status=status, version=self.version + 1, **changes), event)


class Transition(Struct, frozen=True):
    """A request's next value and the event that records the step."""

    state: KeyRequest
    event: str
