from enum import StrEnum


class CreditsChangeOp(StrEnum):
    DECREMENT = "decrement"
    INCREMENT = "increment"
    SET = "set"

    def __str__(self) -> str:
        return str(self.value)
