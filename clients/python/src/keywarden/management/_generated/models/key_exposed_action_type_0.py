from enum import StrEnum


class KeyExposedActionType0(StrEnum):
    DISABLE = "disable"
    NOTIFY = "notify"
    REVOKE = "revoke"

    def __str__(self) -> str:
        return str(self.value)
