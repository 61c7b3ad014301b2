from enum import StrEnum


class KeyPolicyBodyLeakAction(StrEnum):
    DISABLE = "disable"
    NOTIFY = "notify"
    REVOKE = "revoke"

    def __str__(self) -> str:
        return str(self.value)
