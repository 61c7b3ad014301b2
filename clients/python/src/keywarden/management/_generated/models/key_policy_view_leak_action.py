from enum import StrEnum


class KeyPolicyViewLeakAction(StrEnum):
    DISABLE = "disable"
    NOTIFY = "notify"
    REVOKE = "revoke"

    def __str__(self) -> str:
        return str(self.value)
