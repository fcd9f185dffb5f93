"""Published form versions (table ``form_version``) and who owns uploaded materials.

A form version row is immutable once flushed: a new content makes a new version, and a
case refers to ``(form_key, version)`` for its whole life. ``material_upload`` and
``case_material`` say whose an uploaded file is (see :mod:`forms.material_ownership`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from forms.errors import FormVersionImmutable


def _now() -> datetime:
    return datetime.now(UTC)


class FormVersion(Base):
    """One published version of a form: its JSON Schema, UI schema and content hash."""

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    ui_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    def __repr__(self) -> str:
        return f"<FormVersion {self.form_key} v{self.version} {self.content_hash[:12]}>"


@event.listens_for(FormVersion, "before_update")
def _refuse_update(_mapper, _connection, target: FormVersion) -> None:
    # Published versions are immutable (style rule 11); publish a new one instead.
    raise FormVersionImmutable(
        "published form versions cannot be changed",
        form_key=target.form_key,
        version=target.version,
    )


class MaterialUpload(Base):
    """Who uploaded a stored file (the same content uploaded by two people gives two rows)."""

    __tablename__ = "material_upload"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_by: Mapped[str] = mapped_column(String(150), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CaseMaterial(Base):
    """A stored file that belongs to a case: its data cites it, and its readers may download it."""

    __tablename__ = "case_material"

    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    attached_by: Mapped[str | None] = mapped_column(String(150))
    attached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
