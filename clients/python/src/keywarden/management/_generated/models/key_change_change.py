from enum import StrEnum


class KeyChangeChange(StrEnum):
    EXPIRY_CHANGED = "expiry_changed"
    LIMITS_CHANGED = "limits_changed"
    OWNER_CHANGED = "owner_changed"
    REVOKED = "revoked"

    def __str__(self) -> str:
        return str(self.value)
