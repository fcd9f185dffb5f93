"""Ratings of finished cases (好差评)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class CaseRating(Base):
    """The applicant's one rating of a case; low ones wait for a supervisor's follow-up."""

    __tablename__ = "case_rating"
    __table_args__ = (Index("ix_case_rating_flagged", "flagged", "followed_up_at"),)

    # One rating per case: the key makes a second one impossible, even under a race.
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)  # 1 (very poor) .. 5 (very good)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_by: Mapped[str] = mapped_column(String(150))
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The staff step that last handled the case, and every staff step in order.
    handled_task_id: Mapped[str | None] = mapped_column(String(36))
    handled_element_id: Mapped[str | None] = mapped_column(String(255))
    handler: Mapped[str | None] = mapped_column(String(150))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    follow_up: Mapped[str | None] = mapped_column(Text)
    followed_up_by: Mapped[str | None] = mapped_column(String(150))
    followed_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
