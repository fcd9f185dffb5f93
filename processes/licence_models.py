"""The e-licence library (电子证照库): signed licences, per holder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models import UtcDateTime


class ELicence(Base):
    """An issued e-licence: the exact signed payload, its signature and a rendered document."""

    __tablename__ = "e_licence"
    __table_args__ = (Index("ix_e_licence_holder", "holder_index", "licence_type"),)

    # Licence number, also what material references (forms.materials.licence_reference) name.
    number: Mapped[str] = mapped_column(String(80), primary_key=True)
    licence_type: Mapped[str] = mapped_column(String(80))  # catalogue code, e.g. LIC-FOOD-BUSINESS
    title: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str] = mapped_column(ForeignKey("service_case.instance_id"))
    holder_kind: Mapped[str] = mapped_column(String(20))  # person | company
    # Resident ID number or unified social credit code: a licence names its holder. Sealed, as are
    # the name, the data, the payload and the page (engine/sealing.py).
    holder_id: Mapped[str] = mapped_column(String(128))
    # Blind index of the holder's number (HMAC under the index key): how a holder's licences are found.
    holder_index: Mapped[str | None] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    issuer: Mapped[str] = mapped_column(String(255))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Canonical JSON (UTF-8) exactly as signed (sealed whole); the columns above are copies for queries.
    payload: Mapped[str] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(String(20))  # Ed25519
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))  # base64
    document_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="valid")  # valid | revoked
