"""Errors raised by the forms package; each carries the context a user needs to act on it.

Two audiences, two families: :class:`FormSchemaError` is an *authoring* problem
(shown to the policy staff who wrote the form, never to an applicant) and
:class:`FormDataError` is a *submission* problem (the one-time notice, 一次性告知,
shown to the applicant with every problem at once). The API maps both to
``application/problem+json``; this package never knows about HTTP.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.errors import ContextualError


class FormError(ContextualError):
    """Base of every error the forms package raises on purpose."""

    code = "form-error"


@dataclass(frozen=True, order=True)
class SchemaProblem:
    """One authoring problem, located by a JSON pointer into ``document``.

    ``document`` is ``schema`` or ``ui_schema``; merging names the item's form
    (``item:<code>``).
    """

    pointer: str
    message: str
    document: str = "schema"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class FieldError:
    """One problem with submitted data, located by a JSON pointer into the data.

    ``code`` is the JSON Schema keyword that failed (``required``, ``format`` ...)
    or one of this package's own (``readOnly``, ``x-material``, ``maxDepth`` ...).
    """

    pointer: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class FormSchemaError(FormError):
    """A form schema (or UI schema) is broken; lists every problem found."""

    code = "form-schema-invalid"

    def __init__(self, message: str, problems: list[SchemaProblem], **context: Any) -> None:
        super().__init__(message, **context)
        self.problems = sorted(set(problems), key=lambda p: (p.document, p.pointer, p.message))

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["problems"] = [p.to_dict() for p in self.problems]
        return data

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  {p.document}:{p.pointer or '/'}: {p.message}" for p in self.problems]
        return "\n".join(lines)


class FormMergeError(FormSchemaError):
    """The forms of several service items cannot be merged into one (一表申请)."""

    code = "form-merge-conflict"


class FormDataError(FormError):
    """Submitted data does not fit the form; lists every problem at once (一次性告知)."""

    code = "form-data-invalid"

    def __init__(self, message: str, errors: list[FieldError], **context: Any) -> None:
        super().__init__(message, **context)
        self.errors = list(errors)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["errors"] = [e.to_dict() for e in self.errors]
        return data

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  {e.pointer or '/'}: {e.message} ({e.code})" for e in self.errors]
        return "\n".join(lines)


class MaterialRejected(FormError):
    """An uploaded file was refused (too big, wrong type, unsafe name ...); nothing was stored."""

    code = "material-rejected"


class FormNotFound(FormError):
    code = "form-not-found"


class FormVersionConflict(FormError):
    """Someone else published a version of the same form first; nothing of this call was stored."""

    code = "form-version-conflict"


class FormVersionImmutable(FormError):
    """A published form version was about to be changed in place."""

    code = "form-version-immutable"
