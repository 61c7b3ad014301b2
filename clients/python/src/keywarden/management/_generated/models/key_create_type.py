from enum import StrEnum


class KeyCreateType(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
