"""Errors the case use cases raise on purpose; each carries the context a user needs.

Same shape as :class:`engine.errors.EngineError` (``code``, ``message``, ``context``),
so the API's one problem mapper can answer them without knowing each case.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ContextualError


class CaseError(ContextualError):
    """Base of every error the case use cases raise on purpose."""

    code = "case-error"


class CaseNotFound(CaseError):
    code = "case-not-found"


class CaseNotAllowed(CaseError):
    """The acting user may not do this to this case (not its applicant, not its window ...)."""

    code = "case-not-allowed"


class CaseStateError(CaseError):
    """The action does not apply in the case's current state (closed, already rated ...)."""

    code = "case-state"


class CaseInvalid(CaseError):
    """Values given to a case use case are wrong; ``errors`` lists every problem as (pointer, message)."""

    code = "case-invalid"

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": self.errors}


class LicenceKeyMissing(CaseError):
    """No e-licence signing key is configured and none can be kept for the embedded default."""

    code = "licence-key-missing"
