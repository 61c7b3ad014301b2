from enum import StrEnum


class NodeKind(StrEnum):
    INPUT = "input"
    OTHER = "other"
    OUTPUT = "output"

    def __str__(self) -> str:
        return str(self.value)
