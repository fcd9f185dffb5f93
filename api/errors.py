"""Errors raised by the web service's own use cases (accounts, access, audit, uploads).

Like the engine's errors they know nothing of HTTP; :mod:`api.problems` maps them.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    code = "api-error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.context}


class Unauthenticated(ApiError):
    """No valid session or token (or it expired)."""

    code = "unauthenticated"


class LoginFailed(Unauthenticated):
    """Wrong username or password, or a locked or disabled account (deliberately not told apart)."""

    code = "login-failed"


class LoginThrottled(ApiError):
    """Too many failed logins for this account from this client: wait ``retry_after`` seconds."""

    code = "rate-limited"

    def __init__(self, message: str, *, retry_after: int, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.retry_after = retry_after


class SecondFactorRequired(Unauthenticated):
    """The password was right; an administrator also gives the authenticator's code (or a recovery code)."""

    code = "second-factor-required"


class SecondFactorFailed(LoginFailed):
    """The second-factor code was wrong, or already used (a code counts once)."""

    code = "second-factor-failed"


class PasswordChangeRequired(ApiError):
    """The password was right but was set by a security administrator: the user must choose a new one."""

    code = "password-change-required"


class CsrfFailed(ApiError):
    code = "csrf-failed"


class NestedTooDeep(ApiError):
    """A request body nests objects and arrays deeper than the service reads (answered 400)."""

    code = "nested-too-deep"


class Forbidden(ApiError):
    """The caller is known but may not do this."""

    code = "forbidden"


class SecondFactorEnrolmentRequired(Forbidden):
    """An administrator's session that may only set up its second factor until that is done."""

    code = "second-factor-enrolment-required"


class Hidden(ApiError):
    """The caller may not know this object exists; answered as not found."""

    code = "not-found"


class NotFound(ApiError):
    code = "not-found"


class Invalid(ApiError):
    """A request is well-formed but its content is refused (weak password, bad zip ...)."""

    code = "invalid"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": self.errors}


class PasswordRejected(Invalid):
    code = "password-rejected"


class MaterialRefused(Invalid):
    """An uploaded material was refused (empty, too large, a program, a type not accepted, a bad name)."""

    code = "material-rejected"


class RolesConflict(Invalid):
    """The role assignment breaks separation of duties (三员分立)."""

    code = "separation-of-duties"


class Conflict(ApiError):
    code = "conflict"


class CredentialsResetPending(Conflict):
    """A security administrator may not reset both an administrator's password and second factor."""

    code = "credentials-reset-pending"


class IdempotencyConflict(Conflict):
    """The Idempotency-Key was used before for a different request."""

    code = "idempotency-key-reused"


class StaleTask(Conflict):
    """If-Match named a version of the task that is no longer current."""

    code = "task-changed"


class PreconditionFailed(ApiError):
    code = "precondition-failed"
