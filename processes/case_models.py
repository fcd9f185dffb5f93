"""Tables of a case (办件): the case itself, its tracking numbers, its clock and the calendar.

A case is one engine instance seen as the platform sees it: which service item and
version it applies for (plain code + version, the catalogue is not a foreign key),
the channel, the applicant (user id and *masked* ID number only), the window that
accepted it, and its promised deadline in working days. The row's key is the
instance id, so every engine table joins to it directly.

The clock's pauses live here too; the calendar's tables are in
:mod:`processes.calendar_models`.
Sibling tables: :mod:`processes.acceptance_models` (corrections, deficiencies,
refusals), :mod:`processes.supervision_models` (warnings),
:mod:`processes.licence_models`, :mod:`processes.rating_models`,
:mod:`processes.decision_models`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime

CHANNELS = ("online", "window", "self_service")
LIGHTS = ("green", "yellow", "red")


class Case(Base):
    """A service case: item, channel, applicant, window, clock and outcome."""

    __tablename__ = "service_case"
    __table_args__ = (
        Index("ix_service_case_item", "item_code", "opened_at"),
        Index("ix_service_case_department", "department", "light"),
        Index("ix_service_case_region", "region_code", "opened_at"),
        Index("ix_service_case_applicant", "applicant_user"),
    )

    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    # The receipt's query code (查询码): the public progress page needs it beside the number.
    query_code: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(String(100))
    item_version: Mapped[int] = mapped_column(Integer)
    item_name: Mapped[str] = mapped_column(String(500))
    # Responsible department and region (administrative division code) of the item.
    department: Mapped[str] = mapped_column(String(255))
    region_code: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(20))  # online | window | self_service
    applicant_user: Mapped[str] = mapped_column(String(150))
    applicant_kind: Mapped[str] = mapped_column(String(20))  # person | company
    # Only the masked number is kept here; the full one lives in the application data.
    applicant_id_masked: Mapped[str] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(150))
    window: Mapped[str | None] = mapped_column(String(255))  # the accepting window group
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Promised limit (承诺时限) in working days; the clock runs from opened_at.
    promised_days: Mapped[int] = mapped_column(Integer)
    # Working days of finished pauses (corrections): they push due_at back.
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    light: Mapped[str] = mapped_column(String(10), default="green")
    light_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Decision tables of the item decide steps on their own (智慧审批): record what fired.
    smart_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # approved | denied | not_accepted | completed | cancelled; None while open.
    outcome: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TrackingCounter(Base):
    """Last sequence number handed out per (region, day): one row, bumped atomically."""

    __tablename__ = "case_tracking_counter"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class ClockPause(Base):
    """A stretch during which the case's clock stands still (waiting for the applicant)."""

    __tablename__ = "case_clock_pause"
    __table_args__ = (Index("ix_case_clock_pause_case", "case_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    reason: Mapped[str] = mapped_column(String(40))  # correction | ...
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Working days the pause covered, set when it ends.
    working_days: Mapped[int | None] = mapped_column(Integer)
    # The applicant's step the case waits on, when the process has one (not supervised).
    task_id: Mapped[str | None] = mapped_column(String(36))
    # True when the engine instance itself was suspended for the pause.
    engine_suspended: Mapped[bool] = mapped_column(Boolean, default=False)
