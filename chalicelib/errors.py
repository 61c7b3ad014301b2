"""The one error hierarchy of the service.

Every error a caller may see is a `KeywardenError` that carries its own problem code
and HTTP status (the codes of API.md). `chalicelib.api.problems` turns them into
RFC 9457 responses in one place; nothing else builds error responses.
"""

from __future__ import annotations

from msgspec import Struct


class FieldError(Struct, frozen=True):
    """One invalid field of a request: `field` is a dotted path such as `info_fields[0].name`."""

    field: str
    message: str


class KeywardenError(Exception):
    """Base of every error that maps to a problem response."""

    code = "internal_error"
    status = 500
    title = "Internal error"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title

    def headers(self) -> dict[str, str]:
        """Extra response headers this error needs (e.g. WWW-Authenticate)."""
        return {}

    def extensions(self) -> dict[str, str]:
        """Extension members of the problem (RFC 9457 section 3.2), beside the standard ones."""
        return {}


class MalformedRequestError(KeywardenError):
    code, status, title = "malformed_request", 400, "Malformed request"


class ConfirmationRequiredError(KeywardenError):
    code, status, title = "confirmation_required", 400, "Confirmation required"


class UnauthenticatedError(KeywardenError):
    code, status, title = "unauthenticated", 401, "Authentication required"

    def __init__(self, detail: str | None = None, *, token_given: bool = False, basic: bool = False) -> None:
        super().__init__(detail)
        self.token_given = token_given
        self.basic = basic

    def headers(self) -> dict[str, str]:
        # RFC 6749 section 5.2: a client that tried HTTP Basic (an OAuth client at the
        # introspection endpoint) is challenged with its own scheme too, after Bearer (without
        # `error`: no bearer token was sent, RFC 6750 section 3.1).
        if self.basic:
            return {"WWW-Authenticate": 'Bearer, Basic realm="keywarden"'}
        # RFC 6750 section 3: name the scheme, and say why when a token was sent.
        if self.token_given:
            return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return {"WWW-Authenticate": "Bearer"}


class StepUpRequiredError(KeywardenError):
    """The login is too old for a sensitive action (RFC 9470)."""

    code, status, title = "step_up_required", 401, "A fresh login is required"

    def __init__(self, max_age: int) -> None:
        super().__init__(f"this action needs a login made within the last {max_age} seconds")
        self.max_age = max_age

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer error="insufficient_user_authentication", max_age={self.max_age}'}


class SignatureRefusedError(KeywardenError):
    """A request signed by its sender (GitHub's secret scanning alerts) whose signature was not
    accepted: no bearer scheme applies, so no `WWW-Authenticate: Bearer` challenge."""

    code, status, title = "unauthenticated", 401, "Signature not accepted"


class TooManyRequestsError(KeywardenError):
    code, status, title = "rate_limited", 429, "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ForbiddenError(KeywardenError):
    code, status, title = "forbidden", 403, "Forbidden"


class NotFoundError(KeywardenError):
    code, status, title = "not_found", 404, "Not found"


class ConflictError(KeywardenError):
    code, status, title = "conflict", 409, "Conflict"


class AlreadyRerolledError(ConflictError):
    """A key has at most one successor; the problem names it in `rerolled_to`."""

    def __init__(self, successor: str, detail: str | None = None) -> None:
        super().__init__(detail or f"this key was already rerolled to {successor}; reroll that one instead")
        self.successor = successor

    def extensions(self) -> dict[str, str]:
        return {"rerolled_to": self.successor}


class PayloadTooLargeError(KeywardenError):
    code, status, title = "payload_too_large", 413, "Payload too large"


class UnsupportedMediaTypeError(KeywardenError):
    code, status, title = "unsupported_media_type", 415, "Unsupported media type"


class MethodNotAllowedError(KeywardenError):
    """The route exists but not with this method; `allowed` becomes the Allow header (RFC 9110)."""

    code, status, title = "method_not_allowed", 405, "Method not allowed"

    def __init__(self, allowed: list[str], detail: str | None = None) -> None:
        super().__init__(detail or f"this route allows {', '.join(allowed)}")
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class HeadersTooLargeError(KeywardenError):
    code, status, title = "headers_too_large", 431, "Request header fields too large"


class ValidationFailedError(KeywardenError):
    code, status, title = "validation_failed", 422, "Validation failed"

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailedError:
        return cls([FieldError(field, message)])


class ImmutableFieldError(ValidationFailedError):
    code, title = "immutable_field", "Field cannot be changed"


class PolicyViolationError(ValidationFailedError):
    """The key would break the project's key policy: `errors` names each rule broken."""

    code, title = "policy_violation", "The project's key policy refuses this key"


class OwnerNotPermittedError(KeywardenError):
    code, status, title = "owner_not_permitted", 422, "Owner may not hold keys"


class IdempotencyKeyReusedError(KeywardenError):
    code, status, title = "idempotency_key_reused", 422, "Idempotency key reused"


class ConfigError(Exception):
    """A setting in the environment is missing or wrong: an operator's error, not a caller's."""
