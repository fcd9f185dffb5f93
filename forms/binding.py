"""What the engine asks of forms, given to it when the engine is built.

The engine knows forms only through this object (it never imports :mod:`forms`):
which form keys exist (for the deploy lint), which versions a new case pins, and
whether a submission fits the pinned version, and which fields hold personal
identifiers (sealed before they are stored). Every compiled form is closed, so a
task's submission cannot carry a field its form does not declare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.errors import FormNotFound
from forms.models import FormVersion
from forms.store import get_form
from forms import material_ownership
from forms.personal import identifier_in_text, personal_fields
from forms.materials import FileLookup, upload_references
from forms.validation import compile_form, validate_submission, verify_material_files


class FormBinding:
    """Forms as the engine sees them; stateless apart from the compiled-form cache.

    Given the material store (``files``), a submission's uploaded materials must be
    files the store holds, with the size and type the reference claims: a form cannot
    point at a file that was never uploaded, nor at someone else's.
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
              locale: str = "zh-CN", *, case_id: str | None = None,
              submitter: str | None = None) -> list[dict[str, Any]]:
        """Every problem with ``data`` for that form version, as {pointer, code, message}.

        Given the case, an uploaded file may be cited only by whoever uploaded it, or when it
        already belongs to the case (:mod:`forms.material_ownership`); anyone else's file is
        reported as a file never uploaded.
        """
        try:
            form = get_form(session, form_key, version)
        except FormNotFound:
            return [{"pointer": "", "code": "form-missing",
                     "message": f"form {form_key!r} version {version} is not published"}]
        compiled = compile_form(form.schema, known_hash=form.content_hash)
        errors = validate_submission(compiled, data, locale)
        if self.files is not None:
            may_cite = None
            if case_id is not None:
                hashes = [ref["sha256"] for ref in upload_references(compiled.schema, data)]
                allowed = material_ownership.citable(session, hashes, case_id=case_id, user=submitter)
                may_cite = lambda ref: ref.get("sha256") in allowed  # noqa: E731
            errors = errors + verify_material_files(self.files, compiled, data, locale, may_cite)
        return [{"pointer": e.pointer, "code": e.code, "message": e.message} for e in errors]

    def attach_materials(self, session: Session, form_key: str, version: int | None, data: dict[str, Any], *,
                         case_id: str, submitter: str | None) -> None:
        """The uploaded files ``data`` cites (checked by :meth:`check`) belong to the case from now on."""
        if self.files is None:
            return
        form = get_form(session, form_key, version)
        compiled = compile_form(form.schema, known_hash=form.content_hash)
        hashes = [ref["sha256"] for ref in upload_references(compiled.schema, data)]
        material_ownership.attach(session, hashes, case_id=case_id, user=submitter)


class PersonalDataRules:
    """What is personal, as the engine asks it when it seals data (:class:`engine.sealing.IdentifierRules`)."""

    def fields(self, session: Session, form_versions: dict[str, int]) -> frozenset[str]:
        """Names of the personal fields of these form versions (see :mod:`forms.personal`)."""
        names: set[str] = set()
        for form_key, version in form_versions.items():
            try:
                form = get_form(session, form_key, version)
            except FormNotFound:
                continue  # a case pinned to a form that is gone: the text rule still applies
            names |= personal_fields(form.schema)
        return frozenset(names)

    @staticmethod
    def in_text(text: str) -> bool:
        return identifier_in_text(text)
