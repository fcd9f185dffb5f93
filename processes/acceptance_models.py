"""Tables of what happens at acceptance (受理): corrections, deficiencies and refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class CorrectionNotice(Base):
    """A one-time notice (一次性告知) listing everything the applicant must correct."""

    __tablename__ = "case_correction"
    __table_args__ = (UniqueConstraint("case_id", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    round: Mapped[int] = mapped_column(Integer)  # 1, then 2 if the corrected materials fall short
    # [{kind: material|field, ref, name, problem, requirement}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notice_text: Mapped[str] = mapped_column(Text)
    pause_id: Mapped[int] = mapped_column(ForeignKey("case_clock_pause.id"))
    issued_by: Mapped[str] = mapped_column(String(150))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resubmitted_by: Mapped[str | None] = mapped_column(String(150))
    resubmitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MaterialPromise(Base):
    """Accepted although materials are missing (容缺受理) or promised (告知承诺): due by a date."""

    __tablename__ = "case_material_promise"
    __table_args__ = (Index("ix_case_material_promise_open", "fulfilled_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    kind: Mapped[str] = mapped_column(String(20))  # deficiency (容缺) | commitment (告知承诺)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    days: Mapped[int] = mapped_column(Integer)  # working days granted
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notice_text: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(150))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fulfilled_by: Mapped[str | None] = mapped_column(String(150))
    fulfilled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set by the supervision job the first time it finds the promise overdue.
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CaseRefusal(Base):
    """Refusal to accept (不予受理): the reason and the notice handed to the applicant."""

    __tablename__ = "case_refusal"

    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)  # legal basis cited
    notice_text: Mapped[str] = mapped_column(Text)
    refused_by: Mapped[str] = mapped_column(String(150))
    refused_at: Mapped[datetime] = mapped_column(UtcDateTime())
