"""Warnings of electronic supervision (电子监察): one row per light a case, step or promise reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class SupervisionNotice(Base):
    """A yellow or red light raised once for a subject; the unique key makes the job idempotent."""

    __tablename__ = "supervision_notice"
    __table_args__ = (
        UniqueConstraint("case_id", "subject", "level"),
        Index("ix_supervision_notice_open", "acknowledged_at", "department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    # "case", "task:<task id>" or "promise:<promise id>".
    subject: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10))  # yellow | red
    element_id: Mapped[str | None] = mapped_column(String(255))
    # Who must act: the step's group (department or window), else the item's department.
    department: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(150))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
