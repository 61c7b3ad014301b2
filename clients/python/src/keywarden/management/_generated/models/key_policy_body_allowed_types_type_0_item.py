from enum import StrEnum


class KeyPolicyBodyAllowedTypesType0Item(StrEnum):
    HMAC = "hmac"
    JWT = "jwt"
    OPAQUE = "opaque"

    def __str__(self) -> str:
        return str(self.value)
