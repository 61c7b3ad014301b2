from enum import StrEnum


class TemplateCreateType(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
