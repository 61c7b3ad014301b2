from enum import StrEnum


class KeyPolicyViewAllowedTypesType0Item(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
