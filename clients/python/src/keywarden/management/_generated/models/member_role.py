from enum import StrEnum


class MemberRole(StrEnum):
    ADMIN = "admin"
    DEVELOPER = "developer"
    EDITOR = "editor"
    OWNER = "owner"
    VIEWER = "viewer"

    def __str__(self) -> str:
        return str(self.value)
