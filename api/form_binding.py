"""Which published form a task shows: the version its case pinned when it started."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance
from forms import store
from forms.errors import FormNotFound
from forms.models import FormVersion


def task_form(session: Session, instance_id: str, form_key: str | None) -> FormVersion | None:
    """The case's pinned version of the form (the latest if the case pinned none), or None."""
    if not form_key:
        return None
    pinned = session.scalar(select(ProcessInstance.form_versions).where(ProcessInstance.id == instance_id)) or {}
    try:
        return store.get_form(session, form_key, pinned.get(form_key))
    except FormNotFound:
        return None
