"""Decisions taken by an item's decision tables (智慧审批): which rule fired, what it decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class CaseDecision(Base):
    """One business-rule task run of a case: the matched rules and the outputs."""

    __tablename__ = "case_decision"
    __table_args__ = (Index("ix_case_decision_case", "case_id"),)

    # The engine task that ran the table: recording twice is impossible.
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    element_id: Mapped[str] = mapped_column(String(255))
    # The decision table (SpiffWorkflow keeps the table, not the <decision> around it).
    table_id: Mapped[str | None] = mapped_column(String(255))
    table_name: Mapped[str | None] = mapped_column(String(500))
    hit_policy: Mapped[str | None] = mapped_column(String(20))
    # [{id, row, description}] of the rules that matched, in table order.
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
