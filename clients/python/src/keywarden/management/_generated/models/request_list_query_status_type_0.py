from enum import StrEnum


class RequestListQueryStatusType0(StrEnum):
    APPROVED = "approved"
    CANCELLED = "cancelled"
    CLAIMED = "claimed"
    DENIED = "denied"
    EXPIRED = "expired"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
