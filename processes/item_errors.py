"""Errors of the service item catalogue; each names where the problem is.

A :class:`Problem` locates one finding: the bundle file it is in, a JSON pointer
into that file (item.json, a form) or a BPMN element id and line. Errors that
stand for several findings (:class:`ItemInvalid`, :class:`BundleRejected`) carry
every one of them, so policy staff fix a bundle in one pass (一次性告知 for authors).
The API maps these to ``application/problem+json``; this package never knows HTTP.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.errors import ContextualError


@dataclass(frozen=True)
class Problem:
    """One finding, located by file and JSON pointer or BPMN element id."""

    code: str
    message: str
    file: str | None = None
    pointer: str | None = None
    element_id: str | None = None
    line: int | None = None
    severity: str = "error"  # "error" stops publishing; "warning" is reported only

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None) or "-"
        if self.pointer is not None:
            where += f"#{self.pointer or '/'}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where} {self.severity}: {self.message} ({self.code})"


def errors_in(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


class ItemError(ContextualError):
    """Base of every error the catalogue raises on purpose."""

    code = "item-error"


class _WithProblems(ItemError):
    def __init__(self, message: str, problems: list[Problem], **context: Any) -> None:
        super().__init__(message, **context)
        self.problems = list(problems)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"  {p}" for p in self.problems)])


class ItemInvalid(_WithProblems):
    """The item metadata (item.json) breaks the catalogue rules; lists every problem."""

    code = "item-invalid"


class BundleRejected(_WithProblems):
    """A service item bundle cannot be published; nothing was stored. Lists every problem."""

    code = "bundle-rejected"


class ItemNotFound(ItemError):
    code = "item-not-found"


class ItemVersionConflict(ItemError):
    """Another publish of the same item won the race; nothing of this call was stored."""

    code = "item-version-conflict"


class ItemVersionImmutable(ItemError):
    """A published item version was about to be changed in place."""

    code = "item-version-immutable"
