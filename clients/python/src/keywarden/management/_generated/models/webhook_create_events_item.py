from enum import StrEnum


class WebhookCreateEventsItem(StrEnum):
    IDENTITY_CREATED = "identity.created"
    IDENTITY_CREDITS_EXHAUSTED = "identity.credits_exhausted"
    IDENTITY_CREDITS_LOW = "identity.credits_low"
    IDENTITY_DELETED = "identity.deleted"
    IDENTITY_RATE_LIMITED = "identity.rate_limited"
    IDENTITY_UPDATED = "identity.updated"
    KEY_CREATED = "key.created"
    KEY_CREDITS_EXHAUSTED = "key.credits_exhausted"
    KEY_CREDITS_LOW = "key.credits_low"
    KEY_DISABLED = "key.disabled"
    KEY_ENABLED = "key.enabled"
    KEY_EXPIRING = "key.expiring"
    KEY_EXPOSED = "key.exposed"
    KEY_RATE_LIMITED = "key.rate_limited"
    KEY_REQUEST_APPROVED = "key_request.approved"
    KEY_REQUEST_CANCELLED = "key_request.cancelled"
    KEY_REQUEST_CREATED = "key_request.created"
    KEY_REQUEST_DENIED = "key_request.denied"
    KEY_REROLLED = "key.rerolled"
    KEY_REVOKED = "key.revoked"
    SECRET_ROTATED = "secret.rotated"

    def __str__(self) -> str:
        return str(self.value)
