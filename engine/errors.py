"""Errors raised by the engine; each carries the context a user needs to act on it.

The API maps these to ``application/problem+json`` (see ``api/problems.py``); the
engine itself never knows about HTTP. ``code`` is a stable machine-readable name,
``context`` a JSON-serialisable dict (BPMN element id, line, task id, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .lint_reasons import reason


class ContextualError(Exception):
    """A message plus the context to act on it; the shape every package's error base shares.

    ``engine``, ``forms`` and ``processes`` each derive their own base from it, so
    the API maps all of them to problem documents the same way.
    """

    code = "error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        if not self.context:
            return self.message
        where = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return f"{self.message} ({where})"

    def to_dict(self) -> dict[str, Any]:
        # Context never overrides the error's own code or message (an item's "code" is context).
        return {**self.context, "code": self.code, "message": self.message}


class EngineError(ContextualError):
    """Base of every error the engine raises on purpose."""

    code = "engine-error"


@dataclass(frozen=True)
class LintIssue:
    """One problem found in a BPMN document, located by element and line."""

    code: str
    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None
    severity: str = "error"  # "error" stops deployment; "warning" does not

    def to_dict(self) -> dict[str, Any]:
        """The fields, plus ``reason`` (Chinese) and ``reason_en``: what the code means."""
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        zh, en = reason(self.code), reason(self.code, "en")
        return {**data, "reason": zh, "reason_en": en} if zh else data

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        element = f" [{self.element_id}]" if self.element_id else ""
        why = reason(self.code)
        return f"{where or '-'}{element} {self.severity}: {why + '：' if why else ''}{self.message} ({self.code})"


class XmlRejected(EngineError):
    """The document is not XML we are willing to read (malformed, DTD, too big, too deep)."""

    code = "xml-rejected"


class DeployRejected(EngineError):
    """The BPMN bundle has errors that stop it from executing; nothing was stored."""

    code = "deploy-rejected"

    def __init__(self, message: str, issues: list[LintIssue], **context: Any) -> None:
        super().__init__(message, **context)
        self.issues = issues

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["issues"] = [i.to_dict() for i in self.issues]
        return data

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  {i}" for i in self.issues)])


class ExpressionRejected(EngineError):
    """An expression uses something the sandbox does not allow (imports, dunders, calls ...)."""

    code = "expression-rejected"


class ExpressionFailed(EngineError):
    """An allowed expression failed while evaluating (missing variable, type error, limit hit)."""

    code = "expression-failed"


class ScriptsDisabled(EngineError):
    """Script tasks are switched off for this installation."""

    code = "scripts-disabled"


class ScriptFailed(EngineError):
    """A script task failed, timed out or exceeded its memory limit in the sandbox."""

    code = "script-failed"


class NotFound(EngineError):
    code = "not-found"


class DefinitionNotFound(NotFound):
    code = "definition-not-found"


class InstanceNotFound(NotFound):
    code = "instance-not-found"


class TaskNotFound(NotFound):
    code = "task-not-found"


class InvalidState(EngineError):
    """The operation does not apply in the current state (task done, instance suspended ...)."""

    code = "invalid-state"


class TaskNotReady(InvalidState):
    code = "task-not-ready"


class Conflict(EngineError):
    """Someone else changed the same instance first; nothing of this call was stored."""

    code = "conflict"


class NotAllowed(EngineError):
    """The acting user may not do this to this task (not a candidate, claimed by another ...)."""

    code = "not-allowed"


class InvalidData(EngineError):
    """Data given to a task or a start does not fit what the process accepts."""

    code = "invalid-data"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["errors"] = self.errors
        return data


@dataclass
class IncidentInfo:
    """What went wrong in a background step, as stored on an incident."""

    element_id: str | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)
