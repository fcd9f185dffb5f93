"""Application drafts (草稿): what an applicant has filled in so far, kept on the server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class ApplicationDraft(Base):
    """One draft per applicant account and item: saving again replaces it, applying removes it."""

    __tablename__ = "application_draft"

    owner: Mapped[str] = mapped_column(String(150), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    applicant_kind: Mapped[str] = mapped_column(String(16))
    # As typed so far: checked only when the application is submitted. Sealed, as are the personal
    # values of the data (engine/sealing.py).
    id_number: Mapped[str] = mapped_column(String(128), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime())
