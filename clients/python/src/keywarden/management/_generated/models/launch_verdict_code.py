from enum import StrEnum


class LaunchVerdictCode(StrEnum):
    EXPIRED = "EXPIRED"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    MALFORMED = "MALFORMED"
    VALID = "VALID"

    def __str__(self) -> str:
        return str(self.value)
