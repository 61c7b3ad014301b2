from enum import StrEnum


class KeyChangeChange(StrEnum):
    DISABLED = "disabled"
    ENABLED = "enabled"
    EXPIRY_CHANGED = "expiry_changed"
    LIMITS_CHANGED = "limits_changed"
    OWNER_CHANGED = "owner_changed"
    RESTRICTIONS_CHANGED = "restrictions_changed"
    REVOKED = "revoked"

    def __str__(self) -> str:
        return str(self.value)
