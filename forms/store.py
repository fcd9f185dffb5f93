"""Use cases for publishing and reading form versions.

The caller owns the transaction: these functions add and flush, never commit,
so a publish is stored together with whatever else the caller does (or not at all).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.diff import SchemaChange, diff_schemas
from forms.errors import FormNotFound, FormVersionConflict
from forms.models import FormVersion
from forms.schema_check import check_schema
from forms.validation import content_hash


def _latest(session: Session, form_key: str) -> FormVersion | None:
    query = (
        select(FormVersion)
        .where(FormVersion.form_key == form_key)
        .order_by(FormVersion.version.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def publish_form(
    session: Session,
    form_key: str,
    schema: dict,
    ui_schema: dict | None = None,
    note: str | None = None,
) -> tuple[FormVersion, list[SchemaChange]]:
    """Publish a form: a new version if its content changed, the latest one if not.

    Args:
        session: the caller's session; flushed, not committed.
        form_key: the key BPMN start events and user tasks refer to.
        schema: the form's JSON Schema (draft 2020-12).
        ui_schema: its layout (see :mod:`forms.ui_schema`).
        note: what changed and why, for the version history.

    Returns:
        The version holding this content, and the changes from the previous latest
        version (empty when nothing changed or this is the first version).

    Raises:
        FormSchemaError: the schema or UI schema has authoring problems; nothing stored.
        FormVersionConflict: another publish of the same form won the race.
    """
    check_schema(schema, ui_schema, form_key=form_key)
    digest = content_hash({"schema": schema, "ui_schema": ui_schema})
    latest = _latest(session, form_key)
    if latest is not None and latest.content_hash == digest:
        return latest, []
    changes = diff_schemas(latest.schema, schema) if latest is not None else []
    version = FormVersion(
        form_key=form_key,
        version=(latest.version + 1) if latest is not None else 1,
        schema=schema,
        ui_schema=ui_schema,
        content_hash=digest,
        note=note,
    )
    session.add(version)
    try:
        session.flush()
    except IntegrityError as exc:
        raise FormVersionConflict(
            "another version of this form was published at the same time",
            form_key=form_key,
            version=version.version,
        ) from exc
    return version, changes


def get_form(session: Session, form_key: str, version: int | None = None) -> FormVersion:
    """A form version; the latest when ``version`` is None.

    Raises:
        FormNotFound: no such form or version.
    """
    if version is None:
        found = _latest(session, form_key)
    else:
        query = select(FormVersion).where(
            FormVersion.form_key == form_key, FormVersion.version == version
        )
        found = session.scalars(query).first()
    if found is None:
        raise FormNotFound("form not found", form_key=form_key, version=version)
    return found


def list_versions(session: Session, form_key: str) -> list[FormVersion]:
    """Every published version of a form, oldest first (empty if none)."""
    query = (
        select(FormVersion).where(FormVersion.form_key == form_key).order_by(FormVersion.version)
    )
    return list(session.scalars(query))
