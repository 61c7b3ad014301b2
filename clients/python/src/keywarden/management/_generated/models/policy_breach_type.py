from enum import StrEnum


class PolicyBreachType(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
