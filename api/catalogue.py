"""Read-only lists of what is deployed: process definitions (without their compiled specs), forms, items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.models import ProcessDefinition
from forms.models import FormVersion
from processes import catalogue as catalogue_items
from processes.catalogue import ItemVersion


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


# -- service items ----------------------------------------------------------------------
def search_items(session: Session, *, q: str | None = None, type: str | None = None,  # noqa: A002
                 department: str | None = None, region_code: str | None = None, level: str | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[ItemVersion], int]:
    """The latest version of every item that matches, by code, and how many match in all.

    ``q`` matches every word (split on spaces) against the name, code and department.
    """
    rows = catalogue_items.list_items(session, region_code=region_code, item_type=type, department=department)
    if level is not None:
        rows = [r for r in rows if r.level == level]
    if q:
        words = q.split()
        rows = [r for r in rows if all(w in f"{r.name} {r.code} {r.department}" for w in words)]
    return rows[offset:offset + limit], len(rows)


def item_summary(row: ItemVersion) -> dict[str, Any]:
    item = row.item()
    return {"code": row.code, "version": row.version, "name": row.name, "type": row.item_type,
            "type_label": item.type_label, "department": row.department, "level": row.level,
            "region_code": row.region_code, "statutory_days": item.statutory_days,
            "promised_days": row.promised_days, "online_depth": item.online_depth,
            "at_most_one_visit": item.at_most_one_visit, "zero_visit": item.zero_visit,
            "one_thing": item.is_one_thing, "published_at": row.published_at}


def item_detail(row: ItemVersion) -> dict[str, Any]:
    return {**item_summary(row), "document": row.document, "process_id": row.process_id,
            "definition_id": row.definition_id, "definitions": row.definitions, "form_versions": row.form_versions,
            "critical_days": row.critical_days, "note": row.note}
