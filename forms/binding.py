"""What the engine asks of forms, given to it when the engine is built.

The engine knows forms only through this object (it never imports :mod:`forms`):
which form keys exist (for the deploy lint), which versions a new case pins, and
whether a submission fits the pinned version. Every compiled form is closed, so a
task's submission cannot carry a field its form does not declare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.errors import FormNotFound
from forms.models import FormVersion
from forms.store import get_form
from forms.materials import FileLookup
from forms.validation import compile_form, validate_submission, verify_material_files


class FormBinding:
    """Forms as the engine sees them; stateless apart from the compiled-form cache.

    Given the material store (``files``), a submission's uploaded materials must be
    files the store holds, with the size and type the reference claims: a form cannot
    point at a file that was never uploaded.
    """

    def __init__(self, files: FileLookup | None = None) -> None:
        self.files = files

    def known_keys(self, session: Session) -> set[str]:
        return set(session.scalars(select(FormVersion.form_key).distinct()))

    def pin(self, session: Session, form_keys: list[str]) -> dict[str, int]:
        """The latest published version of each key that has one."""
        if not form_keys:
            return {}
        rows = session.execute(
            select(FormVersion.form_key, func.max(FormVersion.version))
            .where(FormVersion.form_key.in_(sorted(set(form_keys))))
            .group_by(FormVersion.form_key)
        ).all()
        return {key: version for key, version in rows}

    def check(self, session: Session, form_key: str, version: int | None, data: dict[str, Any],
              locale: str = "zh-CN") -> list[dict[str, Any]]:
        """Every problem with ``data`` for that form version, as {pointer, code, message}."""
        try:
            form = get_form(session, form_key, version)
        except FormNotFound:
            return [{"pointer": "", "code": "form-missing",
                     "message": f"form {form_key!r} version {version} is not published"}]
        compiled = compile_form(form.schema, known_hash=form.content_hash)
        errors = validate_submission(compiled, data, locale)
        if self.files is not None:
            errors = errors + verify_material_files(self.files, compiled, data, locale)
        return [{"pointer": e.pointer, "code": e.code, "message": e.message} for e in errors]
