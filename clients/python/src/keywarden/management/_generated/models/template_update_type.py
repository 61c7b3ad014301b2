from enum import StrEnum


class TemplateUpdateType(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
