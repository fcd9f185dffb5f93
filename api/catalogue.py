"""Read-only lists of what is deployed: process definitions (without their compiled specs) and forms."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.models import ProcessDefinition
from forms.models import FormVersion


def definitions(session: Session, process_id: str | None = None) -> list[ProcessDefinition]:
    query = select(ProcessDefinition).options(defer(ProcessDefinition.spec))
    if process_id is not None:
        query = query.where(ProcessDefinition.process_id == process_id)
    return list(session.scalars(query.order_by(ProcessDefinition.process_id, ProcessDefinition.version)))


def latest_forms(session: Session) -> list[FormVersion]:
    """The latest version of every form, by key."""
    latest = (select(FormVersion.form_key, func.max(FormVersion.version).label("version"))
              .group_by(FormVersion.form_key).subquery())
    query = select(FormVersion).join(latest, (FormVersion.form_key == latest.c.form_key)
                                     & (FormVersion.version == latest.c.version))
    return list(session.scalars(query.order_by(FormVersion.form_key)))
