from enum import StrEnum


class PolicyBreachRulesItem(StrEnum):
    ALLOWED_TYPES = "allowed_types"
    FORBID_WILDCARD_PERMISSIONS = "forbid_wildcard_permissions"
    MAX_LIFETIME_DAYS = "max_lifetime_days"
    REQUIRE_EXPIRY = "require_expiry"
    REQUIRE_IP_ALLOWLIST = "require_ip_allowlist"

    def __str__(self) -> str:
        return str(self.value)
